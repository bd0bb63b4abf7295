/**
 * Reading a user's PM2 back per running instance: its status, script and cwd, whether its live
 * environment (/proc/<pid>/environ) holds what the ecosystem file gives it, and whether it was
 * started from the code now at its cwd. The comparison runs on the host, as the app user: values
 * never leave the host, only verdicts do.
 */
import { LOAD_ENV_JS } from "../envfile";
import { script, sh, strict } from "../quote";

/** Where a user's PM2 lives and how to run it; shared by the PM2 apps and health check kinds. */
export interface Pm2Home {
  readonly user: string;
  readonly home: string;
  readonly pm2Bin: string;
  /** Folder with the node binary PM2 and the apps run with. */
  readonly nodeBinDir: string;
}

/** What the read-back compares with: the ecosystem file, and the env file behind each app. */
export interface Pm2Expected {
  readonly ecosystemPath: string;
  /** App name → the env file its ecosystem entry loads (named when its environment is stale). */
  readonly envFiles?: Readonly<Record<string, string>>;
}

export type Verdict = "same" | "differs" | "unknown";

/** One running instance (cluster mode runs several per app). No pid or time: refresh stays stable. */
export interface Pm2Instance {
  readonly app: string;
  readonly instance: number;
  readonly status: string;
  readonly script?: string;
  readonly cwd?: string;
  /** Its live environment against the ecosystem's (values compared on the host). */
  readonly env?: Verdict;
  /** The file the differing values come from. */
  readonly envFrom?: string;
  /** The code it was started from against the code at its cwd now. */
  readonly code?: Verdict;
  readonly codeNote?: string;
}

/** An app as the ecosystem file defines it, resolved the way PM2 resolves it. */
export interface Pm2Want {
  readonly instances: number;
  readonly script: string;
  readonly cwd: string;
}

export interface Pm2Observed {
  readonly daemon: boolean;
  /** App → "online" when every instance is, else the first other status. */
  readonly apps: Readonly<Record<string, string>>;
  /** Octal modes of ~/.pm2 and dump.pm2* (the dump holds every app's environment). */
  readonly modes: Readonly<Record<string, string>>;
  readonly instances?: readonly Pm2Instance[];
  readonly want?: Readonly<Record<string, Pm2Want>>;
  /** Why the ecosystem file did not load (an error code, never its text). */
  readonly ecosystemError?: string;
}

/**
 * Shell: `VAR=` the user's PM2 daemon pid, or empty. pm2.pid is the user's file: it is read as the
 * user (a link there reaches nothing of root's) under a timeout (a FIFO cannot hang root), and
 * taken only when it is all digits.
 */
export function readPm2Pid(h: Pm2Home, variable: string): string {
  return `${variable}=$(runuser -u ${sh(h.user)} -- timeout 5 head -c 32 -- ${sh(`${h.home}/.pm2/pm2.pid`)} 2>/dev/null || :)
case "$${variable}" in *[!0-9]*) ${variable}="" ;; esac
`;
}

/**
 * Shell condition: `$VAR` is a pid (digits only) of a process the user owns. PM2 prints the pids it
 * is asked for, and PM2 is the user's: checked before root reads anything under /proc/$VAR.
 */
export function userPid(h: Pm2Home, variable: string): string {
  return `[[ "$${variable}" =~ ^[0-9]+$ ]] && [ "$(stat -c %u "/proc/$${variable}" 2>/dev/null)" = "$(id -u ${sh(h.user)})" ]`;
}

/** Runs pm2 as the user. Never prints jlist's JSON: it carries every app's environment. */
export function pm2As(h: Pm2Home, args: string): string {
  // umask 077: `pm2 save` writes the dump (every app's environment, secrets included) 0600.
  // cd: a daemon started here keeps this directory, and the apps it spawns fail (EACCES) in one
  // the user cannot enter, like root's home where an SSH session starts.
  return `(umask 077 && cd ${script`${h.home}`} && exec runuser -u ${script`${h.user}`} -- env PM2_HOME=${script`${`${h.home}/.pm2`}`} PATH=${script`${h.nodeBinDir}`}:/usr/local/bin:/usr/bin:/bin ${script`${h.pm2Bin}`} ${args})`;
}

/**
 * Node, run as the app user: `jlist` on stdin, argv the ecosystem path ("" for statuses only) and
 * the env files as JSON. Prints `inst`, `want` and `ecosystem` lines of JSON, never a value.
 */
