import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { planHost } from "../../scripts/doctor/plan";
import { examine } from "../../scripts/doctor/run";
import { formatText } from "../../scripts/drift-report";
import type { HostConfig, StackConfig } from "../../infra/config";
import type { Report } from "../../scripts/preview-model";
import { renderMarkdown } from "../../scripts/preview-render";
import { netnsName } from "../../scripts/sandbox/naming";
import { closeAll } from "../../components/host/ssh";
import { connectionOf, hostExec, ROOT, run, sandbox, TestStack } from "./harness";

// Issue 25: one bad host never blinds the fleet. Three hosts; one has its SSH port black-holed
// (packets dropped in its network namespace, as a dead VM or a firewall does), later another
// refuses (sshd stopped). `npm run drift` and `npm run up` (scripts/drift.ts, scripts/up.ts) go on
// with the others and name the bad one.
const PROGRAM = path.join(__dirname, "programs/reach");
const A = "bh-a";
const B = "bh-b";
const C = "bh-c";
const DIR = "/srv/hostform-reach";
const FILES = [0, 1, 2, 3, 4];
const TSX = path.join(ROOT, "node_modules/.bin/tsx");

const dropSsh = (name: string, on: boolean) =>
  execFileSync("ip", ["netns", "exec", netnsName(name), "iptables", on ? "-I" : "-D", "INPUT", "-p", "tcp", "--dport", "22", "-j", "DROP"]);

