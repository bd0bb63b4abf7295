import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectionOf, hostExec, ROOT, run, sandbox, summary, TestStack, until } from "./harness";
import { REMOTE_DATABASE_REMEDY } from "../../components/blocks/postgres/remote";
import { upThroughDuel } from "./fight";
import { liveEnv } from "./runtime";

// Issue 5: the Hyperscape duel stack (seeds/000 and 003) on hosts without and with systemd.
const ADMIN = `admin-${Math.random().toString(36).slice(2)}-SECRET`;
const DB_PASSWORD = `pw-${Math.random().toString(36).slice(2)}-SECRET`;
// The stand-in runs on node with hostform's generated ecosystem (duel-bun.test.ts runs the real-shaped one).
const STANDIN = { runtime: "node", ecosystem: "generated" };
const status = (h: string) => hostExec(h, "curl -s localhost:5555/health");

/** The server's /health once it answers ok (a booting host takes a while), or the last answer. */
async function healthyAfterBoot(host: string): Promise<string> {
  let health = "";
  for (let i = 0; i < 60 && !health.includes('"ok":true'); i++) {
    await new Promise((r) => setTimeout(r, 1000));
    health = await hostExec(host, "curl -s localhost:5555/health || :");
  }
  return health;
}

/** Phase log lines: [ISO time, pid, version, phase]. */
async function phaseLog(host: string, file: string): Promise<string[][]> {
  return (await hostExec(host, `cat ${file}`)).trim().split("\n").map((l) => l.split(" "));
}

async function duelStack(name: string, flavor: "systemd" | "container", tweak?: (repo: sandbox.PublishedRepo) => void) {
  const [h] = await sandbox.up([{ name, flavor }]);
  const repo = sandbox.publishRepo(h, path.join(ROOT, "test/fixtures/duel-app"), "/srv/git/duel.git");
  tweak?.(repo);
  const stack = new TestStack(ROOT);
  await stack.init();
  const c = connectionOf(h);
  stack.setConfig({
    "hostform:hosts": [{ name, flavor, role: "duel", address: c.host, port: c.port, user: c.user, hostKey: c.hostKey, privateKeyPath: c.privateKeyPath }],
    "hostform:duel": { repo: repo.remote, node: { source: "npm-registry" }, browser: { source: "debian", package: "chromium" }, externalPorts: { server: 5555 }, app: STANDIN, gracefulTimeoutSeconds: 240 },
  });
  for (const [k, v] of Object.entries({ DATABASE_URL: `postgresql://duel:${DB_PASSWORD}@localhost:5432/duel`, ADMIN_CODE: ADMIN, TWITCH_STREAM_KEY: "live_x-SECRET" })) {
    const r = await stack.pulumi("config", "set", "--secret", "--path", `hostform:duelSecrets.${k}`, v);
    expect(r.code, r.all).toBe(0);
  }
  return { h, repo, stack };
}

