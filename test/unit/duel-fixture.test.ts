/**
 * The stand-in duel server (test/fixtures/duel-app) that the e2e tests publish: its duel cycle,
 * the graceful restart API, health and streaming state, and its migration runner. Runs a temp
 * copy on loopback, on a port it picks itself (PORT=0, printed at start). migrate.js runs
 * against a fake psql on PATH: no database here.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const FIXTURE = path.join(__dirname, "..", "fixtures", "duel-app");
const CYCLE = ["MATCHMAKING", "COUNTDOWN", "FIGHTING", "RESOLUTION", "IDLE"];
const ADMIN_CODE = "fixture-admin-code";
const SECRETS = {
  ADMIN_CODE,
  DATABASE_URL: "postgresql://duel:fixture-db-password@localhost:5432/hyperscape",
  TWITCH_STREAM_KEY: "live_fixture_twitch_key",
  KICK_STREAM_KEY: "sk_fixture_kick_key",
  YOUTUBE_RTMP_STREAM_KEY: "fixture-youtube-key",
};

interface Exit { code: number | null; signal: string | null; at: number }
interface Server { child: ChildProcess; port: number; pid: number; output: () => string; exited: Promise<Exit> }

let root: string;
let app: string;
const servers: Server[] = [];

/** Starts `node server.js` and resolves once it prints the loopback port it listens on. */
function start(env: Record<string, string>, cwd = app): Promise<Server> {
  const child = spawn(process.execPath, ["server.js"], {
    cwd, env: { PATH: process.env.PATH ?? "", HOST: "127.0.0.1", PORT: "0", ...env }, stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<Exit>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal, at: Date.now() })));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening on" line within 10 s:\n${output}`)), 10_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      const match = /listening on 127\.0\.0\.1:(\d+) \(pid (\d+)\)/.exec(output);
      if (match) {
        clearTimeout(timer);
        const server = { child, port: Number(match[1]), pid: Number(match[2]), output: () => output, exited };
        servers.push(server);
        resolve(server);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    void exited.then(({ code }) => { clearTimeout(timer); reject(new Error(`exited (${code}) before listening:\n${output}`)); });
  });
}

/** SIGTERM, then SIGKILL if the server has not exited within 5 s. */
async function stop(server: Server): Promise<Exit> {
  if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill("SIGTERM");
  const kill = setTimeout(() => server.child.kill("SIGKILL"), 5_000);
  try {
    return await server.exited;
  } finally {
    clearTimeout(kill);
  }
}

/** The exit, or a failure after `ms`. */
function exitWithin(server: Server, ms: number): Promise<Exit> {
  return Promise.race([server.exited, new Promise<Exit>((_, reject) => setTimeout(() => reject(new Error(`still running after ${ms} ms`)), ms))]);
}

const call = (port: number, urlPath: string, init: RequestInit = {}) =>
  fetch(`http://127.0.0.1:${port}${urlPath}`, { ...init, signal: AbortSignal.timeout(5_000) });
const admin = (port: number, urlPath: string, method = "GET") => call(port, urlPath, { method, headers: { "x-admin-code": ADMIN_CODE } });

interface Status { restartPending: boolean; duelActive: boolean; currentPhase: string }
const status = async (port: number): Promise<Status> => (await admin(port, "/admin/restart-status")).json() as Promise<Status>;

