import { script, strict } from "../quote";
import type { BaseInputs, Kind } from "./kind";

export interface PackagesInputs extends BaseInputs {
  /** Debian package names that must be installed. */
  readonly packages: readonly string[];
  /** Install recommended packages too (apt's default); off keeps hosts small. */
  readonly recommends?: boolean;
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

/** One apt at a time per host: resources of a host converge in parallel, dpkg allows one writer. */
const APT_LOCK = `mkdir -p /var/lib/hostform && exec 9>/var/lib/hostform/apt.lock && flock 9\n`;

export function installScript(missing: readonly string[], recommends: boolean): string {
  return strict(APT_LOCK + script`export DEBIAN_FRONTEND=noninteractive
# Refresh the package lists only when they are older than a day (or absent).
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages' -mmin -1440 -print -quit 2>/dev/null)" ]; then
  apt-get update -qq
fi
apt-get install -y -qq ${recommends ? [] : ["--no-install-recommends"]} -o Dpkg::Options::=--force-confold ${[...missing]} >/dev/null
mkdir -p ${MARKS}
for p in ${[...missing]}; do touch ${MARKS}/"$p"; done
`);
}

export function purgeScript(names: readonly string[]): string {
  return strict(APT_LOCK + script`export DEBIAN_FRONTEND=noninteractive
ours=()
for p in ${[...names]}; do if [ -e ${MARKS}/"$p" ]; then ours+=("$p"); fi; done
if [ \${#ours[@]} -gt 0 ]; then
  apt-get purge -y -qq "\${ours[@]}" >/dev/null
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
    await s.run(`apt-get install ${missing.join(" ")}`, installScript(missing, i.recommends ?? false));
  },
  async remove(s, i) {
    await s.run("remove packages hostform installed", purgeScript(i.packages));
  },
  asInputs(i, o) {
    return { ...i, packages: [...o.installed] };
  },
};
