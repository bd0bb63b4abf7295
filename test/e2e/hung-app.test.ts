import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectionOf, hostExec, ROOT, sandbox, TestStack } from "./harness";
import { pm2Pid, waitOnHost } from "./runtime";

// Issue 25: what drift reports, `up` repairs, or says why it cannot. An app that PM2 runs but that
// no longer answers (hung) is restarted by the next up through its graceful path (pm2 reload on
// Flatlogic) and the site comes back; when the restart does not help, up fails naming the app with
// its last log lines, redacted. The duel server (container host) goes through its restart API, and
// through PM2 when it answers /health but not that API.
const HOST = "hg-flat";
const DUEL = "hg-duel";
const SECRET = `jwt-${Math.random().toString(36).slice(2)}-SECRET`;

const status = async (url: string) => (await fetch(url, { signal: AbortSignal.timeout(5000) }).catch(() => undefined))?.status ?? 0;
/** The pid of the process listening on `host`'s TCP `port` (the node server). */
const listener = async (port: number, host = HOST) =>
  (await hostExec(host, `ss -Hltnp 'sport = :${port}' | sed -n 's/.*pid=\\([0-9]*\\).*/\\1/p' | head -n 1`)).trim();
/** The process state letter of `pid` ("T": stopped), or "" when it is gone. */
const state = async (pid: string) => (await hostExec(HOST, `ps -o stat= -p ${pid} || :`)).trim().slice(0, 1);

describe("a hung app: running in PM2, not answering", () => {
  const stack = new TestStack(ROOT);
  let h: sandbox.SandboxHost;
  let repo: sandbox.PublishedRepo;

  const configure = (extra: Record<string, unknown> = {}) => {
    const c = connectionOf(h);
    stack.setConfig({
      "hostform:hosts": [{ name: HOST, flavor: "systemd", role: "flatlogic", address: c.host, port: c.port, user: c.user, hostKey: c.hostKey, privateKeyPath: c.privateKeyPath }],
      "hostform:flatlogic": { repo: repo.remote, serverName: "app.example.test", node: { source: "npm-registry" }, executorFrom: "workspace", healthTimeoutSeconds: 60, ...extra },
    });
  };

  beforeAll(async () => {
    [h] = await sandbox.up([{ name: HOST, flavor: "systemd" }]);
    repo = sandbox.publishRepo(h, path.join(ROOT, "test/fixtures/flatlogic-app"), "/srv/git/app.git");
    await stack.init();
    configure();
    const set = await stack.pulumi("config", "set", "--secret", "--path", "hostform:flatlogicBackendEnv.DB_PASSWORD", SECRET);
    expect(set.code, set.all).toBe(0);
    const up = await stack.up();
    expect(up.code, up.all).toBe(0);
    expect(await status(`http://${h.address}/api/auth/me`)).toBe(401);
  });
  afterAll(async () => {
    await sandbox.down([HOST]);
    stack.remove();
  });

  it("drift names the app that runs but does not answer, and the next up restarts it and the site answers again", async () => {
    const hung = await listener(3000);
    expect(hung).toMatch(/^[0-9]+$/);
    await hostExec(HOST, `kill -STOP ${hung}`);
    expect(await state(hung)).toBe("T");
    expect(await status(`http://${h.address}/api/auth/me`)).toBe(0);

    const drift = await stack.drift();
    expect(drift.code).toBe(7);
    expect(drift.all).toContain("api-auth: http://127.0.0.1:3000/api/auth/me answered nothing, expected 401 (PM2 app backend-dev is online but does not answer)");

    const started = Date.now();
    const up = await stack.up();
    const seconds = Math.round((Date.now() - started) / 1000);
    console.log(`up with backend-dev hung: ${seconds} s`);
    expect(up.code, up.all).toBe(0);
    expect(await status(`http://${h.address}/api/auth/me`)).toBe(401);
    // The stopped process is gone (PM2's reload killed it), and a new one listens.
    expect(await state(hung)).toBe("");
    expect(await listener(3000)).not.toBe(hung);
    const clean = await stack.drift();
    expect(clean.code, clean.all).toBe(0);
  });

  it("when the restart does not help, up fails naming the app, its restart and its last log lines, secrets redacted", async () => {
    // A backend whose start is broken: it runs, logs, and never listens.
    const server = path.join(repo.dir, "backend/server.js");
    const good = readFileSync(server, "utf8");
    writeFileSync(server, [
      '"use strict";',
      'require("fs").appendFileSync("/tmp/hg-backend-starts", "start\\n");',
      'console.log("backend starting with DB_PASSWORD=" + process.env.DB_PASSWORD + " and waiting for a database that never answers");',
      "setInterval(() => {}, 60000);",
      "",
    ].join("\n"));
    repo.commit("backend that never listens");
    configure({ healthTimeoutSeconds: 15 });
    const up = await stack.up();
    expect(up.code).not.toBe(0);
    expect(up.all).toContain("unhealthy after 15 s, then restarted and still unhealthy 15 s later:");
    expect(up.all).toContain("backend-dev ran in PM2 but failed its check: restarted (pm2 reload)");
    expect(up.all).toContain("api-auth: http://127.0.0.1:3000/api/auth/me answered nothing, expected 401 (PM2 app backend-dev is online but does not answer)");
    expect(up.all).toContain("last log lines of backend-dev (secrets redacted)");
    expect(up.all).toContain("backend starting with DB_PASSWORD=[redacted] and waiting for a database that never answers");
    expect(up.all).not.toContain(SECRET);
    // Started by the deploy, then once more by the restart: nothing more.
    expect(await hostExec(HOST, "cat /tmp/hg-backend-starts")).toBe("start\nstart\n");

    writeFileSync(server, good);
    repo.commit("backend fixed");
    configure();
    const fixed = await stack.up();
    expect(fixed.code, fixed.all).toBe(0);
    expect(await status(`http://${h.address}/api/auth/me`)).toBe(401);
    expect(await pm2Pid(HOST, "ubuntu", "backend-dev")).toMatch(/^[0-9]+$/);
    expect(stack.output).not.toContain(SECRET);
  });
});

