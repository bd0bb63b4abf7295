/** PM2 under systemd (runbook: Process Manager) and the ecosystem file that defines its apps. */
import { LOAD_ENV_JS } from "../secrets/envfile";
import { isNonNegativeInt, isPlainPath, isPositiveInt, isUserName, Problems, show } from "../validate";

/** Where the PM2 block installs pm2 (the same on every topology), and its command. */
export const PM2_PREFIX = "/opt/hostform/pm2";
export const PM2_BIN = `${PM2_PREFIX}/lib/node_modules/pm2/bin/pm2`;

export interface Pm2UnitArgs {
  /** The user PM2 runs as ("ubuntu"). */
  readonly user: string;
  /** That user's home; PM2_HOME is <home>/.pm2 ("/home/ubuntu"). */
  readonly home: string;
  /** The pm2 executable, e.g. "/usr/local/lib/node_modules/pm2/bin/pm2". */
  readonly pm2Bin: string;
  /** The directory holding `node`, put first on PATH so PM2 and its apps find it. */
  readonly nodeBinDir: string;
  /** Extra units this one Requires= and starts After=, e.g. "xvfb.service" (none). */
  readonly requires?: readonly string[];
  /** MemoryMax= of the unit (cgroup limit on PM2 and every process under it): "80%", "3G", "infinity"; unset: none. */
  readonly memoryMax?: string;
  /** OOMPolicy= of the unit: what systemd does when the kernel OOM-kills one of its processes; unset: systemd's default (stop). */
  readonly oomPolicy?: "continue" | "stop" | "kill";
}

const UNIT = /^[A-Za-z0-9@_.:-]+\.(service|socket|timer|target|path|mount)$/;

export const pm2UnitName = (user: string): string => `pm2-${user}.service`;

/**
 * The text `pm2 startup systemd -u <user> --hp <home>` writes, from pm2's
 * lib/templates/init-scripts/systemd.tpl (the Type=forking template of pm2 5.x) with
 * Restart=on-failure, as units generated in the field carry it: the June 2026 OOM kill left
 * pm2-ubuntu failed until someone restarted it by hand.
 */
export function renderPm2SystemdUnit(a: Pm2UnitArgs): string {
  const requires = a.requires ?? [];
  const p = new Problems();
  p.check(isUserName(a.user), `user ${show(a.user)} is not a user name: give a Debian user name like "ubuntu"`);
  for (const key of ["home", "pm2Bin", "nodeBinDir"] as const) {
    p.check(isPlainPath(a[key]), `${key} ${show(a[key])} must be an absolute path of [A-Za-z0-9._+@/-] without "." or ".." segments`);
  }
  for (const unit of requires) {
    p.check(typeof unit === "string" && UNIT.test(unit), `requires: ${show(unit)} is not a unit name: give names like "xvfb.service"`);
  }
  if (a.memoryMax !== undefined) {
    p.check(typeof a.memoryMax === "string" && /^((100|[1-9][0-9]?)%|[1-9][0-9]*[KMGT]?|infinity)$/.test(a.memoryMax), `memoryMax ${show(a.memoryMax)} must be like "80%", "3G" or "infinity"`);
  }
  if (a.oomPolicy !== undefined) p.check(["continue", "stop", "kill"].includes(a.oomPolicy), `oomPolicy ${show(a.oomPolicy)} must be "continue", "stop" or "kill"`);
  p.done("renderPm2SystemdUnit");
  const memory = (a.memoryMax !== undefined ? `MemoryMax=${a.memoryMax}\n` : "") + (a.oomPolicy !== undefined ? `OOMPolicy=${a.oomPolicy}\n` : "");
  const pm2Home = a.home === "/" ? "/.pm2" : `${a.home.replace(/\/+$/, "")}/.pm2`;
  return `[Unit]
Description=PM2 process manager
Documentation=https://pm2.keymetrics.io/
After=${["network.target", ...requires].join(" ")}
${requires.length > 0 ? `Requires=${requires.join(" ")}\n` : ""}
[Service]
Type=forking
User=${a.user}
LimitNOFILE=infinity
LimitNPROC=infinity
LimitCORE=infinity
Environment=PATH=${a.nodeBinDir}:/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin
Environment=PM2_HOME=${pm2Home}
PIDFile=${pm2Home}/pm2.pid
Restart=on-failure
${memory}
ExecStart=${a.pm2Bin} resurrect
ExecReload=${a.pm2Bin} reload all
ExecStop=${a.pm2Bin} kill

[Install]
WantedBy=multi-user.target
`;
}

