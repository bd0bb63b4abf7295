/**
 * The stand-in MetaHuman OS (test/fixtures/metahuman-app) that the e2e tests publish: its build
 * writes apps/site/dist/server/entry.mjs, the server reports pid and worker and streams events
 * until it is stopped, and `bin/mh start` holds its lock. Runs a temp copy on loopback.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const FIXTURE = path.join(__dirname, "..", "fixtures", "metahuman-app");
let root: string;
const children: ChildProcess[] = [];
const env = { PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin` };

const freePort = () => new Promise<number>((resolve) => {
  const s = createServer().listen(0, "127.0.0.1", () => {
    const port = (s.address() as { port: number }).port;
    s.close(() => resolve(port));
  });
});

function waitFor(child: ChildProcess, text: string): Promise<string> {
  let out = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${text}" within 10 s:\n${out}`)), 10_000);
    child.stdout?.on("data", (d) => {
      out += d;
      if (out.includes(text)) {
        clearTimeout(timer);
        resolve(out);
      }
    });
  });
}

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), "hostform-mh-"));
  cpSync(FIXTURE, root, { recursive: true });
  const r = spawnSync(process.execPath, ["build.mjs"], { cwd: path.join(root, "apps/site"), encoding: "utf8", env });
  expect(r.status, r.stderr).toBe(0);
});
afterAll(() => {
  for (const c of children) c.kill("SIGKILL");
  rmSync(root, { recursive: true, force: true });
});

describe("the stand-in MetaHuman OS", () => {
  it("builds the SSR entry with the code's version", () => {
    expect(existsSync(path.join(root, "apps/site/dist/server/entry.mjs"))).toBe(true);
    expect(JSON.parse(readFileSync(path.join(root, "apps/site/dist/server/build.json"), "utf8"))).toMatchObject({ version: "1", commit: null });
  });

  it("answers with its pid and worker, streams events, and ends its streams with a bye when stopped", async () => {
    const port = await freePort();
    const server = spawn(process.execPath, ["dist/server/entry.mjs"], {
      cwd: path.join(root, "apps/site"), env: { ...env, PORT: String(port), HOST: "127.0.0.1", NODE_APP_INSTANCE: "1", pm_id: "3", NODE_ENV: "production" }, stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(server);
    await waitFor(server, "listening on");
    const me = await (await fetch(`http://127.0.0.1:${port}/`)).json();
    expect(me).toEqual({ app: "metahuman-web", version: "1", commit: null, pid: server.pid, worker: "1", pmId: "3", env: "production", apiKey: null });
    expect((await fetch(`http://127.0.0.1:${port}/nope`)).status).toBe(404);

    const res = await fetch(`http://127.0.0.1:${port}/api/stream`);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const reader = res.body!.getReader();
    let text = "";
    while ((text.match(/event: tick/g) ?? []).length < 2) text += Buffer.from((await reader.read()).value ?? []).toString();
    server.kill("SIGINT");
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString();
    }
    expect(text.startsWith(`retry: 500\nevent: hello\ndata: ${JSON.stringify(me)}\n\n`)).toBe(true);
    expect(text.endsWith(`event: bye\ndata: {"pid":${server.pid}}\n\n`)).toBe(true);
    expect(await new Promise((r) => server.on("exit", r))).toBe(0);
  });

  it("runs one scheduler at a time: a second `mh start` finds the lock held and exits 1", async () => {
    const first = spawn(path.join(root, "bin/mh"), ["start"], { env, stdio: ["ignore", "pipe", "pipe"] });
    children.push(first);
    await waitFor(first, "scheduler-service 1 running");
    const second = spawnSync(path.join(root, "bin/mh"), ["start"], { env, encoding: "utf8" });
    expect(second.status).toBe(1);
    expect(second.stderr).toBe(`mh: scheduler-service is already running (lock ${root}/logs/run/locks/scheduler-service.lock is held)\n`);
    first.kill("SIGTERM");
    expect(await new Promise((r) => first.on("exit", r))).toBe(0);
    expect(JSON.parse(readFileSync(path.join(root, "logs/run/scheduler-service.json"), "utf8"))).toMatchObject({ name: "scheduler-service", version: "1" });
  });

  it("has a tunnel that refuses to start without its token", () => {
    const r = spawnSync(path.join(root, "bin/start-cloudflare"), { env, encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("start-cloudflare: CLOUDFLARE_TUNNEL_TOKEN is not set: no tunnel\n");
  });
});
