/**
 * The app user without privileges (review N1): the scripts pinned as exact text (golden files in
 * test/fixtures/privileges, reviewed by hand), and the reading run with the local bash against
 * stand-ins for `id` and `sudo`.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import {
  type AppUserPolicy, hostsCheckRead, parseHostsCheckRead, privilegesCheck, privilegesRead, privilegesRefuse, privilegesRevoke,
} from "../../components/blocks/base/privileges";

const golden = (name: string) => readFileSync(path.join(__dirname, "../fixtures/privileges", name), "utf8");
const policy: AppUserPolicy = { host: "flatlogic-1", role: "flatlogic", login: "deploy", policy: "revoke" };

describe("privilege scripts, exact text", () => {
  it("check, refuse, revoke and hosts check's read", () => {
    expect(privilegesCheck("ubuntu")).toBe(golden("check.sh"));
    expect(privilegesRefuse("ubuntu", { ...policy, policy: "refuse" })).toBe(golden("refuse.sh"));
    expect(privilegesRevoke("ubuntu", policy)).toBe(golden("revoke.sh"));
    expect(hostsCheckRead("ubuntu")).toBe(golden("hosts-check.sh"));
  });

  it("quotes the user, the host and the login through the one helper", () => {
    expect(privilegesRead("x; whoami")).toContain("\nu='x; whoami'\n");
    const revoke = privilegesRevoke("ubuntu", { ...policy, host: "a b", login: "it's" });
    expect(revoke).toContain("\nlogin='it'\\''s'\nhost='a b'\n");
    expect(() => privilegesRead("a\nb")).toThrow(/newline/);
  });

  it("revoke refuses to touch the login user, validates each sudoers file before the move, and checks the login's sudo before and after", () => {
    const s = privilegesRevoke("ubuntu", policy);
    const at = (text: string) => { const i = s.indexOf(text); expect(i, text).toBeGreaterThan(-1); return i; };
    expect(at('[ "$u" != "$login" ] || fail')).toBeLessThan(at("gpasswd -d"));
    expect(at("login_ok || fail")).toBeLessThan(at("gpasswd -d"));
    expect(at('visudo -cqf "$tmp"')).toBeLessThan(at('mv "$tmp" "$f"'));
    expect(at('mv "$tmp" "$f"')).toBeLessThan(at("if ! login_ok; then"));
  });
});

/** Runs the reading with `id` and `sudo` replaced by shell functions (functions win over commands). */
function read(user: string, stubs: string): { status: number | null; stdout: string } {
  const r = spawnSync("bash", ["-c", `set -euo pipefail\n${stubs}\n${privilegesRead(user)}hf_privileges "$u"`], { encoding: "utf8" });
  return { status: r.status, stdout: r.stdout };
}

const idStub = (uid: number, groups: string) => `id() {
  case "$1" in -u) [ "$2" = ghost ] && return 1; echo ${uid} ;; -nG) echo "${groups}" ;; *) return 2 ;; esac
}`;
const SUDO_ALLOWED = `sudo() { printf '%s\\n' 'Matching Defaults entries for ubuntu on vm:' '    env_reset, use_pty' '' 'User ubuntu may run the following commands on vm:' '    (ALL : ALL) ALL' '    (ALL) NOPASSWD: ALL'; }`;
const SUDO_NONE = `sudo() { echo "User ubuntu is not allowed to run sudo on vm."; return 1; }`;

describe("reading the app user's privileges", () => {
  it("nothing for an unprivileged user, or one that does not exist yet", () => {
    expect(read("ubuntu", `${idStub(1000, "ubuntu users")}\n${SUDO_NONE}`)).toEqual({ status: 0, stdout: "" });
    expect(read("ghost", `${idStub(1000, "")}\n${SUDO_ALLOWED}`)).toEqual({ status: 0, stdout: "" });
  });

  it("names uid 0, each privileged group and each sudo rule", () => {
    expect(read("ubuntu", `${idStub(1000, "ubuntu adm sudo lxd docker")}\n${SUDO_ALLOWED}`).stdout).toBe(
      "member of group sudo\nmember of group lxd\nmember of group docker\nsudo -l -U: (ALL : ALL) ALL\nsudo -l -U: (ALL) NOPASSWD: ALL\n",
    );
    expect(read("root", `${idStub(0, "root")}\n${SUDO_NONE}`).stdout).toBe("uid 0 (root)\n");
    expect(read("ubuntu", `${idStub(1000, "ubuntu disk wheel admin adm")}\n${SUDO_NONE}`).stdout).toBe(
      "member of group disk\nmember of group wheel\nmember of group admin\n",
    );
  });

  it("a sudo that fails otherwise counts as privileged (fails closed)", () => {
    const r = read("ubuntu", `${idStub(1000, "ubuntu")}\nsudo() { echo "sudo: unable to read /etc/sudoers"; return 1; }`);
    expect(r.stdout).toBe("sudo -l -U ubuntu failed: sudo: unable to read /etc/sudoers\n");
  });
});

describe("hosts check's read, parsed", () => {
  it("splits the privileges from the sudo I/O logging lines", () => {
    expect(parseHostsCheckRead("member of group sudo\n--- sudo io\n/etc/sudoers.d/io:1: Defaults log_input\n")).toEqual({
      privileges: ["member of group sudo"], sudoIoLog: ["/etc/sudoers.d/io:1: Defaults log_input"],
    });
    expect(parseHostsCheckRead("--- sudo io\n")).toEqual({ privileges: [], sudoIoLog: [] });
  });

  it("without an app user, reads only sudo's logging", () => {
    expect(hostsCheckRead(undefined)).toBe(golden("hosts-check.sh").slice(golden("hosts-check.sh").indexOf("echo '--- sudo io'")));
  });
});

describe("refuse, run with the local bash", () => {
  const run = (stubs: string) => spawnSync("bash", ["-c", `set -euo pipefail\n${stubs}\n${privilegesRefuse("ubuntu", { ...policy, policy: "refuse" })}`], { encoding: "utf8" });

  it("fails naming the host, the user, what grants it and the fix", () => {
    const r = run(`${idStub(1000, "ubuntu sudo")}\n${SUDO_ALLOWED}`);
    expect([r.status, r.stdout]).toEqual([1, ""]);
    expect(r.stderr).toBe([
      "hostform: on flatlogic-1, the app user ubuntu (role flatlogic) is root-equivalent, which hostform refuses: an app compromise would own the host.",
      "  member of group sudo",
      "  sudo -l -U: (ALL : ALL) ALL",
      "  sudo -l -U: (ALL) NOPASSWD: ALL",
      "Fix: set hostform:appUserPrivileges.flatlogic: revoke (up removes these, keeping deploy's sudo), or as root on the host: gpasswd -d ubuntu GROUP for each group; " +
        "comment out the user's line in each sudoers file named (visudo -f FILE); or accept the risk explicitly with hostform:appUserPrivileges.flatlogic: accept (docs/security.md).",
      "",
    ].join("\n"));
  });

  it("an unprivileged user passes, silently", () => {
    const r = run(`${idStub(1000, "ubuntu")}\n${SUDO_NONE}`);
    expect([r.status, r.stdout, r.stderr]).toEqual([0, "", ""]);
  });
});
