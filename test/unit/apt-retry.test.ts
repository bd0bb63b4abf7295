/**
 * Security review 14(a): an install that fails because the package lists are stale (apt's 404 for
 * a .deb the mirror replaced) updates the lists once and tries once more; nothing else is retried.
 * The helper is pinned as text, then run by the local bash against a stand-in apt-get that answers
 * each install from a plan and records every call.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { APT_INSTALL } from "../../components/host/kinds/packages";

const DEB = "http://deb.debian.org/debian/pool/main/t/tree/tree_2.1.0-1_amd64.deb";
const NOT_FOUND = `E: Failed to fetch ${DEB}  404  Not Found [IP: 151.101.2.132 80]
E: Unable to fetch some archives, maybe run apt-get update or try with --fix-missing?
`;
const UNKNOWN = "E: Unable to locate package nosuch\n";
const WARNING = "debconf: delaying package configuration, since apt-utils is not installed\n";

/**
 * apt-get as a script: every call is a line of `log`; `update` exits with `update-rc` (0 unless
 * written); the n-th install answers with line n of `plan` (ok, warn, 404 or unknown), as apt does
 * (progress on stdout, E: lines on stderr, exit 100).
 */
const STAND_IN = `#!/bin/bash
here=$(dirname "$0")/..
echo "$*" >> "$here/log"
case " $* " in
  *" update "*) exit "$(cat "$here/update-rc" 2>/dev/null || echo 0)" ;;
esac
n=$(grep -c ' install ' "$here/log")
case "$(sed -n "\${n}p" "$here/plan")" in
  ok) echo "Selecting previously unselected package tree." ;;
  warn) echo "Selecting previously unselected package tree."; printf '%s' '${WARNING}' >&2 ;;
  404) echo "Err:1 ${DEB}"; echo "  404  Not Found [IP: 151.101.2.132 80]"; printf '%s' '${NOT_FOUND}' >&2; exit 100 ;;
  unknown) printf '%s' '${UNKNOWN}' >&2; exit 100 ;;
  *) echo "stand-in: no plan for install $n" >&2; exit 99 ;;
esac
`;

/** Runs `hf_apt_install <args>` under set -euo pipefail with the stand-in first on PATH. */
function install(plan: string[], args: string, updateRc = 0) {
  const dir = mkdtempSync(join(tmpdir(), "hf-apt-"));
  mkdirSync(join(dir, "bin"));
  writeFileSync(join(dir, "bin", "apt-get"), STAND_IN);
  chmodSync(join(dir, "bin", "apt-get"), 0o755);
  writeFileSync(join(dir, "plan"), plan.join("\n") + "\n");
  writeFileSync(join(dir, "log"), "");
  if (updateRc) writeFileSync(join(dir, "update-rc"), `${updateRc}\n`);
  const text = `set -euo pipefail\nwait_lock="-o DPkg::Lock::Timeout=7"\n${APT_INSTALL}hf_apt_install ${args}\necho after\n`;
  const r = spawnSync("bash", ["-c", text], { encoding: "utf8", env: { ...process.env, PATH: `${join(dir, "bin")}:${process.env.PATH}` } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, calls: readFileSync(join(dir, "log"), "utf8").split("\n").filter(Boolean) };
}

const INSTALL = "-o DPkg::Lock::Timeout=7 install -y -qq --no-install-recommends tree";
const UPDATE = "-o DPkg::Lock::Timeout=7 update -qq";
const NOTE = "hostform: apt could not fetch a package, its lists are stale: updating them, then one more try\n";

describe("hf_apt_install: one update and one retry after a 404, nothing else retried", () => {
  it("is this text (one helper, used by AptPackages, NodeSource and Chrome)", () => {
    expect(APT_INSTALL).toBe(`hf_apt_install() {
  local err rc=0
  err=$(apt-get $wait_lock install -y -qq "$@" 2>&1 >/dev/null) || rc=$?
  if [ "$rc" -eq 0 ] || ! grep -qE '^E: (Failed to fetch|Unable to fetch some archives)' <<<"$err"; then
    [ -z "$err" ] || printf '%s\\n' "$err" >&2
    return "$rc"
  fi
  printf '%s\\nhostform: apt could not fetch a package, its lists are stale: updating them, then one more try\\n' "$err" >&2
  apt-get $wait_lock update -qq || return
  apt-get $wait_lock install -y -qq "$@" >/dev/null
}
`);
  });

  it("installs at once when apt does: no update, apt's stdout dropped, its warnings kept", () => {
    expect(install(["ok"], "--no-install-recommends tree")).toEqual({ status: 0, stdout: "after\n", stderr: "", calls: [INSTALL] });
    expect(install(["warn"], "--no-install-recommends tree")).toEqual({ status: 0, stdout: "after\n", stderr: WARNING, calls: [INSTALL] });
  });

  it("a 404 (stale lists): the lists are updated and the install tried again, which succeeds", () => {
    const r = install(["404", "ok"], "--no-install-recommends tree");
    expect(r).toEqual({ status: 0, stdout: "after\n", stderr: NOT_FOUND + NOTE, calls: [INSTALL, UPDATE, INSTALL] });
  });

  it("an unrelated failure is not retried: apt's message and exit code, the script stops", () => {
    const r = install(["unknown", "ok"], "--no-install-recommends nosuch");
    expect(r).toEqual({ status: 100, stdout: "", stderr: UNKNOWN, calls: ["-o DPkg::Lock::Timeout=7 install -y -qq --no-install-recommends nosuch"] });
  });

  it("a 404 again after the update fails with apt's message: one retry only", () => {
    const r = install(["404", "404", "ok"], "--no-install-recommends tree");
    expect(r).toEqual({ status: 100, stdout: "", stderr: NOT_FOUND + NOTE + NOT_FOUND, calls: [INSTALL, UPDATE, INSTALL] });
  });

  it("an update that fails ends it with the update's exit code, without a second install", () => {
    const r = install(["404", "ok"], "--no-install-recommends tree", 100);
    expect(r).toEqual({ status: 100, stdout: "", stderr: NOT_FOUND + NOTE, calls: [INSTALL, UPDATE] });
  });

  it("passes its arguments as words (a version with a quote stays one argument)", () => {
    const r = install(["ok"], `--allow-downgrades "nodejs=20.1'x"`);
    expect(r.calls).toEqual(["-o DPkg::Lock::Timeout=7 install -y -qq --allow-downgrades nodejs=20.1'x"]);
    expect(r.status).toBe(0);
  });
});
