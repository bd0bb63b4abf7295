import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { endFight, upThroughDuel } from "./fight";
import { connectionOf, hostExec, ROOT, sandbox, TestStack } from "./harness";
import { waitOnHost } from "./runtime";

// seed-coverage item 15 (G14, G28, G32): a graceful restart that fails says why with the duel
// server's last log lines (redacted, no colour codes), and the restart is complete only when the
// new process answers restart-status with restartPending false (seeds/003's loop), not with any
// answer but true. The stand-in of test/fixtures/duel-app on one container host.
const HOST = "rb2-duel";
const ADMIN = `admin-${Math.random().toString(36).slice(2)}-SECRET`;
const DB_PASSWORD = `pw-${Math.random().toString(36).slice(2)}-SECRET`;
const OUT_LOG = "/root/.pm2/logs/duel-arena-out.log";
const fighting = () => waitOnHost(HOST, "curl -s localhost:5555/health | grep -q '\"phase\":\"FIGHTING\"'", 60);
const version = async () => (JSON.parse(await hostExec(HOST, "curl -s localhost:5555/health")) as { version: string }).version;

/** The lines of up's error from "last log lines of duel-arena" to the next blank line, without Pulumi's indentation. */
function logBlock(out: string): string[] {
  const lines = out.split("\n").map((l) => l.trim());
  const start = lines.findIndex((l) => l.includes("last log lines of duel-arena (secrets redacted):"));
  if (start < 0) return [];
  const end = lines.findIndex((l, i) => i > start && l.trim() === "");
  return lines.slice(start, end < 0 ? undefined : end);
}

describe("duel stack: a graceful restart that fails shows the server's log; restart-status must say restartPending false", () => {
  const stack = new TestStack(ROOT);
  let h: sandbox.SandboxHost;
  let repo: sandbox.PublishedRepo;
  const configure = async (extra: Record<string, unknown> = {}) => {
    const c = connectionOf(h);
    stack.setConfig({
      "hostform:hosts": [{ name: HOST, flavor: "container", role: "duel", address: c.host, port: c.port, user: c.user, hostKey: c.hostKey, privateKeyPath: c.privateKeyPath }],
      "hostform:duel": {
        repo: repo.remote, node: { source: "npm-registry" }, browser: { source: "debian", package: "chromium" }, externalPorts: { server: 5555 },
        app: { runtime: "node", ecosystem: "generated" }, gracefulTimeoutSeconds: 120, healthTimeoutSeconds: 30, ...extra,
      },
    });
    for (const [k, v] of Object.entries({ DATABASE_URL: `postgresql://duel:${DB_PASSWORD}@localhost:5432/duel`, ADMIN_CODE: ADMIN })) {
      expect((await stack.pulumi("config", "set", "--secret", "--path", `hostform:duelSecrets.${k}`, v)).code).toBe(0);
    }
  };
  const commit = (v: string, edit?: (server: string) => string) => {
    writeFileSync(path.join(repo.dir, "VERSION"), `${v}\n`);
    const file = path.join(repo.dir, "server.js");
    if (edit) writeFileSync(file, edit(readFileSync(file, "utf8")));
    return repo.commit(`version ${v}`);
  };

  beforeAll(async () => {
    [h] = await sandbox.up([{ name: HOST, flavor: "container" }]);
    repo = sandbox.publishRepo(h, path.join(ROOT, "test/fixtures/duel-app"), "/srv/git/duel.git");
    // Fights of 10 minutes: a restart requested during one waits until the test ends it.
    writeFileSync(path.join(repo.dir, "timing.json"), '{"FIGHT_MS": 600000}\n');
    repo.commit("long fights");
    await stack.init();
    await configure();
    const up = await stack.up();
    expect(up.code, up.all).toBe(0);
  });
  afterAll(async () => {
    await sandbox.down([HOST]);
    stack.remove();
  });

  it("a restart that waits past gracefulTimeoutSeconds fails up with the last status and the server's log lines, redacted, without colour codes", async () => {
    const before = await version();
    commit("2");
    await configure({ gracefulTimeoutSeconds: 10 });
    await fighting();
    // An app that logs a secret in colour: the line reaches up's error masked and plain.
    await hostExec(HOST, `printf '\\033[1;31mduel-arena: connecting with token %s\\033[0m\\n' ${JSON.stringify(ADMIN)} >> ${OUT_LOG}`);
    const up = await stack.up();
    expect(up.code).not.toBe(0);
    expect(up.all).toContain("graceful restart did not finish within 10 s: the server waits for the duel's RESOLUTION");
    expect(up.all).toMatch(/last status: HTTP 200: \{"restartPending":true,"duelActive":true,"currentPhase":"FIGHTING"\}/);
    const block = logBlock(up.all);
    expect(block.join("\n"), up.all).toContain("duel-arena: graceful restart requested in FIGHTING, after the duel");
    expect(block).toContain("duel-arena: connecting with token [redacted]");
    expect(block.join("\n")).not.toMatch(/\x1b|\[1;31m|\[0m/);
    expect(up.all).not.toContain(ADMIN);
    expect(await version()).toBe(before);

    // The server still restarts after its duel, by itself; the next up finishes the deploy.
    await configure();
    expect(await endFight(HOST)).toBe("200");
    const again = await upThroughDuel(stack, HOST);
    expect(again.up.code, again.up.all).toBe(0);
    expect(await version()).toBe("2");
  });

  it("a new process whose restart-status does not answer restartPending false (HTTP 500) is not a complete restart: up fails saying so, with its log", async () => {
    commit("3-broken-status", (s) => s.replace(
      "send(res, 200, { restartPending, duelActive: duelActive(), currentPhase: phase });",
      'console.error("duel-arena: restart-status failed: scheduler unavailable"); send(res, 500, { error: "Failed to retrieve status" });',
    ));
    await fighting();
    const { up } = await upThroughDuel(stack, HOST);
    expect(up.code).not.toBe(0);
    expect(await version()).toBe("3-broken-status"); // it runs and answers /health: only restart-status is wrong
    expect(up.all).toContain("did not answer 200 with version 3-broken-status and restart-status restartPending false within 30 s");
    expect(up.all).toContain('last: health 200, restart-status HTTP 500: {"error":"Failed to retrieve status"}');
    expect(logBlock(up.all).join("\n"), up.all).toContain("duel-arena: restart-status failed: scheduler unavailable");
  });
});
