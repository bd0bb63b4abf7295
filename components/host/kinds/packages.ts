import { script, sh, strict } from "../quote";
import type { BaseInputs, Kind } from "./kind";

export interface PackagesInputs extends BaseInputs {
  /** Debian package names that must be installed. */
  readonly packages: readonly string[];
  /** Install recommended packages too (apt's default); off keeps hosts small. */
  readonly recommends?: boolean;
  /** How long to wait for an apt or dpkg lock another process holds (default 300 s). */
  readonly lockTimeoutSeconds?: number;
}

export interface PackagesObserved {
  /** The requested packages that are installed, sorted. */
  readonly installed: readonly string[];
}

/** Packages hostform installed are marked here, so deleting the resource removes only those. */
export const MARKS = "/var/lib/hostform/packages";
const PACKAGE = /^[a-z0-9][a-z0-9+.-]+$/;

export function observePackagesScript(names: readonly string[]): string {
  // dpkg-query exits 1 when a name is unknown; its per-package status lines are the answer.
  return strict(script`dpkg-query -W -f='\${Package} \${db:Status-Status}\\n' ${[...names]} 2>/dev/null | awk '$2 == "installed" {print $1}' || [ $? -eq 1 ]
`);
}

export function parsePackages(stdout: string, requested: readonly string[]): PackagesObserved {
  const present = new Set(stdout.split("\n").map((l) => l.trim()).filter(Boolean));
  return { installed: requested.filter((p) => present.has(p)).sort() };
}

/** How long an install waits for another process's apt or dpkg lock by default (unattended-upgrades after boot). */
export const LOCK_TIMEOUT_SECONDS = 300;

/**
 * One apt at a time per host (resources of a host converge in parallel, dpkg allows one writer):
 * hostform's own lock is waited for as long as it takes, since its holder is a hostform script that
 * has its own timeout and dies with its connection (a slow install must not fail the next one).
 * Then a wait, up to the timeout, for apt and dpkg locks held by anything else. Those are fcntl locks, which flock
 * does not see: /proc/locks names the holder, and the error names it too.
 */
function lockPrelude(timeout: number): string {
  return script`t=${timeout}
mkdir -p /var/lib/hostform && exec 9>/var/lib/hostform/apt.lock
flock 9
deadline=$(( $(date +%s) + t ))
apt_lock_holder() {
  local f ino pid dev kind
  for f in /var/lib/dpkg/lock-frontend /var/lib/dpkg/lock /var/lib/apt/lists/lock /var/cache/apt/archives/lock; do
    [ -e "$f" ] || continue
    ino=$(stat -c %i -- "$f")
    while read -r _ kind _ _ pid dev _; do
      [ "$kind" = POSIX ] && [ "\${dev##*:}" = "$ino" ] && [ -d "/proc/$pid" ] || continue
      printf '%s by pid %s (%s)' "$f" "$pid" "$(tr '\\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | cut -c1-200)"
      return 0
    done < /proc/locks
  done
  return 1
}
while holder=$(apt_lock_holder); do
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "apt is locked by another process for more than $t s: $holder. Let it finish (unattended-upgrades runs after boot) or stop it, then run up again." >&2
    exit 4
  fi
  sleep 2
done
export DEBIAN_FRONTEND=noninteractive
wait_lock="-o DPkg::Lock::Timeout=$(( deadline > $(date +%s) ? deadline - $(date +%s) : 1 ))"
`;
}

/**
 * `hf_apt_install <apt-get install arguments>`: the one way hostform installs packages. Lists older
 * than the mirror name .debs it no longer serves (a point release replaced them), and apt then fails
 * with "404  Not Found" / "Unable to fetch some archives, maybe run apt-get update": the lists are
 * refreshed once and the install tried once more. Any other failure (an unknown package, a broken
 * dependency) is apt's answer as it stands. apt's stderr is kept and printed; stdout is dropped.
 */
export const APT_INSTALL = `hf_apt_install() {
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
`;

/**
 * `body` (a script whose apt-get calls pass `$wait_lock` and whose installs use `hf_apt_install`)
 * inside the same lock as AptPackages: every apt call on a host, hostform's own packages,
 * NodeSource's and Chrome's, waits for the others.
 */
