import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HostConfig, StackConfig } from "../../infra/config";
import { planHost } from "../../scripts/doctor/plan";
import { examine } from "../../scripts/doctor/run";
import { formatText } from "../../scripts/drift-report";
import type { Report } from "../../scripts/preview-model";
import { closeAll } from "../../components/host/ssh";
import { connectionOf, hostExec, ROOT, run, sandbox, TestStack } from "./harness";

// Issue 25, "sudo refused": a host whose login is not root and whose sudo wants a password is a
// fact of the host, like an unreachable one: drift names it once with the fix and reads the other
// host, up converges the other and fails naming it, and once sudo is granted both converge.
const PROGRAM = path.join(__dirname, "programs/reach");
const A = "sr-a";
const B = "sr-b";
const DIR = "/srv/hostform-reach";
const FILES = [0, 1, 2, 3, 4];
const TSX = path.join(ROOT, "node_modules/.bin/tsx");
const GRANT = "printf 'deploy ALL=(ALL) NOPASSWD:ALL\\n' > /etc/sudoers.d/hostform && chmod 0440 /etc/sudoers.d/hostform";
const SAID = "sudo: a password is required";
const FIX = "as root on the host, echo 'deploy ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/hostform && chmod 0440 /etc/sudoers.d/hostform, or log in as root";

