import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { upThroughDuel } from "./fight";
import { hostEntry, hostExec, ROOT, run, sandbox, summary, TestStack, until } from "./harness";

// Issue 13: the duel fixture shaped like the real repository (bun workspace, core package built
// before start, its own ecosystem.config.cjs) with the seeds' default app settings.
const HOST = "rc-duel-bun";
const ADMIN = `admin-${Math.random().toString(36).slice(2)}-SECRET`;
const DB_PASSWORD = `pw-${Math.random().toString(36).slice(2)}-SECRET`;
const healthOf = (host: string) => hostExec(host, "curl -s localhost:5555/health || :");
const health = () => healthOf(HOST);

/** A sandbox host, the fixture published on it (after `tweak` of its working copy), and a stack with the seeds' default app settings. */
async function bunStack(name: string, flavor: "container" | "systemd", tweak?: (repo: sandbox.PublishedRepo) => void) {
  const [h] = await sandbox.up([{ name, flavor }]);
  const repo = sandbox.publishRepo(h, path.join(ROOT, "test/fixtures/duel-app-bun"), "/srv/git/duel-bun.git");
  tweak?.(repo);
  const stack = new TestStack(ROOT);
  await stack.init();
  stack.setConfig({
    "hostform:hosts": [hostEntry(h, "duel")],
    // No `app` key: the seeds' defaults (bun, its commands, the repository's ecosystem file).
    // seeds/000's port proxies for the game server and its WebSocket (socat under PM2); no local CDN here.
    "hostform:duel": { repo: repo.remote, node: { source: "npm-registry" }, browser: { source: "debian", package: "chromium" }, externalPorts: { server: 35143, websocket: 35079 }, gracefulTimeoutSeconds: 120 },
  });
  for (const [k, v] of Object.entries({ DATABASE_URL: `postgresql://duel:${DB_PASSWORD}@localhost:5432/duel`, ADMIN_CODE: ADMIN })) {
    expect((await stack.pulumi("config", "set", "--secret", "--path", `hostform:duelSecrets.${k}`, v)).code).toBe(0);
  }
  return { repo, stack, address: hostEntry(h, "duel").address };
}