/** Polls until the server reports `phase`, for at most `ms`. */
async function reach(port: number, phase: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if ((await status(port)).currentPhase === phase) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no ${phase} within ${ms} ms`);
}

interface PhaseLine { at: number; pid: number; version: string; phase: string }
function phaseLog(file: string): PhaseLine[] {
  return readFileSync(file, "utf8").trim().split("\n").map((line) => {
    const [iso, pid, version, phase, ...rest] = line.split(" ");
    expect(rest, line).toEqual([]);
    expect(iso, line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    return { at: Date.parse(iso), pid: Number(pid), version, phase };
  });
}

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), "hostform-duel-"));
  app = path.join(root, "app");
  cpSync(FIXTURE, app, { recursive: true });
}, 60_000);

afterAll(async () => {
  await Promise.all(servers.map(stop));
  rmSync(root, { recursive: true, force: true });
}, 20_000);

describe("stand-in duel app: package", () => {
  it("has no dependencies: npm ci works offline with its lockfile", () => {
    const r = spawnSync("npm", ["ci", "--offline", "--no-audit", "--no-fund"], { cwd: app, encoding: "utf8", timeout: 60_000 });
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
    expect(JSON.parse(readFileSync(path.join(app, "package.json"), "utf8")).scripts).toEqual({ start: "node server.js", migrate: "node migrate.js" });
    expect(readFileSync(path.join(app, "VERSION"), "utf8")).toBe("1\n");
  }, 60_000);

  it("server.js and migrate.js parse", () => {
    for (const file of ["server.js", "migrate.js"]) {
      const r = spawnSync(process.execPath, ["--check", file], { cwd: app, encoding: "utf8", timeout: 10_000 });
      expect(r.status, r.stderr).toBe(0);
    }
  });
});

describe("stand-in duel server", () => {
  let server: Server;
  const duelLog = () => path.join(root, "phases-a.log");

  beforeAll(async () => {
    server = await start({
      PHASE_MS: "100", FIGHT_MS: "600", DUEL_LOG: duelLog(), DISPLAY: ":99", DUEL_DATABASE_MODE: "local", POSTGRES_POOL_MAX: "20",
      ...SECRETS, KICK_RTMP_URL: "https://not-rtmp.example/app", YOUTUBE_STREAM_KEY: "",
    });
  }, 15_000);

  it("answers 401 on the admin routes without the right code", async () => {
    for (const headers of [{}, { "x-admin-code": "wrong" }, { "x-admin-code": "" }, { "x-admin-code": `${ADMIN_CODE}x` }] as Record<string, string>[]) {
      const restart = await call(server.port, "/admin/graceful-restart", { method: "POST", headers });
      expect(restart.status).toBe(401);
      expect(await restart.json()).toEqual({ error: "unauthorized" });
      expect((await call(server.port, "/admin/restart-status", { headers })).status).toBe(401);
    }
    expect((await status(server.port)).restartPending).toBe(false);
  });

  it("reports the restart status, health and streaming state", async () => {
    const s = await status(server.port);
    expect(Object.keys(s).sort()).toEqual(["currentPhase", "duelActive", "restartPending"]);
    expect(s.restartPending).toBe(false);
    expect(CYCLE).toContain(s.currentPhase);
    expect(s.duelActive).toBe(["COUNTDOWN", "FIGHTING", "RESOLUTION"].includes(s.currentPhase));
    const health = await call(server.port, "/health");
    expect(health.status).toBe(200);
    const body = await health.json() as { ok: boolean; version: string; phase: string };
    expect({ ok: body.ok, version: body.version }).toEqual({ ok: true, version: "1" });
    expect(CYCLE).toContain(body.phase);
    const state = await call(server.port, "/streaming/state");
    expect(state.status).toBe(200);
    const text = await state.text();
    // kick's URL is not rtmp, youtube's first key is empty but the second is set.
    expect(JSON.parse(text)).toEqual({ display: ":99", platforms: ["twitch", "youtube"] });
    for (const value of Object.values(SECRETS)) expect(text).not.toContain(value);
    expect((await call(server.port, "/admin/graceful-restart")).status).toBe(405);
    expect((await call(server.port, "/nope")).status).toBe(404);
  });

  it("runs the duel cycle in order and logs each phase with its pid and version", async () => {
    await reach(server.port, "IDLE");
    await reach(server.port, "COUNTDOWN");
    const lines = phaseLog(duelLog());
    expect(lines.length).toBeGreaterThanOrEqual(6);
    lines.forEach((l, i) => {
      expect([l.pid, l.version, l.phase]).toEqual([server.pid, "1", CYCLE[i % CYCLE.length]]);
    });
  });

  it("logs its settings and version, never a secret", () => {
    const log = server.output();
    expect(log).toContain(`duel-arena version 1 listening on 127.0.0.1:${server.port} (pid ${server.pid})\n`);
    expect(log).toContain(`duel-arena settings: DISPLAY=:99 DUEL_DATABASE_MODE=local DUEL_LOG=${duelLog()} FIGHT_MS=600 PHASE_MS=100 POSTGRES_POOL_MAX=20\n`);
    expect(log).toContain("duel-arena streaming to: twitch,youtube\n");
    expect(log).toContain("KICK_RTMP_URL is not an rtmp:// or rtmps:// URL with a host (not shown): kick disabled\n");
    expect(log).toContain("duel-arena secret-like settings present: 6 (not logged)\n");
    for (const value of [...Object.values(SECRETS), "fixture-db-password", "not-rtmp.example"]) expect(log).not.toContain(value);
  });

  it("asked to restart during FIGHTING, finishes the duel through RESOLUTION, then exits 0", async () => {
    await reach(server.port, "FIGHTING");
    const res = await admin(server.port, "/admin/graceful-restart", "POST");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ success: true, message: "Graceful restart requested", willRestartAfterDuel: true });
    const pending = await status(server.port);
    expect(pending).toEqual({ restartPending: true, duelActive: true, currentPhase: pending.currentPhase });
    expect(["FIGHTING", "RESOLUTION"]).toContain(pending.currentPhase);
    const exit = await exitWithin(server, 5_000);
    expect([exit.code, exit.signal]).toEqual([0, null]);
    const lines = phaseLog(duelLog());
    const last = lines[lines.length - 1];
    expect([lines[lines.length - 2].phase, last.phase, last.pid]).toEqual(["FIGHTING", "RESOLUTION", server.pid]);
    // RESOLUTION ran its course (PHASE_MS = 100) before the exit.
    expect(exit.at - last.at).toBeGreaterThanOrEqual(90);
    expect(server.output()).toContain("duel-arena: graceful restart requested in FIGHTING, after the duel\n");
    // The line only RESOLUTION's own timer prints, with its whole length (PHASE_MS = 100).
    const complete = /duel-arena: RESOLUTION complete after (\d+) ms, the duel is resolved, restarting as requested\n/.exec(server.output());
    expect(Number(complete?.[1])).toBeGreaterThanOrEqual(100);
    expect(server.output()).toContain("duel-arena: SIGTERM in RESOLUTION, closing\n");
  }, 15_000);
});

describe("stand-in duel server timing", () => {
  it("takes PHASE_MS and FIGHT_MS from a committed timing.json when the environment has none; the environment wins", async () => {
    const copy = path.join(root, "timed");
    cpSync(FIXTURE, copy, { recursive: true });
    writeFileSync(path.join(copy, "timing.json"), JSON.stringify({ PHASE_MS: 4000, FIGHT_MS: 120000 }));
    /** The server's timing line, once printed (it follows the listening line). */
    const timingOf = async (server: Server) => {
      for (let i = 0; i < 100 && !server.output().includes("timing:"); i++) await new Promise((r) => setTimeout(r, 20));
      return /duel-arena timing: .*\n/.exec(server.output())?.[0];
    };
    const fromFile = await start({ DUEL_LOG: path.join(root, "phases-t1.log") }, copy);
    expect(await timingOf(fromFile)).toBe("duel-arena timing: PHASE_MS=4000 FIGHT_MS=120000\n");
    const fromEnv = await start({ DUEL_LOG: path.join(root, "phases-t2.log"), FIGHT_MS: "500" }, copy);
    expect(await timingOf(fromEnv)).toBe("duel-arena timing: PHASE_MS=4000 FIGHT_MS=500\n");
    const plain = await start({ DUEL_LOG: path.join(root, "phases-t3.log") });
    expect(await timingOf(plain)).toBe("duel-arena timing: PHASE_MS=3000 FIGHT_MS=9000\n");
    await Promise.all([stop(fromFile), stop(fromEnv), stop(plain)]);
    writeFileSync(path.join(copy, "timing.json"), JSON.stringify({ FIGHT_MS: "long" }));
    const r = spawnSync(process.execPath, ["server.js"], { cwd: copy, env: { PATH: process.env.PATH ?? "", PORT: "0" }, encoding: "utf8", timeout: 10_000 });
    expect(r.stderr).toContain('duel-arena: FIGHT_MS "long" must be a whole number from 1 to 86400000');
  }, 30_000);
});

describe("stand-in duel server: a fight decided early (POST /admin/end-fight)", () => {
  it("ends FIGHTING at once when asked with the code; RESOLUTION still runs its whole length before a pending restart", async () => {
    const duelLog = path.join(root, "phases-e.log");
    const server = await start({ PHASE_MS: "100", FIGHT_MS: "600000", DUEL_LOG: duelLog, ADMIN_CODE });
    expect((await call(server.port, "/admin/end-fight", { method: "POST" })).status).toBe(401);
    expect((await call(server.port, "/admin/end-fight")).status).toBe(405);
    await reach(server.port, "FIGHTING");
    const restart = await admin(server.port, "/admin/graceful-restart", "POST");
    expect(await restart.json()).toEqual({ success: true, message: "Graceful restart requested", willRestartAfterDuel: true });
    const ended = await admin(server.port, "/admin/end-fight", "POST");
    expect([ended.status, await ended.json()]).toEqual([200, { ended: true }]);
    const exit = await exitWithin(server, 5_000);
    expect([exit.code, exit.signal]).toEqual([0, null]);
    expect(phaseLog(duelLog).map((l) => l.phase)).toEqual(["MATCHMAKING", "COUNTDOWN", "FIGHTING", "RESOLUTION"]);
    expect(server.output()).toMatch(/duel-arena: FIGHTING decided after \d+ ms \(POST \/admin\/end-fight\)\n/);
    expect(Number(/RESOLUTION complete after (\d+) ms/.exec(server.output())?.[1])).toBeGreaterThanOrEqual(100);
  }, 15_000);

  it("answers 409 outside FIGHTING and changes nothing", async () => {
    const server = await start({ PHASE_MS: "60000", DUEL_LOG: path.join(root, "phases-f.log"), ADMIN_CODE });
    const res = await admin(server.port, "/admin/end-fight", "POST");
    expect([res.status, await res.json()]).toEqual([409, { error: "no fight to end in MATCHMAKING" }]);
    expect(await status(server.port)).toEqual({ restartPending: false, duelActive: false, currentPhase: "MATCHMAKING" });
    await stop(server);
  }, 15_000);
});

describe("stand-in duel server without a duel in progress", () => {
  it("restarts at once when asked during MATCHMAKING", async () => {
    const duelLog = path.join(root, "phases-b.log");
    const server = await start({ PHASE_MS: "5000", DUEL_LOG: duelLog, ADMIN_CODE });
    expect(await status(server.port)).toEqual({ restartPending: false, duelActive: false, currentPhase: "MATCHMAKING" });
    const asked = Date.now();
    const res = await admin(server.port, "/admin/graceful-restart", "POST");
    expect(await res.json()).toEqual({ success: true, message: "Graceful restart requested", willRestartAfterDuel: false });
    const exit = await exitWithin(server, 3_000);
    expect([exit.code, exit.signal]).toEqual([0, null]);
    expect(exit.at - asked).toBeLessThan(2_000);
    expect(phaseLog(duelLog).map((l) => [l.pid, l.phase])).toEqual([[server.pid, "MATCHMAKING"]]);
  }, 15_000);

  it("refuses every admin request when ADMIN_CODE is unset, and exits 0 on SIGTERM", async () => {
    const server = await start({ DUEL_LOG: path.join(root, "phases-c.log") });
    for (const code of ["", "undefined"]) {
      expect((await call(server.port, "/admin/graceful-restart", { method: "POST", headers: { "x-admin-code": code } })).status).toBe(401);
    }
    expect(await (await call(server.port, "/streaming/state")).json()).toEqual({ display: null, platforms: [] });
    const exit = await stop(server);
    expect([exit.code, exit.signal]).toEqual([0, null]);
  }, 15_000);

  it("wedged by SIGHUP, answers /health and leaves every other request unanswered, the restart API's too; exits 0 on SIGTERM", async () => {
    const server = await start({ DUEL_LOG: path.join(root, "phases-d.log"), ADMIN_CODE });
    expect((await call(server.port, "/streaming/state")).status).toBe(200);
    server.child.kill("SIGHUP");
    await new Promise((r) => setTimeout(r, 200));
    expect(server.output()).toContain("duel-arena: SIGHUP, wedged: only /health answers\n");
    expect((await call(server.port, "/health")).status).toBe(200);
    for (const ask of [() => call(server.port, "/streaming/state"), () => admin(server.port, "/admin/graceful-restart", "POST")]) {
      await expect(ask()).rejects.toThrow(/aborted due to timeout/);
    }
    const exit = await stop(server);
    expect([exit.code, exit.signal]).toEqual([0, null]);
  }, 30_000);

  it("refuses a bad PHASE_MS at start", () => {
    const r = spawnSync(process.execPath, ["server.js"], { cwd: app, env: { PATH: process.env.PATH ?? "", PHASE_MS: "fast", PORT: "0" }, encoding: "utf8", timeout: 10_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('duel-arena: PHASE_MS "fast" must be a whole number from 1 to 86400000');
  });
});

// Logs each call, answers `select name` from the applied list, records `-v name=…` on insert,
// and fails on the migration named by FAKE_PSQL_FAIL.
const FAKE_PSQL = `#!/bin/bash
set -u
d=$FAKE_PSQL_DIR
printf '%s\\n' "$*" >>"$d/calls"
printf '%s\\n' "\${PGPASSWORD-<unset>}" >>"$d/passwords"
input=$(cat)
name=
files=()
while [ $# -gt 0 ]; do
  case "$1" in
    -v) case "$2" in name=*) name=\${2#name=} ;; esac; shift 2 ;;
    -f) if [ "$2" != - ]; then files+=("$2"); fi; shift 2 ;;
    *) shift ;;
  esac
