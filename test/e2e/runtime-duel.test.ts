import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectionOf, hostExec, ROOT, sandbox, summary, TestStack } from "./harness";
import { interruptibleUp, liveEnv, waitOnHost } from "./runtime";

// Issue 9 on a container host (Vast.ai-like, no systemd): a new environment reaches the duel
// server through its graceful restart, the code step records only what answered /health, refs
// resolve exactly, and a restart of the container in the middle of up heals with one up.
const HOST = "rt-duel";
const ADMIN = `admin-${Math.random().toString(36).slice(2)}-SECRET`;
const ADMIN2 = `admin2 '${Math.random().toString(36).slice(2)}' $x-SECRET`;
const KEY = `live_x'y"z $HOME w#rd-${Math.random().toString(36).slice(2)}-SECRET`;
const KEY2 = `live_rotated 'q' "$(id)" #-${Math.random().toString(36).slice(2)}-SECRET`;
const DB_PASSWORD = `pw-${Math.random().toString(36).slice(2)}-SECRET`;
const SECRETS = "/tmp/hyperscape-secrets.env";
const health = async () => JSON.parse(await hostExec(HOST, "curl -s localhost:5555/health")) as { version: string; phase: string };
const live = (key: string) => liveEnv(HOST, "root", "duel-arena", key);
// What a container start did and what PM2 runs: why the server does not answer, in a failure.
const WHY = "tail -n 20 /var/log/onstart.log; env PM2_HOME=/root/.pm2 PATH=/opt/hostform/node/bin:/usr/bin:/bin /usr/local/bin/pm2 ls --no-color; ls -l /root/.pm2/dump.pm2*; tail -n 15 /root/.pm2/pm2.log";
const up200 = (seconds: number) => waitOnHost(HOST, "curl -s localhost:5555/health | grep -q '\"ok\":true'", seconds, WHY);
// onstart.sh's last step is PM2's ("PM2 resurrected …", "PM2 already running …" or "pm2 resurrect
// failed …"): after a container restart the server is waited for once that step is over, so a
// machine slow to start Xvfb and PostgreSQL does not count against the server's 90 s.
const ONSTART_DONE = "grep -qi 'pm2 ' /var/log/onstart.log && ! pgrep -f '/root/onstart[.]sh' >/dev/null";
const afterRestart = async () => {
  await waitOnHost(HOST, ONSTART_DONE, 300, WHY);
  await up200(90);
};
const fighting = () => waitOnHost(HOST, "curl -s localhost:5555/health | grep -q '\"phase\":\"FIGHTING\"'", 60);