describe("duel stack on a container host (Vast.ai-like, no systemd)", () => {
  const HOST = "e2e-duel-ctr";
  let env: Awaited<ReturnType<typeof duelStack>>;
  // Fights of 10 minutes (the stand-in's timing.json): one lasts until the test decides it
  // (upThroughDuel), long after `up` has fetched, installed and migrated and asked for the restart.
  beforeAll(async () => {
    env = await duelStack(HOST, "container", (r) => {
      writeFileSync(path.join(r.dir, "timing.json"), '{"FIGHT_MS": 600000}\n');
      r.commit("fights of 10 minutes");
    });
  });
  afterAll(async () => {
    await sandbox.down([HOST]);
    env?.stack.remove();
  });

  it("fresh host → one up → healthy with a local database; a second up changes nothing", async () => {
    const up = await env.stack.up();
    expect(up.code, up.all).toBe(0);
    expect(JSON.parse(await hostExec(HOST, "curl -s localhost:5555/streaming/state"))).toEqual({ display: ":99", platforms: ["twitch"] });
    expect(up.all).toContain('streamPlatforms: [\n                [0]: "twitch"');
    // The app's role connects to the host's real PostgreSQL; migrations ran.
    expect(await hostExec(HOST, `PGPASSWORD='${DB_PASSWORD}' psql -h localhost -U duel duel -tAc "select count(*) from duels"`)).toBe("0\n");
    expect(await hostExec(HOST, "stat -c '%a' /tmp/hyperscape-secrets.env /etc/hostform/hyperscape-secrets.env; test -S /tmp/.X11-unix/X99 && echo display")).toBe("600\n600\ndisplay\n");
    expect(env.stack.output).not.toContain("SECRET");
    const second = await env.stack.up();
    expect(second.code, second.all).toBe(0);
    expect(Object.keys(summary(second.all))).toEqual(["unchanged"]);
  });

  it("a code change during FIGHTING waits for RESOLUTION, then the new code runs", async () => {
    // The running server's first fight (it begins 6 s after the server starts and lasts until ended).
    expect(await until(() => status(HOST), (h) => h.includes('"FIGHTING"'), 60)).toContain('"FIGHTING"');
    const before = JSON.parse(await status(HOST));
    writeFileSync(path.join(env.repo.dir, "VERSION"), "2\n");
    env.repo.commit("version 2");
    const upStarted = Date.now();
    // up asks during FIGHTING and is seen still waiting; then the fight is decided.
    const { up, request } = await upThroughDuel(env.stack, HOST);
    expect(up.code, up.all).toBe(0);
    expect(request).toBe("graceful restart requested in FIGHTING, after the duel");
    expect(JSON.parse(await status(HOST)).version).toBe("2");
    // The server got exactly one request, during FIGHTING, and answered that it waits for the duel.
    const out = await hostExec(HOST, "cat /root/.pm2/logs/duel-arena-out.log");
    expect(out.match(/graceful restart requested in [A-Z]+.*/g)).toEqual(["graceful restart requested in FIGHTING, after the duel"]);
    // The fight ended when the test decided it, after the request: up waited through it.
    expect(out.match(/FIGHTING decided after \d+ ms/g)?.length).toBe(1);
    expect(out.indexOf("FIGHTING decided after")).toBeGreaterThan(out.indexOf("graceful restart requested in FIGHTING"));
    // RESOLUTION ran to its end (its 3 s, printed only by the phase's own timer), not cut short.
    const complete = /RESOLUTION complete after (\d+) ms/g.exec(out);
    expect(Number(complete?.[1])).toBeGreaterThanOrEqual(3000);
    // The phase log: the old process's last phases are that duel's FIGHTING and RESOLUTION, no new
    // duel and no IDLE after it; the new process starts after RESOLUTION's whole length.
    const lines = await phaseLog(HOST, "/root/hyperscape/duel-phases.log");
    const oldPid = lines.filter((l) => l[2] === before.version).at(-1)?.[1];
    const oldLines = lines.filter((l) => l[1] === oldPid);
    const newLines = lines.filter((l) => l[2] === "2");
    expect(oldLines.slice(-2).map((l) => l[3])).toEqual(["FIGHTING", "RESOLUTION"]);
    // That FIGHTING began before up started, so the one request made in FIGHTING came during it.
    expect(Date.parse(oldLines.at(-2)![0])).toBeLessThan(upStarted);
    expect(newLines.length).toBeGreaterThan(0);
    expect(new Set(newLines.map((l) => l[1])).size).toBe(1);
    expect(newLines[0][1]).not.toBe(oldPid);
    expect(Date.parse(newLines[0][0]) - Date.parse(oldLines.at(-1)![0])).toBeGreaterThanOrEqual(3000);
  });

  it("a rotated admin code does not lock the next deploy out: the restart uses the server's own, the new process gets the new one", async () => {
    expect((await env.stack.pulumi("config", "set", "--secret", "--path", "hostform:duelSecrets.ADMIN_CODE", `${ADMIN}-rotated`)).code).toBe(0);
    writeFileSync(path.join(env.repo.dir, "VERSION"), "3\n");
    env.repo.commit("version 3");
    // Version 2's server may be in a duel: the restart then waits for it (the test decides the fight).
    const { up, request } = await upThroughDuel(env.stack, HOST);
    expect(up.code, up.all).toBe(0);
    expect(request).toMatch(/^graceful restart requested in [A-Z]+, (after the duel|now)$/);
    expect(JSON.parse(await status(HOST)).version).toBe("3");
    expect(await liveEnv(HOST, "root", "duel-arena", "ADMIN_CODE")).toBe(`${ADMIN}-rotated`);
    expect(env.stack.output).not.toContain("SECRET");
  });

  it("a restart of the container brings Xvfb, the secrets file and the apps back through onstart.sh", async () => {
    await sandbox.restart(HOST);
    expect(await healthyAfterBoot(HOST)).toContain('"ok":true');
    expect((await env.stack.drift()).code).toBe(0);
  });
});

