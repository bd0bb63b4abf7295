/**
 * The MetaHuman OS topology's settings (stack key `hostform:metahuman`): one DEFAULTS object with
 * the values of seeds/002 (the PM2 implementation plan: its ecosystem.config.js, start-pm2 and
 * stop-pm2), and the validation that turns a stack's object into settings.
 */
import { NODE_DEFAULTS, type NodeRuntime, nodeSettings } from "../../blocks/base/node";
import { type Agent, AGENT_NAME } from "../../blocks/init/agents";
import { PM2_VERSION } from "../../blocks/pm2/pm2";
import { checkKnownKeys, isPlainPath, type Problems, settingsReader } from "../../blocks/validate";

/** The web app under PM2: the plan's `metahuman-web`. */
export interface WebSettings {
  readonly script: string;
  readonly cwd: string;
  readonly nodeEnv: string;
  readonly port: number;
  readonly execMode: "cluster" | "fork";
  readonly instances: number | "max";
  readonly maxMemoryRestart: string;
  readonly minUptime: string;
  readonly maxRestarts: number;
  readonly restartDelay: number;
  readonly killTimeout: number;
  readonly listenTimeout: number;
  readonly logDir: string;
  readonly logDateFormat: string;
  readonly mergeLogs: boolean;
  readonly watch: boolean;
}

/** Every setting of the MetaHuman OS topology. */
export interface MetahumanSettings extends WebSettings {
  readonly repo: string;
  readonly ref: string;
  /** Rollback: a commit of `ref`'s history deployed instead of its newest. */
  readonly commit?: string;
  readonly appUser: string;
  /** The checkout (the plan's REPO_ROOT), absolute. */
  readonly checkout: string;
  readonly node: NodeRuntime;
  readonly pm2Version: string;
  readonly pnpmVersion: string;
  /** The enabled agents, in DEFAULTS order then the stack's own. */
  readonly agents: readonly Agent[];
  readonly logRotate: { readonly keep: number; readonly period: "daily" | "weekly" | "monthly"; readonly maxSize?: string };
  readonly healthTimeoutSeconds: number;
}

/** The plan's values; `repo` has none (required). */
export const DEFAULTS = {
  ref: "main",
  /** The user owning the checkout and running PM2 and the agents. */
  appUser: "metahuman",
  /** The checkout, under the app user's home unless absolute. */
  checkout: "metahuman",
  node: NODE_DEFAULTS,
  pm2Version: PM2_VERSION,
  /** pnpm from the npm registry: the version MetaHuman OS names in its packageManager field. */
  pnpmVersion: "10.15.1",
  // The web app, as the plan's ecosystem.config.js has it.
  script: "dist/server/entry.mjs",
  cwd: "apps/site",
  nodeEnv: "production",
  port: 4321,
  execMode: "cluster",
  /** Phase 1 of the plan: one worker, PM2 without clustering's risks; "max" is phase 2. */
  instances: 1,
  maxMemoryRestart: "1G",
  minUptime: "10s",
  maxRestarts: 10,
  restartDelay: 4000,
  killTimeout: 5000,
  listenTimeout: 10000,
  /** combined.log, out.log and error.log here, under the checkout. */
  logDir: "logs/pm2",
  logDateFormat: "YYYY-MM-DD HH:mm:ss Z",
  mergeLogs: true,
  watch: false,
  /**
   * The processes the plan keeps outside PM2 (file locks, single instance), one systemd unit each.
   * The plan's start-pm2 runs the terminal, voice and tunnel scripts with `|| true`: optional.
   */
  agents: {
    "scheduler-service": { command: "bin/mh start", optional: false, enabled: true },
    "audio-organizer": { command: "bin/mh agent audio-organizer", optional: false, enabled: true },
    "terminal-server": { command: "bin/start-terminal", optional: true, enabled: true },
    "voice-server": { command: "bin/start-voice-server", optional: true, enabled: true },
    /** Needs CLOUDFLARE_TUNNEL_TOKEN in hostform:metahumanEnv. */
    "cloudflare-tunnel": { command: "bin/start-cloudflare", optional: true, enabled: false },
  },
  /** PM2's logrotate template: 12 rotations, weekly. */
  logRotate: { keep: 12, period: "weekly" },
  healthTimeoutSeconds: 90,
} as const;

/** Every key of hostform:metahuman: DEFAULTS' and the two without a default. */
const KEYS = ["repo", "commit", ...Object.keys(DEFAULTS)];

const REL = /^[A-Za-z0-9._+@-][A-Za-z0-9._+@/-]*$/;
const relative = (path: string) => REL.test(path) && path.split("/").every((s) => s !== "." && s !== ".." && s !== "");

