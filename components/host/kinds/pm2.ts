import { script, sh, strict } from "../quote";
import type { BaseInputs, Kind } from "./kind";
import { observePm2Script, parsePm2, type Pm2Expected, type Pm2Home, type Pm2Observed, pm2As, type Pm2Problem, pm2Problems } from "./pm2-observe";

export { observePm2Script, parsePm2, pm2As, pm2Problems } from "./pm2-observe";
export type { Pm2Expected, Pm2Home, Pm2Instance, Pm2Observed, Pm2Problem, Pm2Want } from "./pm2-observe";

export interface Pm2AppsInputs extends BaseInputs, Pm2Home, Pm2Expected {
  /** The app names the ecosystem file defines: all must be online, no others are kept. */
  readonly apps: readonly string[];
  /** Hash of the ecosystem file: a change reloads the apps (a setting, not host state). */
  readonly ecosystemSha256: string;
  /** Hash of the env files the ecosystem loads: a change reloads the apps whose environment is stale. */
  readonly environmentSha256?: string;
  /** App → a host script that reloads it with the ecosystem's environment (a graceful restart); default `pm2 startOrReload`. */
  readonly reloadCommands?: Readonly<Record<string, string>>;
  /** "systemd": the pm2-<user> unit resurrects the saved list; "none": hostform starts PM2 itself. */
  readonly manager: "systemd" | "none";
  readonly unitName?: string;
  /** Managed: no gap between the running processes and the ecosystem ([] in the code). */
  readonly processes?: readonly string[];
}

/** What must hold: each app online, ~/.pm2 0700 and its dumps 0600, each process as the ecosystem says. */
export function pm2Drift(apps: readonly string[], o: Pm2Observed, problems: readonly Pm2Problem[] = []): string[] {
  const out: string[] = [];
  if (!o.daemon || apps.some((a) => o.apps[a] !== "online") || Object.keys(o.apps).some((a) => !apps.includes(a))) out.push("apps");
  if (problems.length > 0) out.push("processes");
  if (Object.entries(o.modes).some(([f, m]) => m !== (f === ".pm2" ? "0700" : "0600"))) out.push("modes");
  return out;
}

/** The apps to reload: all when the ecosystem itself changed, else those whose processes differ. */
export function appsToReload(i: Pm2AppsInputs, o: Pm2Observed, reloadAll: boolean): string[] {
  if (reloadAll) return [...i.apps];
  const gaps = new Set(pm2Problems(i, o).filter((p) => p.kind !== "extra").map((p) => p.app));
  return i.apps.filter((a) => gaps.has(a) || gaps.has("") || o.apps[a] !== "online");
}

/**
 * Closes the gap: the daemon (through its unit), apps gone from the ecosystem deleted, apps running
 * the wrong script or cwd deleted first (a reload keeps both), the rest started or reloaded with the
 * ecosystem's environment (`--update-env`), instance counts scaled, then the list saved so a
 * reboot resurrects what runs now. Apps with a reload command are left to `gracefulScripts`.
 */
export function convergePm2Script(i: Pm2AppsInputs, o: Pm2Observed, reloadAll: boolean): string {
  const lines: string[] = [];
  if (!o.daemon && i.manager === "systemd") {
    lines.push(script`systemctl reset-failed -- ${i.unitName ?? `pm2-${i.user}.service`} 2>/dev/null || :`, script`systemctl start -- ${i.unitName ?? `pm2-${i.user}.service`}`);
  }
  const problems = pm2Problems(i, o);
  const of = (kind: Pm2Problem["kind"]) => [...new Set(problems.filter((p) => p.kind === kind).map((p) => p.app))];
  const graceful = gracefulApps(i, o, reloadAll);
  const reload = appsToReload(i, o, reloadAll).filter((a) => !graceful.includes(a));
  for (const a of of("place")) lines.push(pm2As(i, script`delete ${a}`) + " >/dev/null");
  if (reload.length > 0) lines.push(pm2As(i, script`startOrReload ${i.ecosystemPath} --only ${reload.join(",")} --update-env`) + " >/dev/null");
  for (const a of of("count")) {
    const n = o.want?.[a]?.instances;
    if (n !== undefined && !of("place").includes(a) && (o.instances ?? []).some((x) => x.app === a)) lines.push(pm2As(i, script`scale ${a} ${n}`) + " >/dev/null");
  }
  for (const a of of("extra")) lines.push(pm2As(i, script`delete ${a}`) + " >/dev/null");
  if (lines.length > 0) lines.push(pm2As(i, "save --force") + " >/dev/null");
  // ~/.pm2 is the app user's: its modes are set as that user, and a link there is reported, never followed.
  lines.push(script`ph=${`${i.home}/.pm2`}; links=$(find -P "$ph" -maxdepth 1 \\( -path "$ph" -o -name 'dump.pm2*' \\) -type l)`,
    `if [ -n "$links" ]; then echo "hostform: refusing to set modes in $ph: $(echo $links) is a symbolic link, which hostform does not follow; remove it and run up again" >&2; exit 6; fi`,
    "cd /", script`runuser -u ${i.user} -- chmod 0700 "$ph"`, script`runuser -u ${i.user} -- find -P "$ph" -maxdepth 1 -name 'dump.pm2*' -type f -exec chmod 0600 {} +`);
  return strict(lines.join("\n") + "\n");
}