describe("real-shaped duel app (bun) on a container host", () => {
  let stack: TestStack;
  let repo: sandbox.PublishedRepo;
  let address: string;

  beforeAll(async () => {
    // Fights of 10 minutes, set in the repository's own ecosystem file: one lasts until the test
    // decides it (upThroughDuel), long after `up` has installed, built, migrated and asked for the restart.
    ({ stack, repo, address } = await bunStack(HOST, "container", (r) => {
      const eco = path.join(r.dir, "ecosystem.config.cjs");
      writeFileSync(eco, readFileSync(eco, "utf8").replace('STREAMING_DUEL_ENABLED: "true",', 'STREAMING_DUEL_ENABLED: "true",\n      FIGHT_MS: "600000",'));
      r.commit("fights of 10 minutes");
    }));
  });
  afterAll(async () => {
    await sandbox.down([HOST]);
    stack?.remove();
  });

  it("converges with bun: installs, builds the core package, migrates, runs under PM2 from the repository's ecosystem file", async () => {
    const up = await stack.up();
    expect(up.code, up.all).toBe(0);
    expect(JSON.parse(await health())).toMatchObject({ ok: true, version: "1", runtime: "bun 1.4.5" });
    expect(await hostExec(HOST, "bun --version; readlink -f /usr/local/bin/bun; test -f /root/hyperscape/packages/core/dist/index.js && echo built")).toBe("1.4.5\n/opt/hostform/bun-v1.4.5/bin/bun\nbuilt\n");
    // PM2's process is bun, started with the environment hostform and the secrets give it: the
    // capture browser's ANGLE backend as seeds/000's STREAM_CAPTURE_ANGLE (chromium has no channel), no CHROME_FLAGS.
    const pid = (await hostExec(HOST, "pm2 pid duel-arena | tail -n 1")).trim();
    expect(await hostExec(HOST, `tr '\\0' ' ' < /proc/${pid}/cmdline; echo; tr '\\0' '\\n' < /proc/${pid}/environ | grep -E '^(STREAMING_DUEL_ENABLED|DISPLAY|PORT|STREAM_CAPTURE_[A-Z]+|CHROME_FLAGS)=' | LC_ALL=C sort`))
      .toBe("/usr/local/bin/bun run start \nDISPLAY=:99\nPORT=5555\nSTREAMING_DUEL_ENABLED=true\nSTREAM_CAPTURE_ANGLE=default\n");
    expect(await hostExec(HOST, "grep -c 'require(file)' /root/ecosystem.config.js")).toBe("1\n");
    // The port proxies answer from here, as the doctor and users reach them: /health through each to the server.
    for (const port of [35143, 35079]) {
      const r = await fetch(`http://${address}:${port}/health`, { signal: AbortSignal.timeout(10_000) });
      expect([port, r.status, ((await r.json()) as { ok?: boolean }).ok]).toEqual([port, 200, true]);
    }
    const jlist = JSON.parse((await hostExec(HOST, "pm2 jlist")).trim().split("\n").pop()!) as { name: string; pm2_env: { status: string; args?: string[] } }[];
    expect(jlist.map((a) => [a.name, a.pm2_env.status, ...(a.name.startsWith("proxy-") ? a.pm2_env.args ?? [] : [])])).toEqual([
      ["duel-arena", "online"],
      ["proxy-server", "online", "TCP-LISTEN:35143,reuseaddr,fork", "TCP:127.0.0.1:5555"],
      ["proxy-websocket", "online", "TCP-LISTEN:35079,reuseaddr,fork", "TCP:127.0.0.1:5555"],
    ]);
    // The doctor fetches /health through each named port from here (seeds/000's "Port proxies configured").
    const doctor = await run("npm", ["run", "-s", "doctor", "--", "--stack", stack.name, "--config-file", stack.configFile, "--host", HOST, "--json"],
      { env: { PULUMI_BACKEND_URL: `file://${stack.backend}`, PULUMI_CONFIG_PASSPHRASE: stack.passphrase } });
    const checks = (JSON.parse(doctor.stdout) as { hosts: { checks: { check: string; status: string; evidence: string[] }[] }[] }).hosts[0].checks;
    expect(checks.filter((c) => c.check.startsWith("public") || c.check.startsWith("pm2 proxy")).map((c) => [c.status, c.check, ...c.evidence])).toEqual([
      ["ok", "pm2 proxy-server", expect.stringMatching(/^online/)],
      ["ok", "pm2 proxy-websocket", expect.stringMatching(/^online/)],
      ["ok", "public server", `http://${address}:35143/health through the port proxy 35143 → 5555 (the game server) answered 200`],
      ["ok", "public websocket", `http://${address}:35079/health through the port proxy 35079 → 5555 (the game server's WebSocket) answered 200`],
    ]);
    expect(await hostExec(HOST, `PGPASSWORD='${DB_PASSWORD}' psql -h localhost -U duel duel -tAc "select count(*) from schema_migrations"`)).toBe("1\n");
    expect(stack.output).not.toContain("SECRET");
    const again = await stack.up();
    expect(again.code, again.all).toBe(0);
    expect(Object.keys(summary(again.all))).toEqual(["unchanged"]);
  });

  it("a new version during FIGHTING is rebuilt, and the server restarts only after RESOLUTION", async () => {
    expect(await until(health, (h) => h.includes('"FIGHTING"'), 150)).toContain('"FIGHTING"');
    const before = JSON.parse(await health());
    writeFileSync(path.join(repo.dir, "VERSION"), "2\n");
    repo.commit("version 2");
    // up asks during FIGHTING and is seen still waiting; then the fight is decided.
    const { up, request } = await upThroughDuel(stack, HOST);
    expect(up.code, up.all).toBe(0);
    expect(request).toBe("graceful restart requested in FIGHTING, after the duel");
    expect(JSON.parse(await health()).version).toBe("2");
    const lines = (await hostExec(HOST, "cat /root/hyperscape/duel-phases.log")).trim().split("\n").map((l) => l.split(" "));
    const phases = lines.filter((l) => l[2] === before.version).map((l) => l[3]);
    const fight = phases.lastIndexOf("FIGHTING");
    expect(phases.slice(fight)).toEqual(["FIGHTING", "RESOLUTION"]);
    // The request reached the server while the duel ran: it answered willRestartAfterDuel.
    const out = await hostExec(HOST, "cat /root/.pm2/logs/duel-arena-out.log");
    expect(out.match(/graceful restart requested in [A-Z]+.*/g)).toEqual(["graceful restart requested in FIGHTING, after the duel"]);
    expect(out.indexOf("FIGHTING decided after")).toBeGreaterThan(out.indexOf("graceful restart requested in FIGHTING"));
    // RESOLUTION ran to its end (the default 3 s phase, printed only by the phase's own timer), not cut short.
    expect(Number(/RESOLUTION complete after (\d+) ms/.exec(out)?.[1])).toBeGreaterThanOrEqual(3000);
    expect(lines.filter((l) => l[2] === "2").length).toBeGreaterThan(0);
  });

  it("after a container restart onstart.sh brings the bun server back, and nothing drifted", async () => {
    await sandbox.restart(HOST);
    expect(await until(health, (h) => h.includes('"ok":true'), 90)).toContain('"version":"2"');
    expect((await stack.drift()).code).toBe(0);
  });

  it("with no duel active the server restarts at once (seeds/003: willRestartAfterDuel false)", async () => {
    // Matchmaking of 10 minutes: a process of this commit has no duel active for the rest of the test.
    const eco = path.join(repo.dir, "ecosystem.config.cjs");
    writeFileSync(eco, readFileSync(eco, "utf8").replace('FIGHT_MS: "600000",', 'FIGHT_MS: "600000",\n      PHASE_MS: "600000",'));
    writeFileSync(path.join(repo.dir, "VERSION"), "3\n");
    repo.commit("matchmaking of 10 minutes");
    // The running process may be in a duel: this restart may wait for it (the test decides the fight).
    const { up: first, request } = await upThroughDuel(stack, HOST);
    expect(first.code, first.all).toBe(0);
    expect(request).toMatch(/^graceful restart requested in [A-Z]+, (after the duel|now)$/);
    expect(JSON.parse(await health())).toMatchObject({ version: "3", phase: "MATCHMAKING" });
    const requests = async () => Number(await hostExec(HOST, "grep -c 'graceful restart requested in MATCHMAKING, now' /root/.pm2/logs/duel-arena-out.log || :"));
    const before = await requests();
    writeFileSync(path.join(repo.dir, "VERSION"), "4\n");
    repo.commit("version 4");
    const up = await stack.up();
    expect(up.code, up.all).toBe(0);
    expect(JSON.parse(await health())).toMatchObject({ version: "4", phase: "MATCHMAKING" });
    expect(await requests()).toBe(before + 1);
    // Version 3's process never left MATCHMAKING: it restarted when asked, without a duel to wait for.
    const lines = (await hostExec(HOST, "cat /root/hyperscape/duel-phases.log")).trim().split("\n").map((l) => l.split(" "));
    expect(lines.filter((l) => l[2] === "3").map((l) => l[3])).toEqual(["MATCHMAKING"]);
    expect((await stack.drift()).code).toBe(0);
  });
});

