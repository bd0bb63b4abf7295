/**
 * The stand-in Flatlogic app (test/fixtures/flatlogic-app) that the e2e tests deploy: its servers
 * answer like the runbook's health checks. Runs a temp copy on loopback, on ports the servers
 * pick themselves (port 0, printed at start), so nothing collides with a real service.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const FIXTURE = path.join(__dirname, "..", "fixtures", "flatlogic-app");
const SECRETS = { JWT_SECRET: "fixture-jwt-value", DB_PASSWORD: "fixture-db-value", FFMPEG_API_KEY: "fixture-key-value" };

interface Server { child: ChildProcess; port: number; output: () => string; exited: Promise<{ code: number | null; signal: string | null }> }

let root: string;
const servers: Server[] = [];

/** Starts `node server.js` in dir and resolves once it prints the loopback port it listens on. */
function start(dir: string, env: Record<string, string>): Promise<Server> {
  const child = spawn(process.execPath, ["server.js"], { cwd: dir, env: { PATH: process.env.PATH ?? "", HOST: "127.0.0.1", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${dir}: no "listening on" line within 10 s:\n${output}`)), 10_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      const match = /listening on 127\.0\.0\.1:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        const server = { child, port: Number(match[1]), output: () => output, exited };
        servers.push(server);
        resolve(server);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    void exited.then(({ code }) => { clearTimeout(timer); reject(new Error(`${dir} exited (${code}) before listening:\n${output}`)); });
  });
}

/** SIGTERM, then SIGKILL if the server has not exited within 5 s. */
async function stop(server: Server): Promise<{ code: number | null; signal: string | null }> {
  if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill("SIGTERM");
  const kill = setTimeout(() => server.child.kill("SIGKILL"), 5_000);
  try {
    return await server.exited;
  } finally {
    clearTimeout(kill);
  }
}

const get = (port: number, urlPath: string, init: RequestInit = {}) =>
  fetch(`http://127.0.0.1:${port}${urlPath}`, { ...init, signal: AbortSignal.timeout(5_000) });

function run(cmd: string, args: string[], cwd: string) {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", timeout: 60_000 });
  return { status: r.status, out: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), "hostform-flatlogic-"));
  cpSync(FIXTURE, path.join(root, "app"), { recursive: true });
}, 60_000);

afterAll(async () => {
  await Promise.all(servers.map(stop));
  rmSync(root, { recursive: true, force: true });
}, 20_000);

describe("stand-in frontend", () => {
  let frontend: Server;
  const dir = () => path.join(root, "app", "frontend");

  it("has no dependencies: npm ci works offline with its lockfile", () => {
    const r = run("npm", ["ci", "--offline", "--no-audit", "--no-fund"], dir());
    expect(r.status, r.out).toBe(0);
  }, 60_000);

  it("refuses to start before a build, and refuses `npm run dev`", () => {
    const start = run(process.execPath, ["server.js"], dir());
    expect(start.status).toBe(1);
    expect(start.out).toContain("build/index.html is missing: run `npm run build` before `npm run start`");
    const dev = run("npm", ["run", "dev"], dir());
    expect(dev.status).toBe(1);
    expect(dev.out).toContain("never run next dev on the VM");
  }, 30_000);

  it("builds the production assets and the caches a release step removes", () => {
    const r = run("npm", ["run", "build"], dir());
    expect(r.status, r.out).toBe(0);
    expect(readFileSync(path.join(dir(), "build", "index.html"), "utf8")).toMatch(/flatlogic frontend[\s\S]*built: \d{4}-\d\d-\d\dT/);
    expect(existsSync(path.join(dir(), ".next", "cache-marker"))).toBe(true);
    expect(existsSync(path.join(dir(), "build", "cache", "x"))).toBe(true);
  }, 30_000);

  it("serves the build with 200 on every path, with the repository's VERSION", async () => {
    frontend = await start(dir(), { FRONT_PORT: "0" });
    for (const urlPath of ["/", "/tours/42?x=1"]) {
      const res = await get(frontend.port, urlPath);
      expect(res.status).toBe(200);
      const body = await res.text();
      expect(body).toContain("<p>flatlogic frontend</p>");
      expect(body.endsWith("</html>\nversion: 1\n")).toBe(true);
    }
    expect((await get(frontend.port, "/", { method: "HEAD" })).status).toBe(200);
  });

  it("exits 0 on SIGTERM", async () => {
    expect(await stop(frontend)).toEqual({ code: 0, signal: null });
  });
});

describe("stand-in backend", () => {
  let backend: Server;

  it("answers 401 without a bearer token, 200 on /api/health", async () => {
    backend = await start(path.join(root, "app", "backend"), {
      PORT: "0", NODE_ENV: "dev_stage", FFMPEG_REVERSE_TIMEOUT_MS: "600000", FFPROBE_TIMEOUT_MS: "30000", ...SECRETS,
    });
    const me = await get(backend.port, "/api/auth/me");
    expect(me.status).toBe(401);
    expect(await me.json()).toEqual({ error: "unauthorized" });
    expect((await get(backend.port, "/api/auth/me", { headers: { authorization: "Basic eDp5" } })).status).toBe(401);
    expect((await get(backend.port, "/api/auth/me", { method: "HEAD" })).status).toBe(401);
    expect((await get(backend.port, "/api/auth/me", { headers: { authorization: "Bearer t0ken" } })).status).toBe(200);
    const health = await get(backend.port, "/api/health");
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok", nodeEnv: "dev_stage", secretSettings: 3 });
    expect((await get(backend.port, "/nope")).status).toBe(404);
  });

  it("logs NODE_ENV and the FFmpeg settings at start, never a secret", () => {
    const log = backend.output();
    expect(log).toContain(`backend listening on 127.0.0.1:${backend.port} NODE_ENV=dev_stage\n`);
    expect(log).toContain("backend ffmpeg settings: FFMPEG_REVERSE_TIMEOUT_MS=600000 FFPROBE_TIMEOUT_MS=30000\n");
    expect(log).toContain("backend secret-like settings present: 3 (not logged)\n");
    for (const value of Object.values(SECRETS)) expect(log).not.toContain(value);
    expect(log).not.toContain("FFMPEG_API_KEY");
  });

  it("exits 0 on SIGTERM", async () => {
    expect(await stop(backend)).toEqual({ code: 0, signal: null });
  });
});