export interface Pm2App {
  readonly name: string;
  /** Absolute working directory. */
  readonly cwd: string;
  /** What PM2 starts: a file under cwd, or a command on PATH such as "npm". */
  readonly script: string;
  readonly args?: readonly string[];
  /** Plain, non-secret settings; written into the ecosystem file. */
  readonly env: Readonly<Record<string, string>>;
  /** A KEY=VALUE file read when PM2 loads the config; its values win over `env` and stay out of the ecosystem file. */
  readonly envFile?: string;
  readonly instances?: number | "max";
  readonly execMode?: "fork" | "cluster";
  readonly autorestart?: boolean;
  readonly restartDelay?: number;
  readonly expBackoffRestartDelay?: number;
  /** e.g. "1G", "512M". */
  readonly maxMemoryRestart?: string;
  /** How long an app must stay up to count as started ("10s", or milliseconds). */
  readonly minUptime?: string | number;
  /** Unstable restarts (shorter than minUptime) before PM2 gives up on the app. */
  readonly maxRestarts?: number;
  /** Milliseconds between SIGINT and SIGKILL on stop and reload. */
  readonly killTimeout?: number;
  /** Milliseconds a starting worker may take to listen before it counts as ready anyway. */
  readonly listenTimeout?: number;
  /** Absolute log paths: all output (logFile), stdout (outFile), stderr (errorFile). */
  readonly logFile?: string;
  readonly outFile?: string;
  readonly errorFile?: string;
  /** Prefix each log line with a timestamp in this moment.js format ("YYYY-MM-DD HH:mm:ss Z"). */
  readonly logDateFormat?: string;
  /** One log file for all of a cluster's workers instead of one per worker id. */
  readonly mergeLogs?: boolean;
  /** Restart on file changes: off in production. */
  readonly watch?: boolean;
}

const APP_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const ENV_KEY = /^[A-Z_][A-Z0-9_]*$/;

function checkApp(p: Problems, app: Pm2App, seen: Set<string>): void {
  const at = `app ${show(app.name)}`;
  p.check(typeof app.name === "string" && APP_NAME.test(app.name), `${at}: the name must be [A-Za-z0-9._-], starting with a letter or digit`);
  p.check(!seen.has(app.name), `${at}: the name is used twice: PM2 identifies apps by name`);
  seen.add(app.name);
  p.check(isPlainPath(app.cwd), `${at}: cwd ${show(app.cwd)} must be an absolute path of [A-Za-z0-9._+@/-]`);
  p.check(typeof app.script === "string" && app.script.trim() !== "" && !/[\n\r\0]/.test(app.script), `${at}: script must be a non-empty single line`);
  for (const arg of app.args ?? []) p.check(typeof arg === "string" && !/\0/.test(arg), `${at}: args holds ${show(arg)}, not a string`);
  for (const [key, value] of Object.entries(app.env)) {
    p.check(ENV_KEY.test(key), `${at}: env key ${show(key)} must match ${ENV_KEY}`);
    p.check(typeof value === "string", `${at}: env ${key} must be a string, not ${show(value)}`);
  }
  if (app.envFile !== undefined) p.check(isPlainPath(app.envFile), `${at}: envFile ${show(app.envFile)} must be an absolute path of [A-Za-z0-9._+@/-]`);
  if (app.instances !== undefined) p.check(app.instances === "max" || isPositiveInt(app.instances), `${at}: instances must be a positive integer or "max"`);
  if (app.execMode !== undefined) p.check(app.execMode === "fork" || app.execMode === "cluster", `${at}: execMode must be "fork" or "cluster"`);
  if (app.autorestart !== undefined) p.check(typeof app.autorestart === "boolean", `${at}: autorestart must be true or false`);
  for (const key of ["restartDelay", "expBackoffRestartDelay"] as const) {
    if (app[key] !== undefined) p.check(isNonNegativeInt(app[key]), `${at}: ${key} must be a whole number of milliseconds`);
  }
  if (app.maxMemoryRestart !== undefined) p.check(/^[1-9][0-9]*[KMG]?$/.test(app.maxMemoryRestart), `${at}: maxMemoryRestart ${show(app.maxMemoryRestart)} must look like "512M" or "1G"`);
  if (app.minUptime !== undefined) p.check(isNonNegativeInt(app.minUptime) || (typeof app.minUptime === "string" && /^[1-9][0-9]*(ms|s|m|h)$/.test(app.minUptime)), `${at}: minUptime ${show(app.minUptime)} must be milliseconds or look like "10s"`);
  if (app.maxRestarts !== undefined) p.check(isNonNegativeInt(app.maxRestarts), `${at}: maxRestarts must be a whole number`);
  for (const key of ["killTimeout", "listenTimeout"] as const) {
    if (app[key] !== undefined) p.check(isNonNegativeInt(app[key]), `${at}: ${key} must be a whole number of milliseconds`);
  }
  for (const key of ["logFile", "outFile", "errorFile"] as const) {
    if (app[key] !== undefined) p.check(isPlainPath(app[key]), `${at}: ${key} ${show(app[key])} must be an absolute path of [A-Za-z0-9._+@/-]`);
  }
  if (app.logDateFormat !== undefined) p.check(typeof app.logDateFormat === "string" && /^[A-Za-z0-9 :.,_/+-]+$/.test(app.logDateFormat), `${at}: logDateFormat ${show(app.logDateFormat)} must be a moment.js format like "YYYY-MM-DD HH:mm:ss Z"`);
  for (const key of ["mergeLogs", "watch"] as const) {
    if (app[key] !== undefined) p.check(typeof app[key] === "boolean", `${at}: ${key} must be true or false`);
  }
}

