import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostExec, type Run, run, ROOT, sandbox, TestStack } from "./harness";
import { waitOnHost } from "./runtime";

// Issue 25: a run killed hard leaves no process behind, and a rebuilt host converges once its new
// key is pinned. A directory, a file and a step per host (programs/lifecycle), on container hosts.
const PROGRAM = path.join(__dirname, "programs/lifecycle");
const KILLED = "lf-a";
const REBUILT = "lf-b";
const DIR = "/srv/hostform-lifecycle";

/** A `hostform:hosts` entry as `npm run hosts -- pin` leaves it. */
const entry = (h: sandbox.SandboxHost) => ({ name: h.name, flavor: h.flavor, role: "none", address: h.address, port: h.port, user: h.user, hostKey: h.hostPublicKey, privateKeyPath: h.privateKeyPath });

/** Every process whose environment names `marker` (the stack's own temporary folder): the CLI and whatever it started. */
function processesOf(marker: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      if (!readFileSync(`/proc/${pid}/environ`, "latin1").includes(marker)) continue;
      const group = readFileSync(`/proc/${pid}/stat`, "latin1").replace(/^.*\) /, "").split(" ")[2];
      found.push(`${pid} (group ${group}) ${readFileSync(`/proc/${pid}/cmdline`, "latin1").split("\0").join(" ").trim()}`);
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

