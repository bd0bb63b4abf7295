/**
 * The duel stack's app settings (runtime, commands, ecosystem file) and the wrapper that runs a
 * repository's own ecosystem file: settings validated, the code step's shell pinned, and the
 * wrapper and the check run with node against the real-shaped fixture's ecosystem.config.cjs.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Problems } from "../../components/blocks/validate";
import { APP_DEFAULTS, appCommandsScript, duelAppSettings, startCommand } from "../../components/topologies/duel/app";
import { renderRepoEcosystem, repoEcosystemCheck } from "../../components/topologies/duel/ecosystem";
import { streamingDuelCheck, streamingDuelRun } from "../../components/topologies/duel/streaming";

const FIXTURE = path.join(__dirname, "..", "fixtures", "duel-app-bun");
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function settings(raw: unknown) {
  const p = new Problems();
  return { s: duelAppSettings(raw, p), problems: p.list };
}

describe("hostform:duel.app", () => {
  it("defaults to the seeds: bun from the npm registry, bun's commands, the repository's ecosystem.config.cjs", () => {
    expect(settings(undefined)).toEqual({ s: {
      runtime: "bun", bunVersion: "1.4.5", install: "bun install --frozen-lockfile", build: "bun run build", migrate: "bun run migrate",
      start: "bun run start", ecosystem: "repository", ecosystemFile: "ecosystem.config.cjs",
    }, problems: [] });
    expect(startCommand(APP_DEFAULTS)).toEqual({ script: "bun", args: ["run", "start"] });
  });

  it("runtime node takes the stand-in's npm commands unless given", () => {
    const { s, problems } = settings({ runtime: "node", ecosystem: "generated", build: "npm run build" });
    expect(problems).toEqual([]);
    expect(s).toMatchObject({ runtime: "node", install: "npm ci --no-audit --no-fund --loglevel=error", build: "npm run build", migrate: "npm run --silent migrate", start: "npm run start", ecosystem: "generated" });
  });

  it("lists every bad key with its fix", () => {
    expect(settings({ runtime: "deno", bunVersion: "latest", install: "a\nb", ecosystem: "mine", ecosystemFile: "../eco.js" }).problems).toEqual([
      'hostform:duel.app.runtime must be "bun" (default) or "node", got "deno"',
      'hostform:duel.app.install must be one line of shell, or "" to skip it; got "a\\nb"',
      'hostform:duel.app.bunVersion must be an exact version of the npm package bun, like "1.4.5"; got "latest"',
      'hostform:duel.app.ecosystem must be "repository" (the checkout\'s own file, default) or "generated"; got "mine"',
      'hostform:duel.app.ecosystemFile must be a .js or .cjs path inside the checkout, like "ecosystem.config.cjs"; got "../eco.js"',
    ]);
    expect(settings({ ecosystem: "generated", start: "bun run start && rm -rf /" }).problems).toEqual([
      'hostform:duel.app.start must be a program and plain words without shell syntax (PM2 runs it without a shell), like "bun run start"; got "bun run start && rm -rf /"',
    ]);
    expect(settings({ runtime: "node", start: "bun run start" }).problems).toEqual(['hostform:duel.app.runtime is "node" but a command runs bun: set runtime "bun", or give node commands']);
  });

  it("the code step runs install, build and migrate as the app user (DATABASE_URL on stdin, never sourced or on a command line), and names the failing setting", () => {
    expect(appCommandsScript(APP_DEFAULTS, true)).toBe(`(cd "$ws" && as_user bash -c 'bun install --frozen-lockfile') || { echo 'hostform:duel.app.install failed: bun install --frozen-lockfile' >&2; exit 3; }
(cd "$ws" && as_user bash -c 'bun run build') || { echo 'hostform:duel.app.build failed: bun run build' >&2; exit 3; }
env_value "$secrets" DATABASE_URL | (cd "$ws" && as_user bash -c 'IFS= read -r DATABASE_URL || [ -n "$DATABASE_URL" ]; export DATABASE_URL; exec bash -c "$1"' migrate 'bun run migrate') || { echo 'hostform:duel.app.migrate failed: bun run migrate' >&2; exit 3; }
`);
    expect(appCommandsScript({ ...APP_DEFAULTS, build: "" }, false)).toBe(`(cd "$ws" && as_user bash -c 'bun install --frozen-lockfile') || { echo 'hostform:duel.app.install failed: bun install --frozen-lockfile' >&2; exit 3; }
`);
  });
});

/** A checkout holding the fixture's ecosystem.config.cjs (or `text`), and a secrets file. */
function checkout(text?: string) {
  const dir = mkdtempSync(path.join(tmpdir(), "hostform-eco-"));
  dirs.push(dir);
  cpSync(path.join(FIXTURE, "ecosystem.config.cjs"), path.join(dir, "ecosystem.config.cjs"));
  if (text !== undefined) writeFileSync(path.join(dir, "ecosystem.config.cjs"), text);
  writeFileSync(path.join(dir, "secrets.env"), "ADMIN_CODE='from-secrets'\nPORT=1\n");
  const wrapper = path.join(dir, "wrapper.js");
  writeFileSync(wrapper, renderRepoEcosystem({ file: path.join(dir, "ecosystem.config.cjs"), cwd: dir, app: "duel-arena", env: { PORT: "5555", STREAMING_DUEL_ENABLED: "true" }, secretsFile: path.join(dir, "secrets.env") }));
  return { dir, wrapper };
}