describe("duel stack on a systemd host", () => {
  const HOST = "e2e-duel-sd";
  let env: Awaited<ReturnType<typeof duelStack>>;
  beforeAll(async () => { env = await duelStack(HOST, "systemd"); });
  afterAll(async () => {
    await sandbox.down([HOST]);
    env?.stack.remove();
  });

  it("converges as the unprivileged user hyperscape, Xvfb included; after a reboot all of it is back, Xvfb up before PM2", async () => {
    const up = await env.stack.up();
    expect(up.code, up.all).toBe(0);
    const again = await env.stack.up();
    expect(again.code, again.all).toBe(0);
    expect(Object.keys(summary(again.all))).toEqual(["unchanged"]);
    await runsAsHyperscape();
    // A graceful restart through hyperscape's PM2 (3 s phases: it waits at most one duel).
    writeFileSync(path.join(env.repo.dir, "VERSION"), "2\n");
    env.repo.commit("version 2");
    const second = await env.stack.up();
    expect(second.code, second.all).toBe(0);
    expect(JSON.parse(await status(HOST)).version).toBe("2");
    expect(Number(await hostExec(HOST, "grep -c 'graceful restart requested in' /home/hyperscape/.pm2/logs/duel-arena-out.log"))).toBe(1);
    await sandbox.restart(HOST);
    expect(await healthyAfterBoot(HOST)).toContain('"ok":true');
    expect(await hostExec(HOST, "stat -c '%a %U' /tmp/hyperscape-secrets.env; systemctl is-active xvfb pm2-hyperscape hyperscape-secrets")).toBe("600 hyperscape\nactive\nactive\nactive\n");
    const t = (unit: string) => hostExec(HOST, `systemctl show -p ActiveEnterTimestampMonotonic --value ${unit}`).then(Number);
    expect(await t("xvfb")).toBeLessThan(await t("pm2-hyperscape"));
    await runsAsHyperscape();
    expect(JSON.parse(await status(HOST)).version).toBe("2");
    expect((await env.stack.drift()).code).toBe(0);
  });

  /** The user exists and is no one's admin; Xvfb, PM2 and the server are its processes; it captures the display; its database role migrated. */
  async function runsAsHyperscape(): Promise<void> {
    expect(await hostExec(HOST, "id -nG hyperscape; stat -c %U /home/hyperscape/hyperscape /home/hyperscape/.pm2")).toBe("hyperscape\nhyperscape\nhyperscape\n");
    const xvfb = (await hostExec(HOST, "systemctl show -p MainPID --value xvfb")).trim();
    expect(await hostExec(HOST, `awk '/^Uid:/ {print $2}' /proc/${xvfb}/status; id -u hyperscape`)).toMatch(/^(\d+)\n\1\n$/);
    expect(await hostExec(HOST, `ps -o user= -p ${xvfb}; stat -c '%U %a' /tmp/.X11-unix; stat -c %U /tmp/.X11-unix/X99`)).toBe("hyperscape\nroot 1777\nhyperscape\n");
    const app = (await hostExec(HOST, "runuser -u hyperscape -- env PM2_HOME=/home/hyperscape/.pm2 PATH=/opt/hostform/node/bin:/usr/bin:/bin /usr/local/bin/pm2 pid duel-arena | head -n 1")).trim();
    expect(await hostExec(HOST, `ps -o user= -p ${app}; ps -o user= -p $(cat /home/hyperscape/.pm2/pm2.pid)`)).toBe("hyperscape\nhyperscape\n");
    // The stream's capture path: the app user reads a frame of :99, as ffmpeg's x11grab does when it streams.
    expect(await hostExec(HOST, "cd /tmp && runuser -u hyperscape -- ffmpeg -loglevel error -f x11grab -video_size 64x64 -i :99 -frames:v 1 -f null - && echo captured")).toBe("captured\n");
    expect(JSON.parse(await hostExec(HOST, "curl -s localhost:5555/streaming/state"))).toEqual({ display: ":99", platforms: ["twitch"] });
    expect(await hostExec(HOST, `PGPASSWORD='${DB_PASSWORD}' psql -h localhost -U duel duel -tAc "select count(*) from duels"`)).toBe("0\n");
  }
});

