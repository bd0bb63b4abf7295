import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectionOf, hostExec, sandbox, summary, TestStack } from "./harness";

// Issue 21 (docs/go-provider.md): the Go provider plugin through the real CLI against sandbox
// hosts. Stage 1, Directory: create, no-op, drift and its repair, a refused host key, destroy.
// Stage 2, File: a secret file that never reaches state, output or a process list, a plain one
// read back with its verify and on-change commands, drift and its repair, the current pin, destroy.
const PROGRAM = path.join(__dirname, "programs/go-provider");
const HOST = "gp-dir";
const DIR = "/srv/gp dir";

describe("the Go provider plugin (hostform-ssh:host:Directory)", () => {
  const stack = new TestStack(PROGRAM);
  let h: sandbox.SandboxHost;

  beforeAll(async () => {
    [h] = await sandbox.up([{ name: HOST, flavor: "container" }]);
    await stack.init();
    stack.setConfig({ "test:connection": connectionOf(h) });
  });
  afterAll(async () => {
    await sandbox.down([HOST]);
    stack.remove();
  });

  const stat = () => hostExec(HOST, `stat -c '%a %U %G' '${DIR}'`);

  it("up creates the directory through the plugin; a second up and drift change nothing", async () => {
    const first = await stack.up();
    expect(first.code, first.all).toBe(0);
    expect(await stat()).toBe("750 root adm\n");

    const exported = await stack.pulumi("stack", "export");
    const resources = JSON.parse(exported.stdout).deployment.resources as { type: string; urn: string }[];
    expect(resources.map((r) => r.type).sort()).toEqual(["hostform-ssh:host:Directory", "pulumi:providers:hostform-ssh", "pulumi:pulumi:Stack"]);

    const again = await stack.pulumi("preview", "--expect-no-changes");
    expect(again.code, again.all).toBe(0);
    const second = await stack.up();
    expect(second.code, second.all).toBe(0);
    expect(summary(second.all)).toEqual({ unchanged: 2 });
    const drift = await stack.drift();
    expect(drift.code, drift.all).toBe(0);
  });

  it("a change on the host is drift, and the next up repairs it", async () => {
    await hostExec(HOST, `chmod 0777 '${DIR}' && chgrp root '${DIR}'`);
    const drift = await stack.drift();
    expect(drift.code, drift.all).toBe(7); // --expect-no-changes with changes proposed
    // The refreshed state on the left, the code on the right: only the keys the provider's diff names.
    expect(drift.all).toContain(`~ group: "root" => "adm"\n      ~ mode : "0777" => "0750"\n`);

    const repair = await stack.up();
    expect(repair.code, repair.all).toBe(0);
    expect(await stat()).toBe("750 root adm\n");
    const clean = await stack.drift();
    expect(clean.code, clean.all).toBe(0);

    // Removed by hand: drift says so, up creates it again.
    await hostExec(HOST, `rmdir '${DIR}'`);
    const gone = await stack.drift();
    expect(gone.code, gone.all).toBe(7);
    expect(gone.all).toContain(`~ mode: "(missing on the host)" => "0750"`);
    const again = await stack.up();
    expect(again.code, again.all).toBe(0);
    expect(await stat()).toBe("750 root adm\n");
  });

  it("a host presenting a key the stack does not pin is refused, and nothing is changed on it", async () => {
    const keys = mkdtempSync(path.join(tmpdir(), "gp-key-"));
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path.join(keys, "k")]);
    const otherKey = readFileSync(path.join(keys, "k.pub"), "utf8").trim();
    await hostExec(HOST, `chmod 0700 '${DIR}'`);
    stack.setConfig({ "test:connection": { ...connectionOf(h), hostKey: otherKey } });
    const refused = await stack.up();
    expect(refused.code).not.toBe(0);
    expect(refused.all).toMatch(/host key mismatch for \S+: the host presented SHA256:\S+ but the stack pins SHA256:\S+\. Nothing was changed on the host\./);
    expect(await stat()).toBe("700 root adm\n");

    stack.setConfig({ "test:connection": connectionOf(h) });
    const repair = await stack.up();
    expect(repair.code, repair.all).toBe(0);
    expect(await stat()).toBe("750 root adm\n");
  });

  it("a private key given as a secret is used, and stays out of the state file and the output", async () => {
    const key = readFileSync(h.privateKeyPath, "utf8");
    const { privateKeyPath: _path, ...withoutPath } = connectionOf(h);
    stack.setConfig({ "test:connection": withoutPath });
    const set = await stack.pulumiWithInput(key, "config", "set", "--secret", "test:privateKey");
    expect(set.code, set.all).toBe(0);
    await hostExec(HOST, `chmod 0700 '${DIR}'`);
    const r = await stack.up();
    expect(r.code, r.all).toBe(0);
    expect(await stat()).toBe("750 root adm\n");

    const exported = await stack.pulumi("stack", "export");
    const body = key.split("\n").filter((l) => l && !l.startsWith("-----")).slice(1, 3);
    expect(body.length).toBe(2);
    const dir = (JSON.parse(exported.stdout).deployment.resources as { type: string; inputs: Record<string, unknown>; outputs: Record<string, unknown> }[])
      .find((x) => x.type === "hostform-ssh:host:Directory")!;
    // The whole connection is a secret in state (ciphertext), inputs and outputs alike.
    expect(Object.keys(dir.outputs.connection as object)).toEqual(["4dabf18193072939515e22adb298388d", "ciphertext"]);
    expect(Object.keys(dir.inputs.connection as object)).toEqual(["4dabf18193072939515e22adb298388d", "ciphertext"]);
    for (const line of body) {
      expect(exported.stdout).not.toContain(line);
      expect(stack.output).not.toContain(line);
    }
    const drift = await stack.drift();
    expect(drift.code, drift.all).toBe(0);
  });

  it("destroy removes the directory and its manager record", async () => {
    const r = await stack.destroy();
    expect(r.code, r.all).toBe(0);
    expect(await hostExec(HOST, `if [ -e '${DIR}' ]; then echo present; else echo absent; fi; ls -A /var/lib/hostform/owners | wc -l`)).toBe("absent\n0\n");
  });
});