describe("duel stack on a container host: what runs is what the code says", () => {
  const stack = new TestStack(ROOT);
  let h: sandbox.SandboxHost;
  let repo: sandbox.PublishedRepo;
  // setConfig writes the config file afresh: the secrets set so far are set again after it.
  const secrets: Record<string, string> = {};
  const secret = async (k: string, v: string) => {
    secrets[k] = v;
    expect((await stack.pulumi("config", "set", "--secret", "--path", `hostform:duelSecrets.${k}`, v)).code).toBe(0);
  };
  const configure = async (extra: Record<string, unknown> = {}) => {
    const c = connectionOf(h);
    stack.setConfig({
      "hostform:hosts": [{ name: HOST, flavor: "container", role: "duel", address: c.host, port: c.port, user: c.user, hostKey: c.hostKey, privateKeyPath: c.privateKeyPath }],
      "hostform:duel": {
        repo: repo.remote, node: { source: "npm-registry" }, browser: { source: "debian", package: "chromium" }, externalPorts: { server: 5555 },
        app: { runtime: "node", ecosystem: "generated" }, gracefulTimeoutSeconds: 120, healthTimeoutSeconds: 30, ...extra,
      },
    });
    for (const [k, v] of Object.entries(secrets)) await secret(k, v);
  };
  const version = async (v: string) => {
    writeFileSync(path.join(repo.dir, "VERSION"), `${v}\n`);
    return repo.commit(`version ${v}`);
  };

  beforeAll(async () => {
    [h] = await sandbox.up([{ name: HOST, flavor: "container" }]);
    repo = sandbox.publishRepo(h, path.join(ROOT, "test/fixtures/duel-app"), "/srv/git/duel.git");
    await stack.init();
    await configure();
    await secret("DATABASE_URL", `postgresql://duel:${DB_PASSWORD}@localhost:5432/duel`);
    await secret("ADMIN_CODE", ADMIN);
    await secret("TWITCH_STREAM_KEY", KEY);
  });
  afterAll(async () => {
    await sandbox.down([HOST]);
    stack.remove();
  });

  it("a stream key with ' \" $ spaces and # reaches the server byte-exact; a second up changes nothing", async () => {
    const up = await stack.up();
    expect(up.code, up.all).toBe(0);
    expect(await live("TWITCH_STREAM_KEY")).toBe(KEY);
    expect(await live("ADMIN_CODE")).toBe(ADMIN);
    const again = await stack.up();
    expect(again.code, again.all).toBe(0);
    expect(Object.keys(summary(again.all))).toEqual(["unchanged"]);
  });

  it("rotated ADMIN_CODE and stream key: one up restarts the server gracefully after its duel, with both; a container restart keeps them", async () => {
    await fighting();
    // The running server's pid as its own phase log has it (the log's lines are "<time> <pid> <version> <phase>").
    const before = (await hostExec(HOST, "tail -n 1 /root/hyperscape/duel-phases.log")).split(" ")[1];
    await secret("ADMIN_CODE", ADMIN2);
    await secret("TWITCH_STREAM_KEY", KEY2);
    const up = await stack.up();
    expect(up.code, up.all).toBe(0);
    expect(await live("ADMIN_CODE")).toBe(ADMIN2);
    expect(await live("TWITCH_STREAM_KEY")).toBe(KEY2);
    // The old process ran its duel to the end: its last phases are FIGHTING then RESOLUTION.
    const lines = (await hostExec(HOST, "cat /root/hyperscape/duel-phases.log")).trim().split("\n").map((l) => l.split(" "));
    const phases = lines.filter((l) => l[1] === before).map((l) => l[3]);
    const fight = phases.lastIndexOf("FIGHTING");
    expect(fight).toBeGreaterThanOrEqual(0);
    expect(phases.slice(fight, fight + 2)).toEqual(["FIGHTING", "RESOLUTION"]);
    expect(lines.at(-1)?.[1]).not.toBe(before); // a new process runs now
    expect((await stack.drift()).code).toBe(0);

    await sandbox.restart(HOST);
    await afterRestart();
    expect(await live("TWITCH_STREAM_KEY")).toBe(KEY2);
    expect(await live("ADMIN_CODE")).toBe(ADMIN2);
    expect((await stack.drift()).code).toBe(0);
    expect(stack.output).not.toContain("SECRET");
  });

  it("a server running with a stale environment is drift, named without values; up restarts it gracefully", async () => {
    await hostExec(HOST, "cd / && env PM2_HOME=/root/.pm2 PATH=/opt/hostform/node/bin:/usr/bin:/bin TWITCH_STREAM_KEY=by-hand-SECRET /usr/local/bin/pm2 restart duel-arena --update-env >/dev/null");
    await up200(30);
    const drift = await stack.drift();
    expect(drift.code).toBe(7);
    expect(drift.all).toContain(`pm2:root duel-arena: environment differs from ${SECRETS}`);
    expect(drift.all).not.toContain("SECRET");
    const up = await stack.up();
    expect(up.code, up.all).toBe(0);
    expect(await live("TWITCH_STREAM_KEY")).toBe(KEY2);
    expect((await stack.drift()).code).toBe(0);
  });

  it("an annotated tag, and a branch whose name ends another's (main, feature/main), each converge", async () => {
    const tagged = await version("tag");
    const feature = await version("feature");
    await version("main");
    await hostExec(HOST, `cd /srv/git/duel.git && git -c user.name=t -c user.email=t@t tag -a -m v2 v2 ${tagged} && git branch feature/main ${feature}`);
    await configure({ ref: "v2" });
    const up = await stack.up();
    expect(up.code, up.all).toBe(0);
    expect((await health()).version).toBe("tag");
    expect((await stack.drift()).code).toBe(0);
    await configure();
    expect((await stack.up()).code).toBe(0);
    expect((await health()).version).toBe("main");
    expect((await stack.drift()).code).toBe(0);
  });

  it("new code whose server does not come up is not recorded as deployed: up fails, drift says so, a fix converges", async () => {
    const server = path.join(repo.dir, "server.js");
    const good = readFileSync(server, "utf8");
    writeFileSync(server, 'console.error("duel-arena: cannot start"); process.exit(1);\n');
    await version("broken");
    const up = await stack.up();
    expect(up.code).not.toBe(0);
    expect(up.all).toContain("after the restart, http://127.0.0.1:5555/health did not answer 200 with version broken and restart-status restartPending false within 30 s");
    // The server's own words come with it (seeds/003: pm2 logs duel-arena).
    expect(up.all).toContain("last log lines of duel-arena (secrets redacted):");
    expect(up.all).toContain("duel-arena: cannot start");
    const drift = await stack.drift();
    expect(drift.code).toBe(7);
    expect(drift.all).toContain("duel server at main");
    writeFileSync(server, good);
    await version("fixed");
    const fixed = await stack.up();
    expect(fixed.code, fixed.all).toBe(0);
    expect((await health()).version).toBe("fixed");
    expect((await stack.drift()).code).toBe(0);
  });

  it("a container restart in the middle of up (while it waits for the duel to end): the next up converges", async () => {
    await fighting();
    await version("after-restart");
    const up = interruptibleUp(stack);
    await waitOnHost(HOST, "pgrep -f 'launch[B]us' >/dev/null", 120);
    await sandbox.restart(HOST);
    expect((await up.done).code).not.toBe(0);
    await afterRestart();
    const next = await stack.up();
    expect(next.code, next.all).toBe(0);
    expect((await health()).version).toBe("after-restart");
    const drift = await stack.drift();
    expect(drift.code, drift.all).toBe(0);
  });

  it("a Node.js version change (20 → 22, and back down) installs it, and the server restarts gracefully onto it", async () => {
    // The server's own pid, from the last line of its phase log; the binary that process runs.
    const serverNode = async () => (await hostExec(HOST, "readlink -f /proc/$(tail -n 1 /root/hyperscape/duel-phases.log | cut -d' ' -f2)/exe")).trim();
    expect(await serverNode()).toBe("/opt/hostform/node-v20.20.2/bin/node");
    const was = (await health()).version;
    for (const v of ["22.23.3", "20.20.2"]) {
      await configure({ node: { source: "npm-registry", version: v } });
      const up = await stack.up();
      expect(up.code, up.all).toBe(0);
      expect(await hostExec(HOST, "node --version; readlink -f /opt/hostform/node")).toBe(`v${v}\n/opt/hostform/node-v${v}\n`);
      expect(await serverNode()).toBe(`/opt/hostform/node-v${v}/bin/node`);
      expect((await health()).version).toBe(was);
      expect((await stack.drift()).code).toBe(0);
    }
  });
});