describe("a host whose sudo refuses the login, beside a good one", () => {
  const stack = new TestStack(PROGRAM);
  const keyDir = mkdtempSync(path.join(tmpdir(), "hostform-sudo-key-"));
  const deployKey = path.join(keyDir, "id_ed25519");
  let hosts: Record<string, sandbox.SandboxHost>;
  const at = (name: string) => `${name === B ? "deploy" : "root"}@${hosts[name].address}:${hosts[name].port}`;
  const files = (name: string) => hostExec(name, `cat ${FILES.map((n) => `${DIR}/${n}.txt`).join(" ")}`);
  const connection = (name: string) => ({ ...connectionOf(hosts[name]), name, ...(name === B ? { user: "deploy", privateKeyPath: deployKey } : {}) });

  async function command(script: "drift" | "up", ...extra: string[]) {
    const r = await run(TSX, [path.join(ROOT, `scripts/${script}.ts`), "--stack", stack.name, "--config-file", stack.configFile, ...extra], {
      cwd: PROGRAM,
      env: { PULUMI_BACKEND_URL: `file://${stack.backend}`, PULUMI_CONFIG_PASSPHRASE: stack.passphrase },
    });
    stack.output += r.all;
    return r;
  }
  const configure = (content: string) => stack.setConfig({ "test:content": content, "test:hosts": [A, B].map((name) => ({ name, connection: connection(name) })) });

  beforeAll(async () => {
    const started = await sandbox.up([{ name: A, flavor: "container" }, { name: B, flavor: "container" }]);
    hosts = Object.fromEntries(started.map((h) => [h.name, h]));
    // sr-b: a login `deploy` with a key of its own, in group sudo (Debian's %sudo rule asks for a
    // password), and for now a NOPASSWD rule of its own.
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "deploy@hostform-test", "-f", deployKey]);
    const pub = readFileSync(`${deployKey}.pub`, "utf8").trim();
    await hostExec(B, [
      "useradd -m -s /bin/bash -G sudo deploy",
      "install -d -m 0700 -o deploy -g deploy /home/deploy/.ssh",
      `printf '%s\\n' '${pub}' > /home/deploy/.ssh/authorized_keys`,
      "chown deploy:deploy /home/deploy/.ssh/authorized_keys && chmod 0600 /home/deploy/.ssh/authorized_keys",
      GRANT,
    ].join(" && "));
    await stack.init();
    configure("one\n");
    const up = await command("up", "--non-interactive");
    expect(up.code, up.all).toBe(0);
    expect(await files(B)).toBe("one\n".repeat(FILES.length));
  });
  afterAll(async () => {
    await closeAll();
    await sandbox.down([A, B]);
    stack.remove();
    rmSync(keyDir, { recursive: true, force: true });
  });

  it("drift reads the good host and names the refusing one once, with what sudo said and the fix (exit 3)", async () => {
    await hostExec(B, "rm /etc/sudoers.d/hostform");
    expect((await sandbox.exec(B, "runuser -u deploy -- sudo -n true")).code).toBe(1);
    await hostExec(A, `echo changed > ${DIR}/0.txt`);
    const d = await command("drift", "--format", "json");
    expect(d.code, d.all).toBe(3);
    const report = JSON.parse(d.stdout) as Report;
    expect(report.errors).toEqual([]);
    expect(report.unreachable).toEqual([{ name: B, address: at(B), reason: "sudo", detail: SAID }]);
    expect(report.changes.map((c) => `${c.host} ${c.name} ${c.op} ${(c.corrective ?? []).map((p) => p.key).join(",")}`))
      .toEqual([`${hosts[A].address} ${A}-file-0 update content`]);
    const text = formatText(report);
    expect(text).toContain(`hostform: 1 host could not be checked, so its drift is unknown (exit 3):\n  ${B} (${at(B)}): sudo refused for deploy (${SAID}): ${FIX}`);
    expect(text.split(`${B} (`).length - 1).toBe(1);
    expect(d.all).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  });

  it("up converges the good host, then fails naming the refusing one with the fix, one line per resource, without stack traces", async () => {
    configure("two\n");
    const u = await command("up", "--non-interactive");
    expect(u.code, u.all).toBe(3);
    expect(u.stderr).toContain([
      "hostform: up could not act on 1 host; the other hosts were converged (see above for anything else that failed):",
      `  ${B} (${at(B)}): sudo refused for deploy (${SAID}): ${FIX}`,
      `Nothing was changed on it. Once sudo lets the login run commands, \`npm run up -- --stack ${stack.name}\` converges it.`,
    ].join("\n"));
    expect(u.all).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
    const failed = [...u.all.matchAll(/error: (.*)$/gm)].map((m) => m[1]).filter((l) => !/update failed|one or more errors/i.test(l));
    expect(failed.length).toBeGreaterThan(0);
    for (const line of failed) expect(line).toBe(`host ${B} (${at(B)}): sudo refused for deploy in this run (${SAID}): skipped`);
    expect(await files(A)).toBe("two\n".repeat(FILES.length));
    expect(await files(B)).toBe("one\n".repeat(FILES.length));
  });

  it("the doctor fails the refusing host's ssh check with the sudo fix, and checks the good one", async () => {
    const configs: HostConfig[] = [A, B].map((name) => ({
      name, flavor: hosts[name].flavor, role: "none", connection: connection(name), appUserPrivileges: "refuse",
    }));
    const stackConfig = { hosts: configs, roles: {} } as unknown as StackConfig;
    const [a, b] = await Promise.all(configs.map((h) => examine(h, planHost(h, stackConfig, stack.name), [], () => undefined)));
    expect(a.checks.map((k) => k.check)).not.toContain("ssh");
    expect(b.checks.map((k) => `${k.check} ${k.status}`)).toEqual(["ssh fail"]);
    expect(b.checks[0].evidence).toEqual([expect.stringMatching(new RegExp(`^host ${B} \\(deploy@${hosts[B].address}:${hosts[B].port}\\): sudo refused to run hostform's scripts as root for deploy \\(${SAID}\\)`))]);
    expect(b.checks[0].remedy?.run[0]).toBe(`ssh -i ${deployKey} -p ${hosts[B].port} deploy@${hosts[B].address} sudo -n true   # does sudo run without a password?`);
  });

  it("once deploy has a NOPASSWD rule, up converges the host and drift is clean", async () => {
    await hostExec(B, GRANT);
    const u = await command("up", "--non-interactive");
    expect(u.code, u.all).toBe(0);
    expect(await files(B)).toBe("two\n".repeat(FILES.length));
    const d = await command("drift");
    expect(d.code, d.all).toBe(0);
    expect(d.stdout).toContain("hostform: no drift: every host matches the code");
  });
});