const load = (file: string) => spawnSync(process.execPath, ["-e", "console.log(JSON.stringify(require(process.argv[1])))", file], { encoding: "utf8" });

describe("the repository's ecosystem file through hostform's wrapper", () => {
  it("keeps the repository's apps and gives them hostform's settings, then the secrets", () => {
    const { dir, wrapper } = checkout();
    const r = load(wrapper);
    expect(r.status, r.stderr).toBe(0);
    const [app] = JSON.parse(r.stdout).apps;
    expect(app).toMatchObject({ name: "duel-arena", script: "bun", args: "run start", cwd: dir, autorestart: true, restart_delay: 10000, exp_backoff_restart_delay: 2000 });
    expect(app.env).toMatchObject({ DISPLAY: ":99", STREAMING_DUEL_ENABLED: "true", PORT: "1", ADMIN_CODE: "from-secrets" });
  });

  it.each([
    ["no duel-arena app", `module.exports = { apps: [{ name: "web", script: "bun" }] };`, 'no app named "duel-arena" (it has ["web"]): hostform\'s health checks and graceful restart address that app'],
    ["autorestart off", `module.exports = { apps: [{ name: "duel-arena", script: "bun", autorestart: false }] };`, "duel-arena: autorestart is false: the graceful restart (seeds/003) exits the server and needs PM2 to start it again"],
    ["STREAMING_DUEL_ENABLED off", `module.exports = { apps: [{ name: "duel-arena", script: "bun", env: { STREAMING_DUEL_ENABLED: "false" } }] };`, 'duel-arena: env STREAMING_DUEL_ENABLED is "false": without true a restart does not wait for the duel (seeds/003); remove it or set it to \'true\''],
  ])("refuses a file with %s, in the wrapper and in the code step", (_what, text, problem) => {
    const { dir, wrapper } = checkout(text);
    const r = load(wrapper);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`${path.join(dir, "ecosystem.config.cjs")}: ${problem}`);
    const check = spawnSync("bash", ["-c", `set -euo pipefail; ws=${dir}; as_user() { "$@"; }\n${repoEcosystemCheck("ecosystem.config.cjs", "duel-arena", process.execPath)}`], { encoding: "utf8" });
    expect(check.status).toBe(3);
    expect(check.stderr).toBe(`ecosystem.config.cjs: ${problem}\n`);
  });

  it("the code step passes the fixture's file, and names the fix when the checkout has none", () => {
    const { dir } = checkout();
    const run = (file: string) => spawnSync("bash", ["-c", `set -euo pipefail; ws=${dir}; as_user() { "$@"; }\n${repoEcosystemCheck(file, "duel-arena", process.execPath)}`], { encoding: "utf8" });
    expect(run("ecosystem.config.cjs").status).toBe(0);
    const missing = run("pm2.config.cjs");
    expect([missing.status, missing.stderr]).toEqual([3, 'hostform:duel.app.ecosystem is "repository" but the checkout has no pm2.config.cjs: add it, or set hostform:duel.app.ecosystem to "generated"\n']);
    expect(readFileSync(path.join(dir, "ecosystem.config.cjs"), "utf8")).toContain('STREAMING_DUEL_ENABLED: "true"');
  });
});

describe("STREAMING_DUEL_ENABLED read back from the running server", () => {
  const h = { user: "root", home: "/root", pm2Bin: "/opt/hostform/pm2/lib/node_modules/pm2/bin/pm2", nodeBinDir: "/opt/hostform/node/bin" };
  it("reads that one variable of the app's process, without starting a PM2 daemon", () => {
    expect(streamingDuelCheck(h, "duel-arena")).toBe(`daemon=$(runuser -u root -- timeout 5 head -c 32 -- /root/.pm2/pm2.pid 2>/dev/null || :)
case "$daemon" in *[!0-9]*) daemon="" ;; esac
[ -n "$daemon" ] && kill -0 "$daemon" 2>/dev/null || exit 1
pid=$( (umask 077 && cd /root && exec runuser -u root -- env PM2_HOME=/root/.pm2 PATH=/opt/hostform/node/bin:/usr/local/bin:/usr/bin:/bin /opt/hostform/pm2/lib/node_modules/pm2/bin/pm2 pid duel-arena) 2>/dev/null | tail -n 1 || :)
{ [[ "$pid" =~ ^[0-9]+$ ]] && [ "$(stat -c %u "/proc/$pid" 2>/dev/null)" = "$(id -u root)" ] && [ -r "/proc/$pid/environ" ]; } || exit 1
tr '\\0' '\\n' < "/proc/$pid/environ" | grep -qx 'STREAMING_DUEL_ENABLED=true'
`);
  });

  it("the run checks again, else fails saying why", () => {
    const run = streamingDuelRun(h, "duel-arena", "/root/ecosystem.config.js");
    expect(run.startsWith(`if (\n${streamingDuelCheck(h, "duel-arena")}); then exit 0; fi\n`)).toBe(true);
    expect(run.slice(run.indexOf("fi\n") + 3)).toBe(`echo 'duel-arena runs without STREAMING_DUEL_ENABLED=true, so a graceful restart would not wait for the duel (seeds/003): hostform sets it in /root/ecosystem.config.js; check that the app'\\''s start command keeps its environment, then run up again' >&2
exit 1
`);
  });
});