/** hostform:metahuman, every key defaulting to DEFAULTS; problems name the key and the fix. */
export function metahumanSettings(v: Record<string, unknown>, p: Problems): MetahumanSettings {
  const { k, str, int, repo, ref } = settingsReader("hostform:metahuman", v, p);
  const bool = (name: string, fallback: boolean): boolean => {
    const value = v[name] ?? fallback;
    if (typeof value !== "boolean") p.add(`${k(name)} must be true or false, got ${JSON.stringify(value)}`);
    return value === true;
  };
  const rel = (name: string, fallback: string, what: string): string => {
    const value = str(name, fallback, /^[^\s'"$%\\]+$/, what);
    if (!relative(value)) p.add(`${k(name)} must be ${what}, got ${JSON.stringify(value)}`);
    return value;
  };
  checkKnownKeys(p, "hostform:metahuman", v, KEYS);
  // Astro's SSR server (the plan's web app) needs Node.js 18.17 or newer; 20 is the default.
  const node = nodeSettings(v.node, k("node"), p, { re: /^(1[89]|[2-9][0-9])\.\d+\.\d+$/, what: 'a full Node.js version from 18 on like "20.20.2"' });
  const appUser = str("appUser", DEFAULTS.appUser, /^[a-z_][a-z0-9_-]*$/, "a user name");
  const checkout = str("checkout", DEFAULTS.checkout, /^[A-Za-z0-9._+@/-]+$/, "a folder under the app user's home, or an absolute path");
  const home = appUser === "root" ? "/root" : `/home/${appUser}`;
  const checkoutPath = checkout.startsWith("/") ? checkout : `${home}/${checkout}`;
  // Root walks and creates the checkout's parents: a `..` would take it out of where it was said to be.
  if (/^[A-Za-z0-9._+@/-]+$/.test(checkout) && (!isPlainPath(checkoutPath) || checkoutPath.endsWith("/"))) {
    p.add(`${k("checkout")} must be a plain path without "." or ".." segments and no trailing "/" (like "metahuman" or "/srv/metahuman"), got ${JSON.stringify(checkout)}`);
  }
  const instances = v.instances ?? DEFAULTS.instances;
  if (instances !== "max" && !(Number.isInteger(instances) && (instances as number) >= 1 && (instances as number) <= 64)) {
    p.add(`${k("instances")} must be a number of workers from 1 to 64, or "max" (one per CPU), got ${JSON.stringify(instances)}`);
  }
  const commit = v.commit;
  if (commit !== undefined && !(typeof commit === "string" && /^[0-9a-f]{7,40}$/.test(commit))) {
    p.add(`${k("commit")} must be a commit id of ref's history (7 to 40 hex digits, e.g. from git log), or unset for ref's newest, got ${JSON.stringify(commit)}`);
  }
  const settings: MetahumanSettings = {
    repo: repo("repo", "MetaHuman OS's git remote"),
    ref: ref("ref", DEFAULTS.ref),
    ...(typeof commit === "string" ? { commit } : {}),
    appUser,
    checkout: checkoutPath,
    node,
    pm2Version: str("pm2Version", DEFAULTS.pm2Version, /^\d+\.\d+\.\d+$/, "an exact pm2 version"),
    pnpmVersion: str("pnpmVersion", DEFAULTS.pnpmVersion, /^\d+\.\d+\.\d+$/, "an exact pnpm version"),
    script: rel("script", DEFAULTS.script, "a path under cwd like \"dist/server/entry.mjs\""),
    cwd: rel("cwd", DEFAULTS.cwd, "a folder of the checkout like \"apps/site\""),
    nodeEnv: str("nodeEnv", DEFAULTS.nodeEnv, /^[A-Za-z0-9._-]+$/, "a NODE_ENV value like \"production\""),
    port: int("port", DEFAULTS.port, 1, 65535),
    execMode: str("execMode", DEFAULTS.execMode, /^(cluster|fork)$/, '"cluster" (zero-downtime reloads) or "fork"') as "cluster" | "fork",
    instances: instances as number | "max",
    maxMemoryRestart: str("maxMemoryRestart", DEFAULTS.maxMemoryRestart, /^[1-9][0-9]*[KMG]$/, 'a size like "1G" or "512M"'),
    minUptime: str("minUptime", DEFAULTS.minUptime, /^[1-9][0-9]*(ms|s|m)$/, 'a duration like "10s"'),
    maxRestarts: int("maxRestarts", DEFAULTS.maxRestarts, 0, 1000),
    restartDelay: int("restartDelay", DEFAULTS.restartDelay, 0, 600_000),
    killTimeout: int("killTimeout", DEFAULTS.killTimeout, 0, 600_000),
    listenTimeout: int("listenTimeout", DEFAULTS.listenTimeout, 0, 600_000),
    logDir: rel("logDir", DEFAULTS.logDir, "a folder of the checkout like \"logs/pm2\""),
    logDateFormat: str("logDateFormat", DEFAULTS.logDateFormat, /^[A-Za-z0-9 :.,_/+-]+$/, 'a moment.js format like "YYYY-MM-DD HH:mm:ss Z"'),
    mergeLogs: bool("mergeLogs", DEFAULTS.mergeLogs),
    watch: bool("watch", DEFAULTS.watch),
    agents: agents(v.agents, k("agents"), p),
    logRotate: logRotate(v.logRotate, k("logRotate"), p),
    healthTimeoutSeconds: int("healthTimeoutSeconds", DEFAULTS.healthTimeoutSeconds, 5, 1800),
  };
  if (settings.execMode !== "cluster" && settings.instances !== 1) p.add(`${k("instances")} above 1 needs ${k("execMode")} "cluster": workers share the port only in cluster mode`);
  return settings;
}

/** DEFAULTS.agents with the stack's changes per agent (command, optional, enabled, pidFile), and new agents. */
function agents(value: unknown, key: string, p: Problems): Agent[] {
  const given = (value ?? {}) as Record<string, Record<string, unknown>>;
  if (typeof given !== "object" || Array.isArray(given)) {
    p.add(`${key} must be an object of agent name → {command, optional, enabled}`);
    return [];
  }
  const defaults = DEFAULTS.agents as Readonly<Record<string, { command: string; optional: boolean; enabled: boolean }>>;
  const out: Agent[] = [];
  for (const name of [...Object.keys(defaults), ...Object.keys(given).filter((n) => !(n in defaults))]) {
    if (given[name] !== undefined && (typeof given[name] !== "object" || given[name] === null || Array.isArray(given[name]))) {
      p.add(`${key}.${name} must be an object like {enabled: false} or {command: "bin/x", optional: true}, got ${JSON.stringify(given[name])}`);
      continue;
    }
    const a = { ...defaults[name], ...given[name] } as Record<string, unknown>;
    if (!AGENT_NAME.test(name)) p.add(`${key}: ${JSON.stringify(name)} is not an agent name: use [a-z0-9-] (the unit is metahuman-<name>.service)`);
    if (typeof a.command !== "string" || !/^[A-Za-z0-9._+@/=:,-]+( [A-Za-z0-9._+@/=:,-]+)*$/.test(a.command)) {
      p.add(`${key}.${name}.command must be a command line of plain words (no quotes, $ or %), relative to the checkout like "bin/mh start", got ${JSON.stringify(a.command)}`);
    }
    for (const flag of ["optional", "enabled"]) {
      if (a[flag] !== undefined && typeof a[flag] !== "boolean") p.add(`${key}.${name}.${flag} must be true or false, got ${JSON.stringify(a[flag])}`);
    }
    if (a.pidFile !== undefined && !(typeof a.pidFile === "string" && /^[A-Za-z0-9._+@/-]+$/.test(a.pidFile))) p.add(`${key}.${name}.pidFile must be a path (relative to the checkout) of the pid a daemonizing start script writes`);
    if (a.enabled === false) continue;
    out.push({ name, command: String(a.command), optional: a.optional === true, ...(typeof a.pidFile === "string" ? { pidFile: a.pidFile } : {}) });
  }
  return out;
}

function logRotate(value: unknown, key: string, p: Problems): MetahumanSettings["logRotate"] {
  const r = { ...DEFAULTS.logRotate, ...(value as object | undefined) } as Record<string, unknown>;
  if (!Number.isInteger(r.keep) || (r.keep as number) < 1 || (r.keep as number) > 1000) p.add(`${key}.keep must be a whole number of rotated files from 1 to 1000, got ${JSON.stringify(r.keep)}`);
  if (!["daily", "weekly", "monthly"].includes(r.period as string)) p.add(`${key}.period must be "daily", "weekly" or "monthly", got ${JSON.stringify(r.period)}`);
  if (r.maxSize !== undefined && !(typeof r.maxSize === "string" && /^[1-9][0-9]*[kMG]?$/.test(r.maxSize))) p.add(`${key}.maxSize must be a size like "10M", or unset, got ${JSON.stringify(r.maxSize)}`);
  return { keep: r.keep as number, period: r.period as "daily" | "weekly" | "monthly", ...(typeof r.maxSize === "string" ? { maxSize: r.maxSize } : {}) };
}