async function until<T>(fn: () => T, ok: (v: T) => boolean, seconds: number): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const v = fn();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe("a run killed hard leaves nothing running", () => {
  const stack = new TestStack(PROGRAM);
  let h: sandbox.SandboxHost;
  beforeAll(async () => {
    [h] = await sandbox.up([{ name: KILLED, flavor: "container" }]);
    await stack.init();
    stack.setConfig({ "hostform:hosts": [entry(h)] });
    const first = await stack.up();
    expect(first.code, first.all).toBe(0);
  });
  afterAll(async () => {
    await sandbox.down([KILLED]);
    stack.remove();
  });

  it("SIGKILL to the terminal's process group while up changes a host: within 10 s no process of the run is left; the next up and drift are clean", async () => {
    stack.setConfig({ "hostform:hosts": [entry(h)], "test:slowSeconds": 20 });
    // As a terminal or a CI runner starts it: a process group of its own, which a closed terminal
    // or a cancelled job kills. The CLI starts its plugins in groups of their own, out of reach.
    const child = spawn("bash", [path.join(ROOT, "scripts/pulumi.sh"), "up", "--yes", "--skip-preview", "--stack", stack.name, "--config-file", stack.configFile, "--non-interactive"], {
      cwd: stack.program, detached: true, stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, PULUMI_BACKEND_URL: `file://${stack.backend}`, PULUMI_CONFIG_PASSPHRASE: stack.passphrase },
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const closed = new Promise<number | null>((resolve) => child.on("close", (code, signal) => resolve(code ?? (signal ? -1 : null))));
    await waitOnHost(KILLED, "pgrep -fx 'sleep 20' >/dev/null", 120);

    const during = processesOf(stack.dir);
    expect(during.some((p) => p.includes("pulumi-language-nodejs")), during.join("\n")).toBe(true);
    expect(during.some((p) => p.includes("dynamic-provider")), during.join("\n")).toBe(true);
    process.kill(-child.pid!, "SIGKILL");
    await closed;
    stack.output += out;

    const started = Date.now();
    const left = await until(() => processesOf(stack.dir), (l) => l.length === 0, 10);
    expect(left, `left ${((Date.now() - started) / 1000).toFixed(1)} s after the kill`).toEqual([]);
    console.log(`the run's ${during.length} processes were gone ${((Date.now() - started) / 1000).toFixed(1)} s after the kill:\n${during.join("\n")}`);
    // Their SSH connection closed with them, and the host's watchdog ended the change.
    await waitOnHost(KILLED, "! pgrep -fx 'sleep 20' >/dev/null", 10);

    // The killed run left its create pending in the state (and its lock, which pulumi.sh removes).
    const exported = await stack.pulumi("stack", "export");
    expect(exported.code, exported.all).toBe(0);
    const pending = (JSON.parse(exported.stdout) as { deployment: { pending_operations?: { type: string; resource: { urn: string } }[] } }).deployment.pending_operations ?? [];
    expect(pending.map((p) => `${p.type} ${p.resource.urn.split("::").pop()}`)).toEqual(["creating lf-a-slow"]);

    const next = await stack.up();
    expect(next.code, next.all).toBe(0);
    expect(await hostExec(KILLED, `ls ${DIR}`)).toBe("host.txt\nslow\n");
    const drift = await stack.drift();
    expect(drift.code, drift.all).toBe(0);
  });
});

describe("a rebuilt host converges once its new key is pinned", () => {
  const stack = new TestStack(PROGRAM);
  let h: sandbox.SandboxHost;
  const pin = (host: sandbox.SandboxHost): Promise<Run> =>
    run("npx", ["tsx", "scripts/hosts.ts", "pin", host.address, "--port", String(host.port), "--stack", stack.name, "--config-file", stack.configFile,
      "--host", host.name, "--yes", "--expect-fingerprint", host.hostKeyFingerprint, "--replace"]);

  beforeAll(async () => {
    [h] = await sandbox.up([{ name: REBUILT, flavor: "container" }]);
    await stack.init();
    stack.setConfig({ "hostform:hosts": [entry(h)] });
    const first = await stack.up();
    expect(first.code, first.all).toBe(0);
  });
  afterAll(async () => {
    await sandbox.down([REBUILT]);
    stack.remove();
  });

  it("pinned again with hosts pin --replace, a plain up recreates what the rebuilt host lost; drift is clean; a host presenting a key pinned nowhere is refused", async () => {
    const old = h;
    // Rebuilt, and its new key pinned: the state still holds the old one.
    const second = await sandbox.rebuild(REBUILT);
    expect(second.address).toBe(old.address);
    expect(second.hostKeyFingerprint).not.toBe(old.hostKeyFingerprint);
    const pinned = await pin(second);
    expect(pinned.code, pinned.all).toBe(0);
    expect(pinned.all).toContain(`pinned ssh-ed25519 ${second.hostKeyFingerprint} for ${REBUILT} (hostform:hosts[0])`);
    expect(pinned.all).toContain("(replacing the key pinned before)");

    // Rebuilt once more before the up: the host presents a key pinned neither in config nor in state.
    const third = await sandbox.rebuild(REBUILT);
    await hostExec(REBUILT, "touch /srv/untouched");
    const refused = await stack.up();
    expect(refused.code).not.toBe(0);
    expect(refused.all).toContain(`host key mismatch for root@${third.address}:22: the host presented ${third.hostKeyFingerprint} but the stack pins ${second.hostKeyFingerprint}`);
    expect(refused.all).toContain(`npm run hosts -- pin ${third.address} --port 22 --stack <stack> --replace`);
    expect(refused.all).not.toContain(old.hostKeyFingerprint);
    // Once for the host, without stack traces: its other resources refer to that error in a line.
    const diagnostics = refused.all.slice(refused.all.indexOf("Diagnostics:"));
    expect(diagnostics.split("the host presented").length - 1, diagnostics).toBe(1);
    expect(diagnostics).toContain(`host key mismatch for root@${third.address}:22: refused (see the first error of this host)`);
    expect(refused.all).not.toMatch(/^\s+at /m);
    expect(await hostExec(REBUILT, "ls /srv")).toBe("untouched\n");

    // The walk-through of docs/production.md (a rebuilt or replaced instance): pin the key read on the console, then a plain up.
    const repinned = await pin(third);
    expect(repinned.code, repinned.all).toBe(0);
    const up = await stack.up();
    expect(up.code, up.all).toBe(0);
    expect(await hostExec(REBUILT, `cat ${DIR}/host.txt; ls ${DIR}`)).toBe(`${REBUILT}\nhost.txt\n`);
    const drift = await stack.drift();
    expect(drift.code, drift.all).toBe(0);
    const again = await stack.up();
    expect(again.code, again.all).toBe(0);
  });
});