describe("an unreachable host among reachable ones", () => {
  const stack = new TestStack(PROGRAM);
  let hosts: Record<string, sandbox.SandboxHost>;
  let dropped = false;
  const at = (name: string) => `root@${hosts[name].address}:${hosts[name].port}`;
  const files = (name: string) => hostExec(name, `cat ${FILES.map((n) => `${DIR}/${n}.txt`).join(" ")}`);

  /** npm run drift / npm run up on this stack, timed by the wall clock. */
  async function command(script: "drift" | "up", ...extra: string[]) {
    const started = Date.now();
    const r = await run(TSX, [path.join(ROOT, `scripts/${script}.ts`), "--stack", stack.name, "--config-file", stack.configFile, ...extra], {
      cwd: PROGRAM,
      env: { PULUMI_BACKEND_URL: `file://${stack.backend}`, PULUMI_CONFIG_PASSPHRASE: stack.passphrase },
    });
    stack.output += r.all;
    return { ...r, seconds: (Date.now() - started) / 1000 };
  }
  const configure = (content: string) => stack.setConfig({
    "test:content": content,
    "test:hosts": [A, B, C].map((name) => ({ name, connection: { ...connectionOf(hosts[name]), name } })),
  });

  beforeAll(async () => {
    const started = await sandbox.up([{ name: A, flavor: "container" }, { name: B, flavor: "container" }, { name: C, flavor: "systemd" }]);
    hosts = Object.fromEntries(started.map((h) => [h.name, h]));
    await stack.init();
    configure("one\n");
    const up = await command("up", "--non-interactive");
    expect(up.code, up.all).toBe(0);
  });
  afterAll(async () => {
    await closeAll();
    if (dropped) dropSsh(B, false);
    await sandbox.down([A, B, C]);
    stack.remove();
  });

  it("drift reads and reports the other hosts and names the black-holed one (its seconds logged; no wall-clock assert: the guide keeps timing out of npm test, the bench measures it)", async () => {
    await hostExec(A, `echo changed > ${DIR}/0.txt`);
    dropSsh(B, true);
    dropped = true;
    const d = await command("drift", "--format", "json");
    console.log(`drift with ${B} black-holed: ${d.seconds.toFixed(1)} s`);
    expect(d.code, d.all).toBe(3);
    const report = JSON.parse(d.stdout) as Report;
    expect(report.errors).toEqual([]);
    expect(report.unreachable).toEqual([{ name: B, address: at(B), reason: "timeout", detail: expect.stringMatching(/timed out/i) }]);
    // bh-a's hand edit is reported; bh-c was read and is clean.
    expect(report.changes.map((c) => `${c.host} ${c.name} ${c.op} ${(c.corrective ?? []).map((p) => p.key).join(",")}`))
      .toEqual([`${hosts[A].address} ${A}-file-0 update content`]);
    expect(formatText(report)).toContain(`hostform: 1 host could not be reached, so its drift is unknown (exit 3):\n  ${B} (${at(B)}): no SSH answer (timed out)`);
    expect(renderMarkdown(report, "drift")).toContain(`| \`${B} (${at(B)})\` | no SSH answer (timed out) |`);
  });

  it("up converges the reachable hosts, then fails naming the unreachable one, once, without stack traces", async () => {
    configure("two\n");
    const u = await command("up", "--non-interactive");
    console.log(`up with ${B} black-holed: ${u.seconds.toFixed(1)} s`);
    expect(u.code, u.all).toBe(3);
    expect(u.stderr).toContain(`hostform: up could not reach 1 host; the other hosts were converged (see above for anything else that failed):\n  ${B} (${at(B)}): no SSH answer (timed out)\n`);
    expect(u.all).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
    // Only bh-b's resources failed: each says so in one line naming the host.
    const failed = [...u.all.matchAll(/error: (.*)$/gm)].map((m) => m[1]).filter((l) => !/update failed|one or more errors/i.test(l));
    expect(failed.length).toBeGreaterThan(0);
    for (const line of failed) expect(line).toContain(`host ${B} (${at(B)}) is unreachable`);
    expect(await files(A)).toBe("two\n".repeat(FILES.length));
    expect(await files(C)).toBe("two\n".repeat(FILES.length));
  });

  it("once the port answers again, up converges that host and drift is clean", async () => {
    dropSsh(B, false);
    dropped = false;
    const u = await command("up", "--non-interactive");
    expect(u.code, u.all).toBe(0);
    expect(await files(B)).toBe("two\n".repeat(FILES.length));
    const d = await command("drift");
    expect(d.code, d.all).toBe(0);
    expect(d.stdout).toContain("hostform: no drift: every host matches the code");
  });

  it("a host whose sshd is stopped is reported as refusing, with its own message, and the others are read", async () => {
    await hostExec(C, "systemctl stop ssh");
    await hostExec(A, `echo changed > ${DIR}/1.txt`);
    const d = await command("drift");
    console.log(`drift with ${C} refusing: ${d.seconds.toFixed(1)} s`);
    expect(d.code, d.all).toBe(3);
    expect(d.stdout).toContain(`hostform: drift on 1 host (npm run up -- --stack <stack> repairs it):\n  ${hosts[A].address}\n    ${DIR}/1.txt: update (content)\n`);
    expect(d.stdout).toContain(`hostform: 1 host could not be reached, so its drift is unknown (exit 3):\n  ${C} (${at(C)}): connection refused (sshd not listening)`);
  });

  it("the doctor fails the refusing host's ssh check with the first steps for its address, port and key, and checks the others", async () => {
    const configs: HostConfig[] = [A, B, C].map((name) => ({
      name, flavor: hosts[name].flavor, role: "none", connection: connectionOf(hosts[name]), appUserPrivileges: "refuse",
    }));
    const stackConfig = { hosts: configs, roles: {} } as unknown as StackConfig;
    const reports = await Promise.all(configs.map((h) => examine(h, planHost(h, stackConfig, stack.name), [], () => undefined)));
    const [a, b, c] = reports;
    for (const r of [a, b]) {
      const names = r.checks.map((k) => k.check);
      expect(names, JSON.stringify(r.checks)).toContain("memory");
      expect(names).toContain("disk /");
      expect(names).not.toContain("ssh");
    }
    expect(c.checks.map((k) => `${k.check} ${k.status}`)).toEqual(["ssh fail"]);
    const { address, port, privateKeyPath } = hosts[C];
    expect(c.checks[0].evidence).toEqual([expect.stringMatching(new RegExp(`^host ${C} \\(root@${address}:${port}\\) refused the SSH connection`))]);
    expect(c.checks[0].remedy?.say).toBe(`${address} answers but refuses port ${port}: sshd is not running there (start it from the provider's console), or the stack names the wrong port.`);
    expect(c.checks[0].remedy?.run.slice(0, 3)).toEqual([
      `nc -vz -w 5 ${address} ${port}   # does the port answer?`,
      `ssh-keyscan -p ${port} ${address}   # the key it presents: compare with the stack's pinned hostKey`,
      `ssh -i ${privateKeyPath} -p ${port} root@${address} true   # does the login key work?`,
    ]);
  });
});