describe("a duel server that answers /health but nothing else, not even its restart API", () => {
  const stack = new TestStack(ROOT);
  let h: sandbox.SandboxHost;

  beforeAll(async () => {
    [h] = await sandbox.up([{ name: DUEL, flavor: "container" }]);
    const repo = sandbox.publishRepo(h, path.join(ROOT, "test/fixtures/duel-app"), "/srv/git/duel.git");
    await stack.init();
    const c = connectionOf(h);
    stack.setConfig({
      "hostform:hosts": [{ name: DUEL, flavor: "container", role: "duel", address: c.host, port: c.port, user: c.user, hostKey: c.hostKey, privateKeyPath: c.privateKeyPath }],
      "hostform:duel": {
        repo: repo.remote, node: { source: "npm-registry" }, browser: { source: "debian", package: "chromium" }, externalPorts: { server: 5555 },
        app: { runtime: "node", ecosystem: "generated" }, gracefulTimeoutSeconds: 120, healthTimeoutSeconds: 30,
      },
    });
    for (const [k, v] of Object.entries({ DATABASE_URL: `postgresql://duel:pw-${SECRET}@localhost:5432/duel`, ADMIN_CODE: `admin-${SECRET}` })) {
      const set = await stack.pulumi("config", "set", "--secret", "--path", `hostform:duelSecrets.${k}`, v);
      expect(set.code, set.all).toBe(0);
    }
    const up = await stack.up();
    expect(up.code, up.all).toBe(0);
  });
  afterAll(async () => {
    await sandbox.down([DUEL]);
    stack.remove();
  });

  it("is drift naming duel-arena; up asks its restart API, gets no answer, restarts it through PM2, and it answers again", async () => {
    const pid = await listener(5555, DUEL);
    expect(pid).toMatch(/^[0-9]+$/);
    // The stand-in's SIGHUP: /health still answers, every other request (the restart API's too) waits forever.
    await hostExec(DUEL, `kill -HUP ${pid}`);
    await waitOnHost(DUEL, "! curl -s -o /dev/null --max-time 3 localhost:5555/streaming/state", 10);
    expect(await hostExec(DUEL, "curl -s -o /dev/null -w '%{http_code}' --max-time 5 localhost:5555/health")).toBe("200");
    const drift = await stack.drift();
    expect(drift.code).toBe(7);
    expect(drift.all).toContain("streaming: http://127.0.0.1:5555/streaming/state answered nothing, expected 200 (PM2 app duel-arena is online but does not answer)");

    const started = Date.now();
    const up = await stack.up();
    console.log(`up with duel-arena wedged: ${Math.round((Date.now() - started) / 1000)} s`);
    expect(up.code, up.all).toBe(0);
    expect(await hostExec(DUEL, "curl -s -o /dev/null -w '%{http_code}' --max-time 5 localhost:5555/streaming/state")).toBe("200");
    expect(await hostExec(DUEL, `kill -0 ${pid} 2>/dev/null && echo running || echo gone`)).toBe("gone\n");
    // /health answered, so the restart went to the API first; the API never answers a wedged server,
    // so without the fallback to PM2 (exit 7 of graceful_restart) this up would have failed.
    const clean = await stack.drift();
    expect(clean.code, clean.all).toBe(0);
    expect(stack.output).not.toContain(SECRET);
  });
});
