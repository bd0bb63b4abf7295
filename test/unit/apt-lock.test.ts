/**
 * Every apt call on a host takes the same lock (issue 20, previous 14): NodeSource's and Chrome's
 * apt-get run inside AptPackages' lock prelude, with DPkg::Lock::Timeout, so a Chrome step that
 * starts beside the media packages waits instead of failing with "Could not get lock".
 */
import { describe, expect, it } from "vitest";
import { chromeInstall } from "../../components/blocks/browser/browser";
import { NODE_DEFAULTS, nodeInstall } from "../../components/blocks/base/node";
import { pinnedKeyring, SIGNING_KEYS } from "../../components/blocks/base/downloads";
import { installScript, purgeScript, withAptLock } from "../../components/host/kinds/packages";

const PRELUDE_END = 'wait_lock="-o DPkg::Lock::Timeout=$(( deadline > $(date +%s) ? deadline - $(date +%s) : 1 ))"\n';

/** The script after the lock prelude, checking the prelude (hostform's flock, then the wait) is there first. */
function afterLock(text: string): string {
  const lock = text.indexOf("exec 9>/var/lib/hostform/apt.lock\nflock 9\n");
  const end = text.indexOf(PRELUDE_END);
  expect(lock).toBeGreaterThanOrEqual(0);
  expect(end).toBeGreaterThan(lock);
  expect(text.slice(0, lock)).not.toMatch(/apt-get|dpkg /);
  return text.slice(end + PRELUDE_END.length);
}

describe("one apt lock for every apt call", () => {
  it("NodeSource: the key is checked first, then sources, update and install inside the lock", () => {
    const text = nodeInstall(NODE_DEFAULTS, "x86_64");
    expect(text.startsWith(pinnedKeyring(SIGNING_KEYS.nodesource.url, SIGNING_KEYS.nodesource.fingerprint, "/etc/apt/keyrings/nodesource.gpg"))).toBe(true);
    expect(afterLock(text)).toBe(`echo 'deb [signed-by=/etc/apt/keyrings/nodesource.gpg] https://deb.nodesource.com/node_20.x nodistro main' > /etc/apt/sources.list.d/nodesource.list
apt-get $wait_lock update -qq
v=$(apt-cache madison nodejs | awk -v m=20. '$3 ~ "^"m {print $3; exit}')
[ -n "$v" ] || { echo 'NodeSource offers no nodejs 20.x for this host' >&2; exit 1; }
apt-get $wait_lock install -y -qq --allow-downgrades "nodejs=$v" >/dev/null
`);
  });

  it("Chrome from Google's repository: the same", () => {
    const text = chromeInstall("x86_64", "google-chrome-beta");
    expect(text.startsWith(pinnedKeyring(SIGNING_KEYS.google.url, SIGNING_KEYS.google.fingerprint, "/etc/apt/keyrings/google-chrome.gpg"))).toBe(true);
    expect(afterLock(text)).toBe(`echo 'deb [arch=amd64 signed-by=/etc/apt/keyrings/google-chrome.gpg] https://dl.google.com/linux/chrome/deb/ stable main' > /etc/apt/sources.list.d/google-chrome.list
apt-get $wait_lock update -qq
apt-get $wait_lock install -y -qq google-chrome-beta >/dev/null
`);
  });

  it("every apt-get of these scripts and of AptPackages passes the lock timeout", () => {
    const scripts = [nodeInstall(NODE_DEFAULTS), chromeInstall("x86_64", "google-chrome-beta"), installScript(["jq"], false), purgeScript(["jq"])];
    for (const text of scripts) {
      const calls = text.split("\n").flatMap((l) => l.match(/apt-get \S+/g) ?? []);
      expect(calls.length).toBeGreaterThan(0);
      expect(calls.filter((c) => c !== "apt-get $wait_lock")).toEqual([]);
      afterLock(text);
    }
    expect(withAptLock("true\n", 5)).toMatch(/^t=5\n[\s\S]*\ntrue\n$/);
  });
});