done
for f in "\${files[@]}"; do
  if [ "$(basename "$f")" = "\${FAKE_PSQL_FAIL:-}" ]; then echo "ERROR:  syntax error in $f" >&2; exit 3; fi
  basename "$f" >>"$d/executed"
done
case "$input" in
  *"select name from schema_migrations"*) cat "$d/applied" 2>/dev/null || : ;;
  *"insert into schema_migrations"*) echo "$name" >>"$d/applied" ;;
esac
`;

describe("stand-in migrate.js (fake psql)", () => {
  const password = "p@ss w0rd;$(id)'";
  const url = `postgresql://duel:${encodeURIComponent(password)}@db.example.com:5432/hyperscape?sslmode=require`;
  let fake: string;

  beforeAll(() => {
    fake = path.join(root, "fake-psql");
    mkdirSync(fake);
    writeFileSync(path.join(fake, "psql"), FAKE_PSQL);
    chmodSync(path.join(fake, "psql"), 0o755);
    writeFileSync(path.join(app, "migrations", "010_index.sql"), "create index if not exists duels_at on duels (at);\n");
    writeFileSync(path.join(app, "migrations", "002_loser.sql"), "alter table duels add column if not exists loser text;\n");
  });

  const migrate = (env: Record<string, string>) => {
    const r = spawnSync(process.execPath, ["migrate.js"], {
      cwd: app, env: { PATH: `${fake}:${process.env.PATH ?? ""}`, FAKE_PSQL_DIR: fake, ...env }, encoding: "utf8", timeout: 20_000,
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const lines = (file: string) => (existsSync(path.join(fake, file)) ? readFileSync(path.join(fake, file), "utf8").trim().split("\n") : []);

  it("refuses a missing or non-postgres DATABASE_URL without showing it", () => {
    expect(migrate({})).toMatchObject({ status: 1, stderr: "migrate: DATABASE_URL is not set: put postgresql://USER:PASSWORD@HOST:5432/DATABASE in the secrets file\n" });
    const r = migrate({ DATABASE_URL: "mysql://duel:hunter2@db/x" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("DATABASE_URL is not a postgres:// or postgresql:// URL (value not shown)");
    expect(r.stderr).not.toContain("hunter2");
    expect(lines("calls")).toEqual([]);
  });

  it("applies in name order, stops at a failure with it unrecorded, then applies only what is left", () => {
    const failed = migrate({ DATABASE_URL: url, FAKE_PSQL_FAIL: "010_index.sql" });
    expect(failed.status).toBe(1);
    expect(failed.stdout).toBe("migrate: applied 001_create_duels.sql\nmigrate: applied 002_loser.sql\n");
    expect(failed.stderr).toContain("migrate: migration 010_index.sql failed (psql exit 3)\n");
    expect(lines("applied")).toEqual(["001_create_duels.sql", "002_loser.sql"]);

    const rest = migrate({ DATABASE_URL: url });
    expect([rest.status, rest.stdout]).toEqual([0, "migrate: applied 010_index.sql\nmigrate: 1 applied, 2 already applied\n"]);
    const again = migrate({ DATABASE_URL: url });
    expect([again.status, again.stdout]).toEqual([0, "migrate: 0 applied, 3 already applied\n"]);
    expect(lines("executed")).toEqual(["001_create_duels.sql", "002_loser.sql", "010_index.sql"]);
    expect(lines("applied")).toEqual(["001_create_duels.sql", "002_loser.sql", "010_index.sql"]);
  });

  it("runs each migration with its record in one transaction, the password in PGPASSWORD only", () => {
    const conninfo = "-d postgresql://duel@db.example.com:5432/hyperscape?sslmode=require";
    const calls = lines("calls");
    expect(calls).toContain(`-X -q -v ON_ERROR_STOP=1 -1 -v name=002_loser.sql -f ${path.join(app, "migrations", "002_loser.sql")} -f - ${conninfo}`);
    expect(calls).toContain(`-X -q -v ON_ERROR_STOP=1 -f - ${conninfo}`);
    expect(calls).toContain(`-X -q -v ON_ERROR_STOP=1 -t -A -f - ${conninfo}`);
    for (const c of calls) {
      expect(c.endsWith(conninfo)).toBe(true);
      expect(c).not.toContain("w0rd");
    }
    expect(new Set(lines("passwords"))).toEqual(new Set([password]));
  });
});
