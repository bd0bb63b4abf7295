import { script, strict } from "../quote";
import type { BaseInputs, Kind } from "./kind";

/** Where a user's PM2 lives and how to run it; shared by the PM2 apps and health check kinds. */
export interface Pm2Home {
  readonly user: string;
  readonly home: string;
  readonly pm2Bin: string;
  /** Folder with the node binary PM2 and the apps run with. */
  readonly nodeBinDir: string;
}

export interface Pm2AppsInputs extends BaseInputs, Pm2Home {
  readonly ecosystemPath: string;
  /** The app names the ecosystem file defines: all must be online, no others are kept. */
  readonly apps: readonly string[];
  /** Hash of the ecosystem file: a change reloads the apps (a setting, not host state). */
  readonly ecosystemSha256: string;
  /** "systemd": the pm2-<user> unit resurrects the saved list; "none": hostform starts PM2 itself. */
  readonly manager: "systemd" | "none";
  readonly unitName?: string;
}

export interface Pm2Observed {
  readonly daemon: boolean;
  readonly apps: Readonly<Record<string, string>>;
  /** Octal modes of ~/.pm2 and dump.pm2* (the dump holds every app's environment). */
  readonly modes: Readonly<Record<string, string>>;
}

/** Runs pm2 as the user. Never prints jlist's JSON: it carries every app's environment. */
export function pm2As(h: Pm2Home, args: string): string {
  // umask 077: `pm2 save` writes the dump (every app's environment, secrets included) 0600.
  // cd: a daemon started here keeps this directory, and the apps it spawns fail (EACCES) in one
  // the user cannot enter, like root's home where an SSH session starts.
  return `(umask 077 && cd ${script`${h.home}`} && exec runuser -u ${script`${h.user}`} -- env PM2_HOME=${script`${`${h.home}/.pm2`}`} PATH=${script`${h.nodeBinDir}`}:/usr/local/bin:/usr/bin:/bin ${script`${h.pm2Bin}`} ${args})`;
}

/** Reads PM2's state without starting a daemon (pm2 jlist would start one). */
export function observePm2Script(h: Pm2Home): string {
  const listing = `${pm2As(h, "jlist")} | ${script`${`${h.nodeBinDir}/node`}`} -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{for(const p of JSON.parse(s))console.log("app "+p.name+" "+p.pm2_env.status)})'`;
  return strict(script`ph=${`${h.home}/.pm2`}
pid=$(cat "$ph/pm2.pid" 2>/dev/null || :)
if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
  echo daemon=up
` + `  ${listing}
else
  echo daemon=down
fi
for f in "$ph" "$ph"/dump.pm2*; do if [ -e "$f" ]; then stat -c 'mode %a %n' -- "$f"; fi; done
`);
}

export function parsePm2(stdout: string, home: string): Pm2Observed {
  const apps: Record<string, string> = {};
  const modes: Record<string, string> = {};
  for (const line of stdout.split("\n")) {
    const [tag, a, b] = line.trim().split(/\s+/);
    if (tag === "app" && a) apps[a] = b ?? "unknown";
    if (tag === "mode" && a && b) modes[b.slice(home.length + 1)] = a.padStart(4, "0");
  }
  return { daemon: /daemon=up/.test(stdout), apps, modes };
}

/** What must hold: each app online, ~/.pm2 0700 and its dumps 0600. */
export function pm2Drift(apps: readonly string[], o: Pm2Observed): string[] {
  const out: string[] = [];
  if (!o.daemon || apps.some((a) => o.apps[a] !== "online") || Object.keys(o.apps).some((a) => !apps.includes(a))) out.push("apps");
  if (Object.entries(o.modes).some(([f, m]) => m !== (f === ".pm2" ? "0700" : "0600"))) out.push("modes");
  return out;
}

export function convergePm2Script(i: Pm2AppsInputs, o: Pm2Observed, reload: boolean): string {
  const lines: string[] = [];
  if (!o.daemon && i.manager === "systemd") {
    lines.push(script`systemctl reset-failed -- ${i.unitName ?? `pm2-${i.user}.service`} 2>/dev/null || :`, script`systemctl start -- ${i.unitName ?? `pm2-${i.user}.service`}`);
  }
  const extras = Object.keys(o.apps).filter((a) => !i.apps.includes(a));
  if (reload || pm2Drift(i.apps, o).includes("apps")) {
    lines.push(pm2As(i, script`startOrReload ${i.ecosystemPath} --update-env`) + " >/dev/null");
    for (const a of extras) lines.push(pm2As(i, script`delete ${a}`) + " >/dev/null");
    lines.push(pm2As(i, "save --force") + " >/dev/null");
  }
  lines.push(script`chmod 0700 ${`${i.home}/.pm2`}`, script`find ${`${i.home}/.pm2`} -maxdepth 1 -name 'dump.pm2*' -exec chmod 0600 {} +`);
  return strict(lines.join("\n") + "\n");
}

export const pm2Apps: Kind<Pm2AppsInputs, Pm2Observed> = {
  identity: ["user"],
  managed: ["apps"],
  normalize: (i) => ({ ...i, apps: [...i.apps].sort() }),
  id: (i) => `${i.connection.host}:pm2:${i.user}`,
  validate(i) {
    const out: { property: string; reason: string }[] = [];
    if (!/^[a-z_][a-z0-9_-]*$/.test(i.user ?? "")) out.push({ property: "user", reason: `must be a user name, got ${JSON.stringify(i.user)}` });
    if (!Array.isArray(i.apps) || i.apps.length === 0) out.push({ property: "apps", reason: "must name the apps of the ecosystem file" });
    if (i.manager !== "systemd" && i.manager !== "none") out.push({ property: "manager", reason: `must be "systemd" or "none", got ${JSON.stringify(i.manager)}` });
    return out;
  },
  async observe(s, i) {
    return parsePm2(await s.run(`read PM2 of ${i.user}`, observePm2Script(i)), i.home);
  },
  drifted: (i, o) => pm2Drift(i.apps, o),
  async converge(s, i, o, settingsChanged) {
    await s.run(`PM2 apps of ${i.user}`, convergePm2Script(i, o, settingsChanged));
  },
  async remove(s, i) {
    await s.run(`remove PM2 apps of ${i.user}`, strict(
      `if [ -e ${script`${`${i.home}/.pm2/pm2.pid`}`} ]; then ${pm2As(i, "delete all")} >/dev/null 2>&1 || :; ${pm2As(i, "save --force")} >/dev/null; fi\n`,
    ));
  },
  asInputs: (i, o) => ({ ...i, apps: Object.entries(o.apps).map(([a, st]) => (st === "online" ? a : `${a} (${st})`)).sort() }),
};