describe("the Go provider plugin (hostform-ssh:host:File)", () => {
  const FILE_PROGRAM = path.join(__dirname, "programs/go-provider-file");
  const FILE_HOST = "gp-file";
  const FILES = "/srv/gp file";
  const TOKEN = `gp-${Math.random().toString(36).slice(2)}-SECRET`;
  const stack = new TestStack(FILE_PROGRAM);
  let h: sandbox.SandboxHost;

  /** The stack's config (setConfig replaces it whole), the token set again as a secret. */
  async function configure(config: Record<string, unknown>): Promise<void> {
    stack.setConfig(config);
    const set = await stack.pulumi("config", "set", "--secret", "test:token", TOKEN);
    expect(set.code, set.all).toBe(0);
  }

  beforeAll(async () => {
    [h] = await sandbox.up([{ name: FILE_HOST, flavor: "container" }]);
    await stack.init();
    await configure({ "test:connection": connectionOf(h) });
  });
  afterAll(async () => {
    await sandbox.down([FILE_HOST]);
    stack.remove();
  });

  const files = () => hostExec(FILE_HOST, `cd '${FILES}' && stat -c '%a %U %G %n' secret.env plain.conf && cat secret.env plain.conf && wc -l < changed`);

  /** Up while the host's process list is read over and over: the secret must never show in it. */
  async function watchedUp(): Promise<{ code: number; all: string; seen: string[] }> {
    let watching = true;
    const seen: string[] = [];
    const watch = (async () => {
      while (watching) seen.push(await hostExec(FILE_HOST, "ps -eo args"));
    })();
    const r = await stack.up("--diff");
    watching = false;
    await watch;
    return { ...r, seen };
  }

  it("up writes a secret file that stays out of state, the output and the host's process list", async () => {
    const up = await watchedUp();
    expect(up.code, up.all).toBe(0);
    expect(await files()).toBe(`600 root root secret.env\n640 root root plain.conf\nAPI_TOKEN=${TOKEN}\nlisten 80\n1\n`);
    expect(up.seen.length).toBeGreaterThan(0);
    expect(up.seen.join("\n")).not.toContain("SECRET");

    const exported = await stack.pulumi("stack", "export");
    expect(exported.code, exported.all).toBe(0);
    expect(exported.stdout).not.toContain("SECRET");
    const secret = (JSON.parse(exported.stdout).deployment.resources as { urn: string; inputs: Record<string, unknown>; outputs: Record<string, unknown> }[])
      .find((r) => r.urn.endsWith("::secret"))!;
    // Inputs keep the content as ciphertext; outputs only its keyed hash, the key as ciphertext.
    expect(Object.keys(secret.inputs.content as object)).toEqual(["4dabf18193072939515e22adb298388d", "ciphertext"]);
    expect(secret.outputs).not.toHaveProperty("content");
    expect(secret.outputs.contentHmac).toMatch(/^[0-9a-f]{64}$/);
    expect(Object.keys(secret.outputs.hashKey as object)).toEqual(["4dabf18193072939515e22adb298388d", "ciphertext"]);
    expect(stack.output).not.toContain("SECRET");
    const grep = spawnSync("grep", ["-rlF", "SECRET", stack.backend], { encoding: "utf8" });
    expect(grep.status, grep.stdout).toBe(1); // 1: no match anywhere in the state backend
  });

  it("a second up changes nothing, and drift finds nothing", async () => {
    const second = await stack.up();
    expect(second.code, second.all).toBe(0);
    expect(summary(second.all)).toEqual({ unchanged: 3 });
    const drift = await stack.drift();
    expect(drift.code, drift.all).toBe(0);
  });

  it("content changed on the host is drift, said without the secret, and up repairs it", async () => {
    await hostExec(FILE_HOST, `cd '${FILES}' && echo 'API_TOKEN=tampered' > secret.env && echo 'workers 64' >> plain.conf`);
    const drift = await stack.drift();
    expect(drift.code, drift.all).toBe(7); // --expect-no-changes with changes proposed
    expect(drift.all).toContain("(secret content changed on the host)");
    expect(drift.all).toContain("- workers 64");
    expect(drift.all).not.toContain("SECRET");

    const repair = await watchedUp();
    expect(repair.code, repair.all).toBe(0);
    expect(repair.seen.join("\n")).not.toContain("SECRET");
    // The plain file's content changed, so its on-change command ran a second time.
    expect(await files()).toBe(`600 root root secret.env\n640 root root plain.conf\nAPI_TOKEN=${TOKEN}\nlisten 80\n2\n`);
    const clean = await stack.drift();
    expect(clean.code, clean.all).toBe(0);

    // A mode changed by hand is set again without rewriting: the on-change command does not run.
    await hostExec(FILE_HOST, `chmod 0644 '${FILES}/secret.env'`);
    const mode = await stack.up();
    expect(mode.code, mode.all).toBe(0);
    expect(await files()).toBe(`600 root root secret.env\n640 root root plain.conf\nAPI_TOKEN=${TOKEN}\nlisten 80\n2\n`);
    expect(stack.output).not.toContain("SECRET");
  });

  it("the key the stack's config pins now (hostform:hosts) beats a stale key in the resources' connection and state", async () => {
    const keys = mkdtempSync(path.join(tmpdir(), "gp-key-"));
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path.join(keys, "k")]);
    const stale = readFileSync(path.join(keys, "k.pub"), "utf8").trim();
    const c = connectionOf(h);
    const pinnedNow = { "hostform:hosts": [{ name: FILE_HOST, role: "none", address: c.host, port: c.port, hostKey: c.hostKey }] };
    await hostExec(FILE_HOST, `chmod 0644 '${FILES}/secret.env'`);
    await configure({ "test:connection": { ...c, hostKey: stale }, ...pinnedNow });
    const up = await stack.up();
    expect(up.code, up.all).toBe(0);
    expect(await files()).toBe(`600 root root secret.env\n640 root root plain.conf\nAPI_TOKEN=${TOKEN}\nlisten 80\n2\n`);

    // State now holds the stale key: without the current pin, the refresh is refused and nothing changes.
    await hostExec(FILE_HOST, `chmod 0644 '${FILES}/secret.env'`);
    await configure({ "test:connection": c });
    const refused = await stack.up();
    expect(refused.code).not.toBe(0);
    expect(refused.all).toMatch(/host key mismatch for \S+: the host presented SHA256:\S+ but the stack pins SHA256:\S+\. Nothing was changed on the host\./);
    expect(await hostExec(FILE_HOST, `stat -c %a '${FILES}/secret.env'`)).toBe("644\n");

    // With it, the refresh reads with the key pinned now and up writes the right key to state.
    await configure({ "test:connection": c, ...pinnedNow });
    const repaired = await stack.up();
    expect(repaired.code, repaired.all).toBe(0);
    expect(await hostExec(FILE_HOST, `stat -c %a '${FILES}/secret.env'`)).toBe("600\n");
    const drift = await stack.drift();
    expect(drift.code, drift.all).toBe(0);
    expect(stack.output).not.toContain("SECRET");
  });

  it("destroy removes both files and their manager records", async () => {
    const r = await stack.destroy();
    expect(r.code, r.all).toBe(0);
    expect(await hostExec(FILE_HOST, `cd '${FILES}' && ls -A && ls -A /var/lib/hostform/owners | wc -l`)).toBe("changed\n0\n");
  });
});
