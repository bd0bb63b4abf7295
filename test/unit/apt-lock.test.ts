/**
 * Every apt call on a host takes the same lock (issue 20, previous 14): NodeSource's and Chrome's
 * apt-get run inside AptPackages' lock prelude, with DPkg::Lock::Timeout, so a Chrome step that
 * starts beside the media packages waits instead of failing with "Could not get lock". Every
 * install goes through the one hf_apt_install (security review 14(a); apt-retry.test.ts runs it).
 */
import { describe, expect, it } from "vitest";
import { chromeInstall } from "../../components/blocks/browser/browser";
import { NODE_DEFAULTS, nodeInstall } from "../../components/blocks/base/node";
import { pinnedKeyring, SIGNING_KEYS } from "../../components/blocks/base/downloads";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { APT_INSTALL, installScript, listsFresh, purgeScript, withAptLock } from "../../components/host/kinds/packages";

const PRELUDE_END = 'wait_lock="-o DPkg::Lock::Timeout=$(( deadline > $(date +%s) ? deadline - $(date +%s) : 1 ))"\n';

/**
 * The script after the lock prelude and the install helper, checking the prelude (hostform's flock,
 * then the wait) is there first and the helper (pinned in apt-retry.test.ts) right after it.
 */
function afterLock(text: string): string {
  const lock = text.indexOf("exec 9>/var/lib/hostform/apt.lock\nflock 9\n");
  const end = text.indexOf(PRELUDE_END);
  expect(lock).toBeGreaterThanOrEqual(0);
  expect(end).toBeGreaterThan(lock);
  expect(text.slice(0, lock)).not.toMatch(/apt-get|dpkg /);
  const rest = text.slice(end + PRELUDE_END.length);
  expect(rest.startsWith(APT_INSTALL)).toBe(true);
  return rest.slice(APT_INSTALL.length);
}

describe("one apt lock for every apt call", () => {
  it("NodeSource: the key is checked first, then sources, update and install inside the lock", () => {
    const text = nodeInstall(NODE_DEFAULTS, "x86_64");
    expect(text.startsWith(pinnedKeyring(SIGNING_KEYS.nodesource.url, SIGNING_KEYS.nodesource.fingerprint, "/etc/apt/keyrings/nodesource.gpg"))).toBe(true);
    expect(afterLock(text)).toBe(`echo 'deb [signed-by=/etc/apt/keyrings/nodesource.gpg] https://deb.nodesource.com/node_20.x nodistro main' > /etc/apt/sources.list.d/nodesource.list
apt-get $wait_lock update -qq
v=$(apt-cache madison nodejs | awk -v m=20. '$3 ~ "^"m {print $3; exit}')
[ -n "$v" ] || { echo 'NodeSource offers no nodejs 20.x for this host' >&2; exit 1; }
hf_apt_install --allow-downgrades "nodejs=$v"
`);
  });

  it("Chrome from Google's repository: the same", () => {
    const text = chromeInstall("x86_64", "google-chrome-beta");
    expect(text.startsWith(pinnedKeyring(SIGNING_KEYS.google.url, SIGNING_KEYS.google.fingerprint, "/etc/apt/keyrings/google-chrome.gpg"))).toBe(true);
    expect(afterLock(text)).toBe(`echo 'deb [arch=amd64 signed-by=/etc/apt/keyrings/google-chrome.gpg] https://dl.google.com/linux/chrome/deb/ stable main' > /etc/apt/sources.list.d/google-chrome.list
apt-get $wait_lock update -qq
hf_apt_install google-chrome-beta
`);
  });

  it("AptPackages: dpkg repaired, lists refreshed when a day old, then the install, all through the helper", () => {
    const text = installScript(["jq", "tree"], false, 5);
    expect(text.startsWith("set -euo pipefail\nt=5\n")).toBe(true);
    expect(afterLock(text)).toBe(`if [ -n "$(find /var/lib/dpkg/updates -maxdepth 1 -type f -name '[0-9]*' -print -quit 2>/dev/null)" ] || [ -n "$(dpkg --audit 2>/dev/null || :)" ]; then
  echo "hostform: dpkg was interrupted; running dpkg --configure -a" >&2
  dpkg --force-confold --configure -a >/dev/null
  if [ -n "$(dpkg --audit 2>/dev/null || :)" ]; then hf_apt_install -f -o Dpkg::Options::=--force-confold; fi
fi
# Refresh the package lists when they are older than a day (or absent); a 404 refreshes them too (hf_apt_install).
if ! [ -n "$(find /var/lib/apt/lists -maxdepth 1 \\( -name '*_Packages' -o -name '*_Packages.lz4' -o -name '*_Packages.gz' -o -name '*_Packages.xz' -o -name '*_Packages.zst' \\) -mmin -1440 -print -quit 2>/dev/null)" ]; then
  apt-get $wait_lock update -qq
fi
hf_apt_install --no-install-recommends -o Dpkg::Options::=--force-confold jq tree
mkdir -p /var/lib/hostform/packages
for p in jq tree; do touch /var/lib/hostform/packages/"$p"; done
`);
    expect(afterLock(installScript(["jq"], true))).toContain("\nhf_apt_install -o Dpkg::Options::=--force-confold jq\n");
  });

  it("every apt-get of these scripts and of AptPackages passes the lock timeout", () => {
    const scripts = [nodeInstall(NODE_DEFAULTS), chromeInstall("x86_64", "google-chrome-beta"), installScript(["jq"], false), purgeScript(["jq"])];
    for (const text of scripts) {
      const calls = text.split("\n").flatMap((l) => l.match(/apt-get \S+/g) ?? []);
      expect(calls.length).toBeGreaterThan(0);
      expect(calls.filter((c) => c !== "apt-get $wait_lock")).toEqual([]);
    }
    // Installs only in the one helper: its two (the try and the retry), nowhere else.
    for (const text of scripts.slice(0, 3)) {
      expect(afterLock(text)).not.toContain("apt-get $wait_lock install");
      expect(text.split("apt-get $wait_lock install -y -qq ").length - 1).toBe(2);
    }
    expect(purgeScript(["jq"])).not.toContain("install");
    expect(withAptLock("true\n", 5)).toMatch(/^t=5\n[\s\S]*\ntrue\n$/);
  });

  it("the lists count as fresh when a plain or compressed list was written in the last day, never otherwise", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "hf-lists-"));
    const fresh = () => {
      try {
        execFileSync("bash", ["-c", listsFresh(dir)]);
        return true;
      } catch {
        return false;
      }
    };
    try {
      expect(fresh()).toBe(false); // no lists at all
      writeFileSync(path.join(dir, "lock"), "");
      writeFileSync(path.join(dir, "deb.debian.org_debian_dists_bookworm_Release"), "");
      expect(fresh()).toBe(false); // only files that are not package lists
      for (const name of ["deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages", "x_Packages.lz4", "x_Packages.gz", "x_Packages.xz", "x_Packages.zst"]) {
        const file = path.join(dir, name);
        writeFileSync(file, "");
        expect(fresh(), name).toBe(true);
        const twoDaysAgo = Date.now() / 1000 - 2 * 86400;
        utimesSync(file, twoDaysAgo, twoDaysAgo);
        expect(fresh(), `${name} two days old`).toBe(false);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