const json = (value: unknown): string => JSON.stringify(value);

function renderApp(app: Pm2App): string {
  const env = Object.keys(app.env).length === 0
    ? "{}"
    : `{\n${Object.entries(app.env).map(([k, v]) => `        ${json(k)}: ${json(v)},`).join("\n")}\n      }`;
  const fields: [string, string | undefined][] = [
    ["name", json(app.name)],
    ["cwd", json(app.cwd)],
    ["script", json(app.script)],
    ["args", app.args !== undefined ? json(app.args) : undefined],
    ["instances", app.instances !== undefined ? json(app.instances) : undefined],
    ["exec_mode", app.execMode !== undefined ? json(app.execMode) : undefined],
    ["autorestart", app.autorestart !== undefined ? json(app.autorestart) : undefined],
    ["restart_delay", app.restartDelay !== undefined ? json(app.restartDelay) : undefined],
    ["exp_backoff_restart_delay", app.expBackoffRestartDelay !== undefined ? json(app.expBackoffRestartDelay) : undefined],
    ["max_memory_restart", app.maxMemoryRestart !== undefined ? json(app.maxMemoryRestart) : undefined],
    ["min_uptime", app.minUptime !== undefined ? json(app.minUptime) : undefined],
    ["max_restarts", app.maxRestarts !== undefined ? json(app.maxRestarts) : undefined],
    ["kill_timeout", app.killTimeout !== undefined ? json(app.killTimeout) : undefined],
    ["listen_timeout", app.listenTimeout !== undefined ? json(app.listenTimeout) : undefined],
    ["log_file", app.logFile !== undefined ? json(app.logFile) : undefined],
    ["out_file", app.outFile !== undefined ? json(app.outFile) : undefined],
    ["error_file", app.errorFile !== undefined ? json(app.errorFile) : undefined],
    ["log_date_format", app.logDateFormat !== undefined ? json(app.logDateFormat) : undefined],
    ["merge_logs", app.mergeLogs !== undefined ? json(app.mergeLogs) : undefined],
    ["watch", app.watch !== undefined ? json(app.watch) : undefined],
    ["env", app.envFile !== undefined ? `Object.assign({}, ${env}, loadEnv(${json(app.envFile)}))` : env],
  ];
  const body = fields.filter(([, v]) => v !== undefined).map(([k, v]) => `      ${k}: ${v},`).join("\n");
  return `    {\n${body}\n    },`;
}

/** The text of ecosystem.config.js for `pm2 start ecosystem.config.js`. */
export function renderEcosystem(apps: readonly Pm2App[]): string {
  const p = new Problems();
  p.check(apps.length > 0, "no apps: give at least one");
  const seen = new Set<string>();
  for (const app of apps) checkApp(p, app, seen);
  p.done("renderEcosystem");
  // Once, when an app has an envFile: PM2 does not inherit variables exported in a shell, and a
  // file keeps secrets out of the ecosystem file. The loader is the env file writer's own
  // (secrets/envfile.ts), so values arrive byte-exact.
  const loader = apps.some((app) => app.envFile !== undefined) ? `const fs = require("fs");\n\n${LOAD_ENV_JS}\n` : "";
  return `// Written by hostform; changes made on the host are replaced on the next run.
"use strict";
${loader ? "\n" + loader : "\n"}module.exports = {
  apps: [
${apps.map(renderApp).join("\n")}
  ],
};
`;
}
