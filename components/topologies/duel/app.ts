/**
 * How the duel server's checkout is installed, built, migrated and started (`hostform:duel.app`):
 * the runtime (bun from the npm registry, or node), the commands, and whether PM2 runs the
 * repository's own ecosystem file or one hostform generates. Pure: settings and shell text.
 */
import { script, sh } from "../../host/quote";
import type { Problems } from "../../blocks/validate";
import { migrateScript } from "./code";

export type Runtime = "bun" | "node";

export interface DuelAppSettings {
  /** What runs the server and its commands: bun (installed from the npm registry) or node. */
  readonly runtime: Runtime;
  /** The npm registry's `bun` package version (used when runtime is bun). */
  readonly bunVersion: string;
  /** Each runs as the app user in the checkout; an empty command is skipped. */
  readonly install: string;
  readonly build: string;
  /** Runs with DATABASE_URL from the secrets file. */
  readonly migrate: string;
  /** What PM2 starts (the generated ecosystem file): a program and its words, no shell. */
  readonly start: string;
  /** "repository": the checkout's own ecosystem file, checked and given hostform's settings; "generated": hostform's. */
  readonly ecosystem: "repository" | "generated";
  /** The repository's ecosystem file, relative to the checkout. */
  readonly ecosystemFile: string;
}

/**
 * The seeds' values. seeds/000 lists the steps ("Builds core packages", "Applies database
 * migrations", "Launches duel stack via PM2" from ecosystem.config.cjs) without their command
 * lines (lost in extraction); seeds/003's ecosystem runs `bun` with `run start`. The install,
 * build and migrate lines are bun's conventional ones.
 */
export const APP_DEFAULTS: DuelAppSettings = {
  runtime: "bun",
  bunVersion: "1.4.5",
  install: "bun install --frozen-lockfile",
  build: "bun run build",
  migrate: "bun run migrate",
  start: "bun run start",
  ecosystem: "repository",
  ecosystemFile: "ecosystem.config.cjs",
};

/** With `runtime: "node"`: hostform's stand-in conventions (npm ci, npm run migrate/start, no build). */
export const NODE_APP_DEFAULTS: DuelAppSettings = {
  ...APP_DEFAULTS,
  runtime: "node",
  install: "npm ci --no-audit --no-fund --loglevel=error",
  build: "",
  migrate: "npm run --silent migrate",
  start: "npm run start",
};

const COMMANDS = ["install", "build", "migrate", "start"] as const;

/** hostform:duel.app, every key defaulting to the runtime's defaults. */
export function duelAppSettings(raw: unknown, p: Problems): DuelAppSettings {
  const k = (name: string) => `hostform:duel.app.${name}`;
  if (raw !== undefined && (typeof raw !== "object" || raw === null || Array.isArray(raw))) {
    p.add(`${k("")}`.replace(/\.$/, "") + " must be an object of app settings (runtime, install, build, migrate, start, ecosystem)");
    return APP_DEFAULTS;
  }
  const v = (raw ?? {}) as Record<string, unknown>;
  const runtime = v.runtime ?? APP_DEFAULTS.runtime;
  if (runtime !== "bun" && runtime !== "node") p.add(`${k("runtime")} must be "bun" (default) or "node", got ${JSON.stringify(runtime)}`);
  const d = runtime === "node" ? NODE_APP_DEFAULTS : APP_DEFAULTS;
  const out: Record<string, unknown> = { ...d, runtime: runtime === "node" ? "node" : "bun" };
  for (const name of COMMANDS) {
    const value = v[name] ?? d[name];
    if (typeof value !== "string" || /[\n\r\0]/.test(value)) p.add(`${k(name)} must be one line of shell, or "" to skip it; got ${JSON.stringify(value)}`);
    else out[name] = value.trim();
  }
  const bunVersion = v.bunVersion ?? d.bunVersion;
  if (typeof bunVersion !== "string" || !/^\d+\.\d+\.\d+$/.test(bunVersion)) p.add(`${k("bunVersion")} must be an exact version of the npm package bun, like "${APP_DEFAULTS.bunVersion}"; got ${JSON.stringify(bunVersion)}`);
  else out.bunVersion = bunVersion;
  const ecosystem = v.ecosystem ?? d.ecosystem;
  if (ecosystem !== "repository" && ecosystem !== "generated") p.add(`${k("ecosystem")} must be "repository" (the checkout's own file, default) or "generated"; got ${JSON.stringify(ecosystem)}`);
  else out.ecosystem = ecosystem;
  const file = v.ecosystemFile ?? d.ecosystemFile;
  if (typeof file !== "string" || !/^[A-Za-z0-9_][A-Za-z0-9._/-]*\.(c?js)$/.test(file) || file.split("/").includes("..")) {
    p.add(`${k("ecosystemFile")} must be a .js or .cjs path inside the checkout, like "ecosystem.config.cjs"; got ${JSON.stringify(file)}`);
  } else out.ecosystemFile = file;
  const start = String(out.start);
  if (out.ecosystem === "generated") {
    // PM2 starts a program with its words, without a shell.
    if (!/^[A-Za-z0-9_./-]+( +[A-Za-z0-9_.:=/@-]+)*$/.test(start)) p.add(`${k("start")} must be a program and plain words without shell syntax (PM2 runs it without a shell), like "bun run start"; got ${JSON.stringify(start)}`);
  }
  const s = out as unknown as DuelAppSettings;
  if (s.runtime === "node" && COMMANDS.some((c) => /^bunx? /.test(s[c]))) p.add(`${k("runtime")} is "node" but a command runs bun: set runtime "bun", or give node commands`);
  return s;
}

/** The generated ecosystem's program and words from `start`. */
export function startCommand(app: DuelAppSettings): { script: string; args: string[] } {
  const [program, ...args] = app.start.split(/ +/);
  return { script: program, args };
}

/**
 * Shell for the code step, after checkout (variables of gitPrelude: `ws`, `secrets`, `as_user`):
 * install, build, then migrate with DATABASE_URL from the secrets file. A failure names the setting.
 */
export function appCommandsScript(app: DuelAppSettings, migrate: boolean): string {
  const step = (name: "install" | "build", cmd: string) => cmd === "" ? "" :
    script`(cd "$ws" && as_user bash -c ${cmd}) || { echo ${`hostform:duel.app.${name} failed: ${cmd}`} >&2; exit 3; }
`;
  const mig = !migrate || app.migrate === "" ? "" :
    `${migrateScript(app.migrate)} || { echo ${sh(`hostform:duel.app.migrate failed: ${app.migrate}`)} >&2; exit 3; }
`;
  return step("install", app.install) + step("build", app.build) + mig;
}