export const OBSERVER_JS = String.raw`"use strict";
const fs = require("fs"), path = require("path"), os = require("os");
` + LOAD_ENV_JS + String.raw`
const [eco, envFilesJson] = process.argv.slice(1);
const envFiles = JSON.parse(envFilesJson || "{}");
const emit = (tag, o) => console.log(tag + " " + JSON.stringify(o));
const list = JSON.parse(fs.readFileSync(0, "utf8") || "[]");
const want = {};
if (eco) {
  try { for (const a of require(eco).apps) want[a.name] = a; }
  catch (e) { emit("ecosystem", { error: String(e.code || e.name) }); }
}
function which(script, cwd) {
  const p = path.resolve(cwd, script);
  if (fs.existsSync(p)) return p;
  for (const d of (process.env.PATH || "").split(":")) {
    const c = path.join(d, script);
    try { fs.accessSync(c, fs.constants.X_OK); if (fs.statSync(c).isFile()) return c; } catch {}
  }
  return p;
}
const cpus = os.cpus().length;
const count = (n) => n === undefined ? 1 : n === "max" || Number(n) === 0 ? cpus : Number(n) < 0 ? Math.max(1, cpus + Number(n)) : Number(n);
for (const [app, a] of Object.entries(want)) {
  const cwd = path.resolve(a.cwd || ".");
  emit("want", { app, instances: count(a.instances), script: which(String(a.script), cwd), cwd });
}
function environ(pid) {
  const env = {};
  for (const kv of fs.readFileSync("/proc/" + pid + "/environ").toString("utf8").split("\0")) {
    const eq = kv.indexOf("=");
    if (eq > 0) env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  // Cluster mode: PM2 forks a worker with its environment as one JSON variable, pm2_env, which the
  // worker copies into process.env as it starts (PM2's lib/ProcessContainer.js).
  if (env.pm2_env !== undefined) {
    const boot = JSON.parse(env.pm2_env);
    for (const k of Object.keys(boot)) env[k] = String(boot[k]);
  }
  return env;
}
function gitDir(dir) {
  for (let d = dir; ; d = path.dirname(d)) {
    try { if (fs.statSync(path.join(d, ".git")).isDirectory()) return path.join(d, ".git"); } catch {}
    if (d === "/") return undefined;
  }
}
// HEAD's reflog: the commit HEAD held when the process started, and the one it holds now.
function commits(git, startedMs) {
  let text;
  try { text = fs.readFileSync(path.join(git, "logs", "HEAD"), "utf8"); } catch { return undefined; }
  const moves = [];
  for (const line of text.split("\n")) {
    const m = /^([0-9a-f]{40,64}) ([0-9a-f]{40,64}) .*> (\d+) [+-]\d{4}/.exec(line);
    if (m) moves.push({ before: m[1], after: m[2], at: Number(m[3]) * 1000 });
  }
  if (moves.length === 0) return undefined;
  const earlier = moves.filter((m) => m.at <= startedMs);
  const started = earlier.length ? earlier[earlier.length - 1].after : moves[0].before;
  return /^0+$/.test(started) ? undefined : { started, now: moves[moves.length - 1].after };
}
function envVerdict(p, w) {
  try {
    const live = environ(p.pid);
    const wanted = w.env || {};
    const differ = Object.keys(wanted).filter((k) => live[k] !== String(wanted[k]));
    if (differ.length === 0) return { env: "same" };
    let from = eco;
    const file = envFiles[p.name];
    if (file) {
      try { const fromFile = loadEnv(file); if (differ.some((k) => k in fromFile)) from = file; } catch { from = file; }
    }
    return { env: "differs", envFrom: from };
  } catch { return { env: "unknown" }; }
}
function codeVerdict(p, w) {
  let live, now;
  const cwd = path.resolve(w.cwd || ".");
  try { live = fs.readlinkSync("/proc/" + p.pid + "/cwd"); now = fs.realpathSync(cwd); } catch { return { code: "unknown" }; }
  if (live !== now) return { code: "differs", codeNote: "started in " + live + ", " + cwd + " is now " + now };
  const git = gitDir(now);
  const c = git && commits(git, Number(p.pm2_env.pm_uptime) || 0);
  if (c && c.started !== c.now) return { code: "differs", codeNote: "started from " + c.started.slice(0, 12) + ", " + c.now.slice(0, 12) + " is checked out" };
  return { code: "same" };
}
const seen = {};
for (const p of list) {
  const e = p.pm2_env || {};
  const n = seen[p.name] = (seen[p.name] ?? -1) + 1;
  const o = { app: p.name, instance: Number(e.NODE_APP_INSTANCE ?? n), status: String(e.status), script: e.pm_exec_path, cwd: e.pm_cwd };
  const w = want[p.name];
  if (w && e.status === "online" && p.pid > 0) Object.assign(o, envVerdict(p, w), codeVerdict(p, w));
  emit("inst", o);
}
`;