describe("real-shaped duel app (bun) on a systemd host", () => {
  const SD = "rc-duel-bun-sd";
  let stack: TestStack;

  beforeAll(async () => { ({ stack } = await bunStack(SD, "systemd")); });
  afterAll(async () => {
    await sandbox.down([SD]);
    stack?.remove();
  });

  it("converges with bun under pm2-hyperscape (the systemd default user); after a reboot the bun server is back after Xvfb, and nothing drifted", async () => {
    const up = await stack.up();
    expect(up.code, up.all).toBe(0);
    expect(JSON.parse(await healthOf(SD))).toMatchObject({ ok: true, version: "1", runtime: "bun 1.4.5" });
    const again = await stack.up();
    expect(again.code, again.all).toBe(0);
    expect(Object.keys(summary(again.all))).toEqual(["unchanged"]);
    await sandbox.restart(SD);
    expect(await until(() => healthOf(SD), (b) => b.includes('"ok":true'), 90)).toContain('"runtime":"bun 1.4.5"');
    expect(await hostExec(SD, "systemctl is-active xvfb pm2-hyperscape")).toBe("active\nactive\n");
    // Xvfb, PM2's daemon and the bun server are all the unprivileged user's.
    const pids = await hostExec(SD, "systemctl show -p MainPID --value xvfb; cat /home/hyperscape/.pm2/pm2.pid; echo; runuser -u hyperscape -- env PM2_HOME=/home/hyperscape/.pm2 PATH=/opt/hostform/node/bin:/usr/bin:/bin /usr/local/bin/pm2 pid duel-arena | head -n 1");
    expect(await hostExec(SD, `ps -o user= -p ${pids.trim().split(/\s+/).join(",")}`)).toBe("hyperscape\nhyperscape\nhyperscape\n");
    const t = (unit: string) => hostExec(SD, `systemctl show -p ActiveEnterTimestampMonotonic --value ${unit}`).then(Number);
    expect(await t("xvfb")).toBeLessThan(await t("pm2-hyperscape"));
    expect((await stack.drift()).code).toBe(0);
  });
});