/** Running apps with a reload command that need a reload: they go through it, never a hard restart. */
export function gracefulApps(i: Pm2AppsInputs, o: Pm2Observed, reloadAll: boolean): string[] {
  const placed = new Set(pm2Problems(i, o).filter((p) => p.kind === "place" || p.kind === "missing").map((p) => p.app));
  return appsToReload(i, o, reloadAll).filter((a) => i.reloadCommands?.[a] !== undefined && o.daemon && o.apps[a] !== undefined && !placed.has(a));
}

/** Statuses on the way to online (or down): converge waits up to SETTLE_SECONDS for them to pass. */
const TRANSIENT = ["launching", "stopping", "waiting restart"];
const SETTLE_SECONDS = 15;

/** Settings whose change means the apps' definition changed, so every app is reloaded. */
const RELOAD_ALL = ["ecosystemSha256", "ecosystemPath", "reloadCommands", "envFiles"];

export const pm2Apps: Kind<Pm2AppsInputs, Pm2Observed> = {
  identity: ["user"],
  managed: ["apps", "processes"],
  normalize: (i) => ({ ...i, apps: [...i.apps].sort(), processes: [] }),
  id: (i) => `${i.connection.host}:pm2:${i.user}`,
  validate(i) {
    const out: { property: string; reason: string }[] = [];
    if (!/^[a-z_][a-z0-9_-]*$/.test(i.user ?? "")) out.push({ property: "user", reason: `must be a user name, got ${JSON.stringify(i.user)}` });
    if (!Array.isArray(i.apps) || i.apps.length === 0) out.push({ property: "apps", reason: "must name the apps of the ecosystem file" });
    if (i.manager !== "systemd" && i.manager !== "none") out.push({ property: "manager", reason: `must be "systemd" or "none", got ${JSON.stringify(i.manager)}` });
    const unknown = Object.keys(i.reloadCommands ?? {}).filter((a) => !(i.apps ?? []).includes(a));
    if (unknown.length) out.push({ property: "reloadCommands", reason: `names apps the ecosystem does not define: ${unknown.join(", ")}` });
    return out;
  },
  async observe(s, i) {
    return parsePm2(await s.run(`read PM2 of ${i.user}`, observePm2Script(i, i)), i.home);
  },
  drifted: (i, o) => pm2Drift(i.apps, o, o.instances ? pm2Problems(i, o) : []),
  async converge(s, i, o, settingsChanged, changed) {
    const reloadAll = settingsChanged && (changed === undefined || changed.some((k) => RELOAD_ALL.includes(k)));
    for (const a of gracefulApps(i, o, reloadAll)) await s.run(`graceful reload of ${a}`, strict(i.reloadCommands![a]));
    await s.run(`PM2 apps of ${i.user}`, convergePm2Script(i, o, reloadAll));
    // Instances come up a moment after pm2 returns (cluster workers "launching"): let them settle.
    for (let n = 0; n < SETTLE_SECONDS; n++) {
      const now = await pm2Apps.observe(s, i);
      if (!(now.instances ?? []).some((x) => TRANSIENT.includes(x.status))) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
  },
  explain: (i, o) => pm2Problems(i, o).map((p) => p.message),
  async remove(s, i) {
    await s.run(`remove PM2 apps of ${i.user}`, strict(
      `if [ -e ${sh(`${i.home}/.pm2/pm2.pid`)} ]; then ${pm2As(i, "delete all")} >/dev/null 2>&1 || :; ${pm2As(i, "save --force")} >/dev/null; fi\n`,
    ));
  },
  asInputs: (i, o) => ({
    ...i,
    apps: Object.entries(o.apps).map(([a, st]) => (st === "online" ? a : `${a} (${st})`)).sort(),
    processes: o.instances ? pm2Problems(i, o).map((p) => p.message) : [],
  }),
};