/** Reads PM2's state without starting a daemon (pm2 jlist would start one). */
export function observePm2Script(h: Pm2Home, expected?: Pm2Expected): string {
  const observer = `runuser -u ${sh(h.user)} -- env PATH=${sh(h.nodeBinDir)}:/usr/local/bin:/usr/bin:/bin ${sh(`${h.nodeBinDir}/node`)} -e ${sh(OBSERVER_JS, true)} ${sh(expected?.ecosystemPath ?? "")} ${sh(JSON.stringify(expected?.envFiles ?? {}))}`;
  return strict(script`ph=${`${h.home}/.pm2`}
` + readPm2Pid(h, "pid") + `if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
  echo daemon=up
` + `  ${pm2As(h, "jlist")} | (cd ${sh(h.home)} && ${observer})
else
  echo daemon=down
fi
for f in "$ph" "$ph"/dump.pm2*; do if [ -e "$f" ]; then stat -c 'mode %a %n' -- "$f"; fi; done
`);
}

export function parsePm2(stdout: string, home: string): Pm2Observed {
  const apps: Record<string, string> = {};
  const modes: Record<string, string> = {};
  const instances: Pm2Instance[] = [];
  const want: Record<string, Pm2Want> = {};
  let ecosystemError: string | undefined;
  for (const line of stdout.split("\n")) {
    const [tag, a, b] = line.trim().split(/\s+/);
    const json = () => JSON.parse(line.trim().slice(tag.length + 1));
    if (tag === "inst") instances.push(json() as Pm2Instance);
    if (tag === "want") {
      const { app, ...w } = json() as Pm2Want & { app: string };
      want[app] = w;
    }
    if (tag === "ecosystem") ecosystemError = String((json() as { error: string }).error);
    if (tag === "mode" && a && b) modes[b.slice(home.length + 1)] = a.padStart(4, "0");
  }
  for (const inst of instances) if (apps[inst.app] === undefined || apps[inst.app] === "online") apps[inst.app] = inst.status;
  return {
    daemon: /daemon=up/.test(stdout), apps, modes,
    ...(stdout.includes("daemon=up") ? { instances, want } : {}),
    ...(ecosystemError !== undefined ? { ecosystemError } : {}),
  };
}

/** One gap between the running processes and the ecosystem file, for one app. */
export interface Pm2Problem {
  readonly app: string;
  readonly kind: "daemon" | "ecosystem" | "missing" | "extra" | "status" | "count" | "place" | "env" | "code";
  readonly message: string;
}

/** Every gap, each as a line drift shows: `pm2:<user> <app>: …`, never a value. */
export function pm2Problems(i: Pm2Home & Pm2Expected & { readonly apps: readonly string[] }, o: Pm2Observed): Pm2Problem[] {
  const at = (app: string) => `pm2:${i.user}${app ? ` ${app}` : ""}`;
  const out: Pm2Problem[] = [];
  const add = (app: string, kind: Pm2Problem["kind"], text: string) => out.push({ app, kind, message: `${at(app)}: ${text}` });
  if (!o.daemon) {
    add("", "daemon", "the PM2 daemon is not running");
    return out;
  }
  if (o.ecosystemError) add("", "ecosystem", `${i.ecosystemPath} does not load (${o.ecosystemError})`);
  const instances = o.instances ?? [];
  for (const app of Object.keys(o.apps)) if (!i.apps.includes(app)) add(app, "extra", "not in the ecosystem");
  for (const app of i.apps) {
    const mine = instances.filter((x) => x.app === app).sort((x, y) => x.instance - y.instance);
    const w = o.want?.[app];
    if (o.instances && mine.length === 0) {
      add(app, "missing", "not running");
      continue;
    }
    const many = mine.length > 1 || (w?.instances ?? 1) > 1;
    for (const x of mine) if (x.status !== "online") add(app, "status", many ? `instance ${x.instance} is ${x.status}` : x.status);
    if (w && mine.length !== w.instances) add(app, "count", `${mine.length} of ${w.instances} instances`);
    const off = w && mine.find((x) => x.script !== w.script || x.cwd !== w.cwd);
    if (w && off) add(app, "place", `runs ${off.script} in ${off.cwd}, the ecosystem says ${w.script} in ${w.cwd}`);
    const stale = mine.find((x) => x.env === "differs");
    if (stale) add(app, "env", `environment differs from ${stale.envFrom ?? i.ecosystemPath}`);
    const old = mine.find((x) => x.code === "differs");
    if (old) add(app, "code", old.codeNote ?? "started from other code");
  }
  return out;
}