describe("duel stack with a remote database", () => {
  const HOST = "e2e-duel-rm";
  const PG = "e2e-pg";
  let stack: TestStack;
  let pg: sandbox.SandboxHost;

  beforeAll(async () => {
    let h: sandbox.SandboxHost;
    [h, pg] = await sandbox.up([{ name: HOST, flavor: "container" }, { name: PG, flavor: "systemd" }]);
    // A PostgreSQL server on its own host, reachable from the sandbox network.
    await hostExec(PG, [
      "DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null",
      "echo \"listen_addresses = '*'\" >> /etc/postgresql/15/main/postgresql.conf",
      "echo 'host all all 10.231.0.0/16 scram-sha-256' >> /etc/postgresql/15/main/pg_hba.conf",
      "systemctl restart postgresql",
      `cd / && runuser -u postgres -- psql -q -c "create role duel login password '${DB_PASSWORD}'" -c "create database duel owner duel"`,
    ].join(" && "));
    const repo = sandbox.publishRepo(h, path.join(ROOT, "test/fixtures/duel-app"), "/srv/git/duel.git");
    stack = new TestStack(ROOT);
    await stack.init();
    const c = connectionOf(h);
    stack.setConfig({
      "hostform:hosts": [{ name: HOST, flavor: "container", role: "duel", address: c.host, port: c.port, user: c.user, hostKey: c.hostKey, privateKeyPath: c.privateKeyPath }],
      "hostform:duel": { repo: repo.remote, node: { source: "npm-registry" }, browser: { source: "debian", package: "chromium" }, externalPorts: { server: 5555 }, app: STANDIN },
    });
    for (const [k, v] of Object.entries({ DATABASE_URL: `postgresql://duel:${DB_PASSWORD}@${pg.address}:5432/duel`, ADMIN_CODE: ADMIN })) {
      expect((await stack.pulumi("config", "set", "--secret", "--path", `hostform:duelSecrets.${k}`, v)).code).toBe(0);
    }
  });
  afterAll(async () => {
    await sandbox.down([HOST, PG]);
    stack?.remove();
  });

  it("does no local PostgreSQL work and migrates the remote database", async () => {
    const up = await stack.up();
    expect(up.code, up.all).toBe(0);
    expect(await hostExec(HOST, "dpkg -l postgresql 2>/dev/null | grep -c ^ii || :; grep -o '\"USE_LOCAL_POSTGRES\": *\"[a-z]*\"' /root/ecosystem.config.js")).toBe('0\n"USE_LOCAL_POSTGRES": "false"\n');
    expect(await hostExec(PG, `cd / && runuser -u postgres -- psql -tA duel -c "select count(*) from schema_migrations"`)).toBe("1\n");
    expect(JSON.parse(await hostExec(HOST, "curl -s localhost:5555/health")).ok).toBe(true);
  });

  // Issue 23 item 10 (H55): health (what up waits for, what drift reads) and the doctor check from the
  // host that the remote database answers, and name it, with the remedy, when it does not.
  it("drift and the doctor check the remote database: stopped, both name host:port and the remedy, never the password; started, clean", async () => {
    const at = `PostgreSQL at ${pg.address}:5432 (database duel)`;
    const database = async () => {
      const args = ["run", "-s", "doctor", "--", "--stack", stack.name, "--config-file", stack.configFile, "--host", HOST, "--json"];
      const r = await run("npm", args, { env: { PULUMI_BACKEND_URL: `file://${stack.backend}`, PULUMI_CONFIG_PASSPHRASE: stack.passphrase } });
      expect(r.all).not.toContain(DB_PASSWORD);
      const checks: { check: string; status: string; evidence: string[]; remedy?: { say: string; run: string[] } }[] = JSON.parse(r.stdout).hosts[0].checks;
      return { code: r.code, ...checks.find((c) => c.check === "database")! };
    };
    const clean = await stack.drift();
    expect(clean.code, clean.all).toBe(0);
    expect(await database()).toMatchObject({ status: "ok", evidence: [`${at} accepts connections`] });

    await hostExec(PG, "systemctl stop postgresql");
    const drift = await stack.drift();
    expect(drift.code, drift.all).not.toBe(0);
    expect(drift.all).toContain(`database: no-response: ${at} did not answer (refused, unreachable, or silent for 5 s)`);
    expect(drift.all).toContain("IP allowlist");
    expect(drift.all).not.toContain(DB_PASSWORD);
    const down = await database();
    expect(down).toMatchObject({ code: 2, status: "fail", evidence: [`${at} did not answer (refused, unreachable, or silent for 5 s): ${REMOTE_DATABASE_REMEDY}`] });
    expect(down.remedy?.run).toEqual([`pg_isready --host=${pg.address} --port=5432 --dbname=duel --timeout=5`, `npm run up -- --stack ${stack.name}`]);

    await hostExec(PG, "systemctl start postgresql");
    const again = await stack.drift();
    expect(again.code, again.all).toBe(0);
    expect((await database()).status).toBe("ok");
  });
});
