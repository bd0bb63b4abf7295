import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, parseDocument } from "yaml";
import { hostExec, installImageExecutor, listeners, pm2Processes, processEnv, ROOT, run, sandbox, TestStack } from "./harness";

// Issue 15: the production walk-through of docs/production.md, step by step, with a sandbox host standing in
// for an empty VM: the stack file comes from Pulumi.prod.yaml, the key is pinned with `hosts pin`,
// `hosts check` reads the host, and the Flatlogic VM converges logged in as `deploy` through sudo,
// with the apps running as `ubuntu`, whose cloud-image sudo rights up revokes (review N1).
const HOST = "op-prod";
const SECRET = `jwt-${Math.random().toString(36).slice(2)}-SECRET`;
/** What cloud-init writes for the image's default user (Ubuntu cloud images). */
const CLOUD_INIT_SUDOERS = "# Created by cloud-init v. 24.1\n\n# User rules for ubuntu\nubuntu ALL=(ALL) NOPASSWD:ALL\n";

describe("production walk-through (docs/production.md) on a sandbox host", () => {
  const stack = new TestStack(ROOT);
  let h: sandbox.SandboxHost;
  let repo: sandbox.PublishedRepo;
  /** `ssh-keygen -lf` of each host key, on the host's console: "256 SHA256:… root@op-prod (ED25519)". */
  let consoleLines: string[];
  /** The deploy login's own key, generated for it: root's key opens no other account. */
  const keyDir = mkdtempSync(path.join(tmpdir(), "hostform-deploy-key-"));
  const deployKey = path.join(keyDir, "id_ed25519");
  /** Evidence from the host's journal: sshd's "Accepted publickey for USER" and sudo's "USER : … COMMAND=…bash -c". */
  const count = async (pattern: string) => Number((await hostExec(HOST, `journalctl --no-pager -o cat | grep -cE '${pattern}' || :`)).trim());
  const ubuntuSudo = async () => (await sandbox.exec(HOST, "runuser -u ubuntu -- sudo -n true")).code;
  const fingerprintOf = (type: string) => consoleLines.find((l) => l.endsWith(`(${type})`))!.split(" ")[1]!;
  const file = () => readFileSync(stack.configFile, "utf8");
  const hosts = (...args: string[]) =>
    run("npm", ["run", "--silent", "hosts", "--", ...args, "--stack", stack.name, "--config-file", stack.configFile], {
      env: { PULUMI_BACKEND_URL: `file://${stack.backend}`, PULUMI_CONFIG_PASSPHRASE: stack.passphrase },
    });
  const pin = (...args: string[]) => hosts("pin", h.address, "--host", "flatlogic-1", ...args);

  beforeAll(async () => {
    [h] = await sandbox.up([{ name: HOST, flavor: "systemd" }]);
    repo = sandbox.publishRepo(h, path.join(ROOT, "test/fixtures/flatlogic-app"), "/srv/git/app.git");
    // An empty VM as clouds hand them out: the image's `ubuntu` with passwordless sudo and the sudo
    // group (as cloud-init leaves it), a login user `deploy` with a key of its own (its sudo comes
    // in step 6), and host keys of every type.
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "deploy@hostform-test", "-f", deployKey]);
    const pub = readFileSync(`${deployKey}.pub`, "utf8").trim();
    await hostExec(HOST, [
      "useradd -m -s /bin/bash -G sudo ubuntu",
      `printf '${CLOUD_INIT_SUDOERS.replace(/\n/g, "\\n")}' > /etc/sudoers.d/90-cloud-init-users`,
      "chmod 0440 /etc/sudoers.d/90-cloud-init-users",
      "useradd -m -s /bin/bash deploy",
      "install -d -m 0700 -o deploy -g deploy /home/deploy/.ssh",
      `printf '%s\\n' '${pub}' > /home/deploy/.ssh/authorized_keys`,
      "chown deploy:deploy /home/deploy/.ssh/authorized_keys && chmod 0600 /home/deploy/.ssh/authorized_keys",
      // The sandbox's sshd serves only its ed25519 key; a cloud image serves all three.
      "ssh-keygen -A >/dev/null",
      "printf 'HostKey /etc/ssh/ssh_host_%s_key\\n' ecdsa rsa > /etc/ssh/sshd_config.d/op-more-host-keys.conf",
      "systemctl reload ssh",
    ].join(" && "));
    // sshd re-executes on reload: wait until it answers again.
    for (let i = 0; i < 50 && (await sandbox.exec(HOST, "true")).code !== 0; i++) await new Promise((r) => setTimeout(r, 200));
    consoleLines = (await hostExec(HOST, "for f in /etc/ssh/ssh_host_*_key.pub; do ssh-keygen -lf \"$f\"; done")).trim().split("\n");
    expect(consoleLines.map((l) => l.split(" ").pop())).toEqual(["(ECDSA)", "(ED25519)", "(RSA)"]);
    expect(await ubuntuSudo()).toBe(0);
    // The image's ~/executor: executor.js and the telemetry daemon (a stand-in of the same shape).
    await installImageExecutor(HOST);
    await stack.init();
  });
  afterAll(async () => {
    await sandbox.down([HOST]);
    stack.remove();
    rmSync(keyDir, { recursive: true, force: true });
  });

  it("steps 3-4: the template as it stands is refused with one error listing every placeholder", async () => {
    const salt = parse(file()).encryptionsalt as string;
    writeFileSync(stack.configFile, `encryptionsalt: ${salt}\n${readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8")}`);
    const r = await stack.preview();
    expect(r.code).not.toBe(0);
    expect(r.all).toContain("the stack file still has 6 template placeholders");
    for (const key of ["hosts[0].address", "hosts[0].hostKey", "hosts[1].address", "hosts[1].hostKey", "flatlogic.repo", "duel.repo"]) {
      expect(r.all).toContain(`hostform:${key}: <`);
    }

    // The operator keeps the one VM they have and fills in its settings; the key is left to step 5.
    const doc = parseDocument(file());
    doc.deleteIn(["config", "hostform:hosts", 1]);
    doc.deleteIn(["config", "hostform:duel"]);
    doc.setIn(["config", "hostform:hosts", 0, "privateKeyPath"], deployKey);
    doc.setIn(["config", "hostform:flatlogic", "repo"], repo.remote);
    // The sandbox cannot reach NodeSource (components/topologies/flatlogic/README.md: `node.source`);
    // the VM image's executor and telemetry daemon are the template's default (its stand-in is in ~/executor).
    doc.setIn(["config", "hostform:flatlogic", "node"], { source: "npm-registry" });
    writeFileSync(stack.configFile, doc.toString({ lineWidth: 0 }));
    const left = await stack.preview();
    expect(left.all).toContain("the stack file still has 2 template placeholders");
  });

  it("step 5: pin shows every key as the console does, and pins only what the operator confirmed", async () => {
    const before = file();
    const wrong = await pin("--yes", "--expect-fingerprint", `SHA256:${"A".repeat(43)}`);
    expect(wrong.code, wrong.all).toBe(2);
    expect(wrong.stderr).toContain(`none of the host's keys has the fingerprint SHA256:${"A".repeat(43)}`);
    const declined = await run("npm", ["run", "--silent", "hosts", "--", "pin", h.address, "--host", "flatlogic-1", "--stack", stack.name, "--config-file", stack.configFile], { input: "no\n" });
    expect(declined.code, declined.all).toBe(1);
    expect(declined.stdout).toContain(`Pin ED25519 ${fingerprintOf("ED25519")} for flatlogic-1 in ${stack.configFile}? Type the last 8 characters of the fingerprint`);
    expect(declined.stderr).toContain("not confirmed (the answer is not the last 8 characters of");
    expect(file()).toBe(before);

    const pinned = await pin("--yes", "--expect-fingerprint", fingerprintOf("ED25519"));
    expect(pinned.code, pinned.all).toBe(0);
    // The same lines as ssh-keygen -lf on the console, with the address where the console has the key's comment.
    const shown = pinned.stdout.split("\n").filter((l) => l.startsWith("  ")).map((l) => l.trim()).sort();
    expect(shown).toEqual(consoleLines.map((l) => l.replace(` root@${HOST} `, ` ${h.address} `)).sort());
    const host = parse(file()).config["hostform:hosts"][0];
    expect(host).toMatchObject({ name: "flatlogic-1", address: h.address, port: 22, user: "deploy", hostKey: h.hostPublicKey });
    expect(file()).toContain("# Production stack: a complete template.");

    expect((await pin("--yes", "--expect-fingerprint", fingerprintOf("ED25519"))).stdout).toContain("already pins");
    // Another key than the pinned one (as after a rebuild) is refused unless the operator says --replace.
    const changed = await pin("--yes", "--expect-fingerprint", fingerprintOf("ECDSA"));
    expect(changed.code).toBe(2);
    expect(changed.stderr).toContain(`already pins another key for flatlogic-1 (${fingerprintOf("ED25519")}); the host now presents ${fingerprintOf("ECDSA")}`);
    // --replace, here with the RSA key, which the pool checks over SHA-2 (OpenSSH 8.8+ refuses ssh-rsa, SHA-1).
    expect((await pin("--yes", "--expect-fingerprint", fingerprintOf("RSA"), "--replace")).code).toBe(0);
    expect(parse(file()).config["hostform:hosts"][0].hostKey).toMatch(/^ssh-rsa /);
    expect((await hosts("check")).stdout).toMatch(/^flatlogic-1 +flatlogic +\S+ +ok +pinned /m);
    expect((await pin("--yes", "--expect-fingerprint", fingerprintOf("ED25519"), "--replace")).code).toBe(0);
    expect(parse(file()).config["hostform:hosts"][0].hostKey).toBe(h.hostPublicKey);
  });

  it("steps 6-7: secrets set, check finds sudo wanting a password, its fix makes the host ready; the app user's sudo is reported", async () => {
    const set = await stack.pulumi("config", "set", "--secret", "--path", "hostform:flatlogicBackendEnv.JWT_SECRET", SECRET);
    expect(set.code, set.all).toBe(0);
    const first = await hosts("check");
    expect(first.code, first.all).toBe(1);
    expect(first.stdout).toMatch(new RegExp(`^flatlogic-1 +flatlogic +deploy@${h.address}:22 +ok +pinned +needs password +- +- +- +NOT READY$`, "m"));
    const fix = /As root on the host: (.*)$/m.exec(first.stdout)![1]!;
    await hostExec(HOST, fix);
    const second = await hosts("check");
    expect(second.code, second.all).toBe(0);
    expect(second.stdout).toMatch(new RegExp(`^flatlogic-1 +flatlogic +deploy@${h.address}:22 +ok +pinned +ok +systemd +debian 12 +x86_64 +ready$`, "m"));
    expect(second.stdout).toContain("1 of 1 hosts ready for up");
    // The template revokes the app user's privileges: check names them, and up will remove them.
    expect(second.stdout).toContain("- warning: flatlogic-1: the app user ubuntu of role flatlogic is privileged; up revokes it (hostform:appUserPrivileges.flatlogic: revoke):\n" +
      "    member of group sudo\n");
    expect(second.stdout).toContain("    /etc/sudoers.d/90-cloud-init-users:4: ubuntu ALL=(ALL) NOPASSWD:ALL\n");

    // Without the setting, a privileged app user is refused, saying why and what to do.
    const template = file();
    const doc = parseDocument(template);
    doc.deleteIn(["config", "hostform:appUserPrivileges"]);
    writeFileSync(stack.configFile, doc.toString({ lineWidth: 0 }));
    // N14: sudo recording session input would keep the secrets sent on stdin.
    await hostExec(HOST, "printf 'Defaults log_input\\n' > /etc/sudoers.d/op-io && chmod 0440 /etc/sudoers.d/op-io");
    const refused = await hosts("check");
    await hostExec(HOST, "rm /etc/sudoers.d/op-io");
    writeFileSync(stack.configFile, template);
    expect(refused.code, refused.all).toBe(1);
    expect(refused.stdout).toMatch(/^flatlogic-1 .* NOT READY$/m);
    expect(refused.stdout).toContain("- flatlogic-1: the app user ubuntu of role flatlogic is root-equivalent, which hostform refuses (an app compromise would own the host):\n" +
      "    member of group sudo\n");
    expect(refused.stdout).toContain("    /etc/sudoers.d/90-cloud-init-users:4: ubuntu ALL=(ALL) NOPASSWD:ALL\n" +
      "  Fix: set hostform:appUserPrivileges.flatlogic: revoke (up removes these and keeps the login's sudo)");
    expect(refused.stdout).toContain("- warning: flatlogic-1: sudo records session input or output (/etc/sudoers.d/op-io:1: Defaults log_input)");
    expect(first.all + second.all + refused.all).not.toContain("SECRET");
  });

  it("without hostform:appUserPrivileges, up stops at the privileged app user, before any app, saying why", async () => {
    const template = file();
    const doc = parseDocument(template);
    doc.deleteIn(["config", "hostform:appUserPrivileges"]);
    writeFileSync(stack.configFile, doc.toString({ lineWidth: 0 }));
    const up = await stack.up();
    writeFileSync(stack.configFile, template);
    expect(up.code, up.all).not.toBe(0);
    expect(up.all).toContain("hostform: on flatlogic-1, the app user ubuntu (role flatlogic) is root-equivalent, which hostform refuses");
    expect(up.all).toContain("  member of group sudo\n");
    // The provider's masking takes "PASSWD:…" for a credential ("NOPASSWD:[redacted]"): the line is still named.
    expect(up.all).toContain("  /etc/sudoers.d/90-cloud-init-users:4: ubuntu ALL=(ALL) NOPASSWD:");
    expect(up.all).toContain("Fix: set hostform:appUserPrivileges.flatlogic: revoke");
    // Nothing was revoked, and nothing of the apps was started or written.
    expect(await ubuntuSudo()).toBe(0);
    expect((await sandbox.exec(HOST, "pgrep -u ubuntu >/dev/null || test -e /home/ubuntu/executor/backend.env")).code).toBe(1);
    expect(stack.output).not.toContain("SECRET");
  });

  it("a Cloudflare record without Cloudflare's plugin is refused before any host is changed, naming the key and the fix", async () => {
    const template = file();
    const doc = parseDocument(template);
    doc.setIn(["config", "hostform:flatlogic", "cloudflare"], { zoneId: "zone-e2e", recordName: "tbp" });
    writeFileSync(stack.configFile, doc.toString({ lineWidth: 0 }));
    // What up would change first: hostform's own files, the app user's tree, sudoers.
    const tree = () => hostExec(HOST, "find /etc/hostform /home/ubuntu /etc/sudoers.d -printf '%p %m %u %s %T@\\n' 2>/dev/null | sort | sha256sum");
    const before = await tree();
    const up = await stack.up();
    writeFileSync(stack.configFile, template);
    expect(up.code, up.all).not.toBe(0);
    expect(up.all).toMatch(/hostform:flatlogic\.cloudflare needs Pulumi's cloudflare resource plugin v[0-9.]+, which is not installed, so no host was changed: run npm run setup/);
    // The project refreshes before up (Pulumi.yaml), which only reads; no resource is created, updated or deleted.
    expect(up.all).not.toMatch(/ (creating|updating|deleting|replacing|created|updated|deleted|replaced) \(/);
    expect(await tree()).toBe(before);
  });

  it("steps 8-9: up converges the host logged in as deploy through sudo, revokes ubuntu's sudo; drift finds nothing", async () => {
    const [logins, sudos] = [await count("Accepted publickey for deploy "), await count("deploy : .*USER=root ; COMMAND=[^ ]*bash -c")];
    const up = await stack.up();
    expect(up.code, up.all).toBe(0);
    // F9: up logged in as deploy (its own key; ubuntu has none) and ran its scripts through sudo.
    expect(await count("Accepted publickey for deploy ")).toBeGreaterThan(logins);
    expect(await count("deploy : .*USER=root ; COMMAND=[^ ]*bash -c")).toBeGreaterThan(sudos);
    expect(await count("Accepted publickey for ubuntu ")).toBe(0);
    expect((await sandbox.exec(HOST, "test -e /home/ubuntu/.ssh/authorized_keys")).code).toBe(1);
    // The app user holds no privilege any more; the login keeps its sudo.
    expect(await ubuntuSudo()).toBe(1);
    expect((await hostExec(HOST, "id -nG ubuntu")).split(" ").map((g) => g.trim())).not.toContain("sudo");
    expect(await hostExec(HOST, "cat /etc/sudoers.d/90-cloud-init-users")).toBe(CLOUD_INIT_SUDOERS.replace(
      "ubuntu ALL=(ALL) NOPASSWD:ALL", "# revoked by hostform (the app user holds no privileges): ubuntu ALL=(ALL) NOPASSWD:ALL"));
    expect(await hostExec(HOST, "stat -c '%a %U' /etc/sudoers.d/90-cloud-init-users && runuser -u deploy -- sudo -n true && echo deploy-sudo")).toBe("440 root\ndeploy-sudo\n");
    expect(await hostExec(HOST, "pgrep -u ubuntu -f PM2 >/dev/null && echo pm2-as-ubuntu")).toBe("pm2-as-ubuntu\n");
    const page = await fetch(`http://${h.address}/`, { signal: AbortSignal.timeout(5000) });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("flatlogic frontend");
    expect(await hostExec(HOST, "stat -c '%a %U' /home/ubuntu/executor/backend.env")).toBe("600 ubuntu\n");
    // fl-telemetry and fl-executor run from the image's ~/executor (executorFrom: image, the default):
    // the daemon holds 4317 and 4318 on its own, and the executor's pulls keep releasesKeep (2) releases.
    const pm2 = await pm2Processes(HOST);
    expect([pm2["fl-telemetry"], pm2["fl-executor"]]).toMatchObject([
      { status: "online", exec: "/home/ubuntu/executor/telemetry.js" }, { status: "online", exec: "/home/ubuntu/executor/executor.js" }]);
    expect(await listeners(HOST, [4317, 4318])).toEqual({ 4317: [pm2["fl-telemetry"]!.pid], 4318: [pm2["fl-telemetry"]!.pid] });
    expect(await processEnv(HOST, pm2["fl-executor"]!.pid, "FRONTEND_RELEASES_KEEP")).toBe("2");
    const drift = await stack.drift();
    expect(drift.code, drift.all).toBe(0);
    expect(stack.output).not.toContain("SECRET");
  });

  it("the app user regaining a privilege is drift, and up takes it away again", async () => {
    // Someone (or a package) hands the app user root again: a group and a drop-in of its own.
    await hostExec(HOST, "usermod -aG sudo ubuntu && printf 'ubuntu ALL=(ALL) NOPASSWD:ALL\\n' > /etc/sudoers.d/91-regained && chmod 0440 /etc/sudoers.d/91-regained");
    expect(await ubuntuSudo()).toBe(0);
    const drift = await stack.drift();
    expect(drift.code, drift.all).not.toBe(0);
    expect(drift.all).toContain("flatlogic-1-vm-app-user-privileges");
    const up = await stack.up();
    expect(up.code, up.all).toBe(0);
    expect(await ubuntuSudo()).toBe(1);
    expect((await hostExec(HOST, "id -nG ubuntu")).trim().split(" ")).not.toContain("sudo");
    expect(await hostExec(HOST, "cat /etc/sudoers.d/91-regained")).toBe("# revoked by hostform (the app user holds no privileges): ubuntu ALL=(ALL) NOPASSWD:ALL\n");
    expect((await stack.drift()).code).toBe(0);
  });
});