export function withAptLock(body: string, lockTimeout = LOCK_TIMEOUT_SECONDS): string {
  return lockPrelude(lockTimeout) + APT_INSTALL + body;
}

/** dpkg interrupted (killed, rebooted) leaves a journal or half-done packages: finish them first. */
const DPKG_REPAIR = `if [ -n "$(find /var/lib/dpkg/updates -maxdepth 1 -type f -name '[0-9]*' -print -quit 2>/dev/null)" ] || [ -n "$(dpkg --audit 2>/dev/null || :)" ]; then
  echo "hostform: dpkg was interrupted; running dpkg --configure -a" >&2
  dpkg --force-confold --configure -a >/dev/null
  if [ -n "$(dpkg --audit 2>/dev/null || :)" ]; then hf_apt_install -f -o Dpkg::Options::=--force-confold; fi
fi
`;

/**
 * True (exit 0) when a package list in `dir` was written in the last day. apt keeps a list plain
 * (`*_Packages`) or, with Acquire::GzipIndexes, compressed (`*_Packages.lz4`, `.gz`, `.xz`, `.zst`).
 */
export function listsFresh(dir = "/var/lib/apt/lists"): string {
  return `[ -n "$(find ${sh(dir)} -maxdepth 1 \\( -name '*_Packages' -o -name '*_Packages.lz4' -o -name '*_Packages.gz' -o -name '*_Packages.xz' -o -name '*_Packages.zst' \\) -mmin -1440 -print -quit 2>/dev/null)" ]`;
}

export function installScript(missing: readonly string[], recommends: boolean, lockTimeout = LOCK_TIMEOUT_SECONDS): string {
  return strict(withAptLock(DPKG_REPAIR + `# Refresh the package lists when they are older than a day (or absent); a 404 refreshes them too (hf_apt_install).
if ! ${listsFresh()}; then
  apt-get $wait_lock update -qq
fi
` + script`hf_apt_install ${[...(recommends ? [] : ["--no-install-recommends"]), "-o", "Dpkg::Options::=--force-confold", ...missing]}
mkdir -p ${MARKS}
for p in ${[...missing]}; do touch ${MARKS}/"$p"; done
`, lockTimeout));
}

export function purgeScript(names: readonly string[], lockTimeout = LOCK_TIMEOUT_SECONDS): string {
  return strict(lockPrelude(lockTimeout) + script`ours=()
for p in ${[...names]}; do if [ -e ${MARKS}/"$p" ]; then ours+=("$p"); fi; done
if [ \${#ours[@]} -gt 0 ]; then
  apt-get $wait_lock purge -y -qq "\${ours[@]}" >/dev/null
  for p in "\${ours[@]}"; do rm -f ${MARKS}/"$p"; done
fi
`);
}

export const packages: Kind<PackagesInputs, PackagesObserved> = {
  identity: [],
  managed: ["packages"],
  normalize: (i) => ({ ...i, packages: [...new Set(i.packages)].sort() }),
  id: (i) => `${i.connection.host}:apt:${[...i.packages].sort().join(",")}`,
  validate(i) {
    if (!Array.isArray(i.packages) || i.packages.length === 0) return [{ property: "packages", reason: "must list at least one Debian package name" }];
    const bad = i.packages.filter((p) => !PACKAGE.test(p));
    return bad.length ? [{ property: "packages", reason: `not Debian package names: ${bad.map((b) => JSON.stringify(b)).join(", ")}` }] : [];
  },
  async observe(s, i) {
    return parsePackages(await s.run("read installed packages", observePackagesScript(i.packages)), i.packages);
  },
  drifted(i, o) {
    return i.packages.every((p) => o.installed.includes(p)) ? [] : ["packages"];
  },
  async converge(s, i, o) {
    const missing = i.packages.filter((p) => !o.installed.includes(p));
    await s.run(`apt-get install ${missing.join(" ")}`, installScript(missing, i.recommends ?? false, i.lockTimeoutSeconds));
  },
  async remove(s, i) {
    await s.run("remove packages hostform installed", purgeScript(i.packages, i.lockTimeoutSeconds));
  },
  asInputs(i, o) {
    return { ...i, packages: [...o.installed] };
  },
};
