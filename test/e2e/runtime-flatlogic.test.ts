import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectionOf, hostExec, ROOT, sandbox, summary, TestStack } from "./harness";
import { interruptibleUp, liveEnv, pm2Pid, waitOnHost } from "./runtime";

// Issue 9 on a systemd host: secrets and settings reach the running Flatlogic apps, drift sees the
// processes, and partial failures (up killed, dpkg interrupted, apt locked, a unit crash-looping,
// a cut connection) heal with one up.
const HOST = "rt-flat";
const HARD = `p'a"s$s w#rd-${Math.random().toString(36).slice(2)}-SECRET`;
const ROTATED = `rot'at"ed $x #y-${Math.random().toString(36).slice(2)}-SECRET`;
const REL = "/home/ubuntu/executor/frontend-releases";
const ENV_FILE = "/home/ubuntu/executor/backend.env";
const live = (key: string) => liveEnv(HOST, "ubuntu", "backend-dev", key);
const accepted = async () => Number((await hostExec(HOST, "journalctl -u ssh --no-pager -o cat | grep -c 'Accepted publickey' || :")).trim());

describe("Flatlogic on a systemd host: what runs is what the code says", () => {
  const stack = new TestStack(ROOT);
  let h: sandbox.SandboxHost;
  let repo: sandbox.PublishedRepo;

  beforeAll(async () => {
    [h] = await sandbox.up([{ name: HOST, flavor: "systemd" }]);
    repo = sandbox.publishRepo(h, path.join(ROOT, "test/fixtures/flatlogic-app"), "/srv/git/app.git");
    await stack.init();
    const c = connectionOf(h);
    stack.setConfig({
      "hostform:hosts": [{ name: HOST, flavor: "systemd", role: "flatlogic", address: c.host, port: c.port, user: c.user, hostKey: c.hostKey, privateKeyPath: c.privateKeyPath }],
      "hostform:flatlogic": { repo: repo.remote, serverName: "app.example.test", node: { source: "npm-registry" }, executorFrom: "workspace", healthTimeoutSeconds: 60 },
    });
    for (const [k, v] of Object.entries({ JWT_SECRET: HARD, DB_PASSWORD: `db-${HARD}` })) {
      const set = await stack.pulumi("config", "set", "--secret", "--path", `hostform:flatlogicBackendEnv.${k}`, v);
      expect(set.code, set.all).toBe(0);
    }
  });
  afterAll(async () => {
    await sandbox.down([HOST]);
    stack.remove();
  });

  it("a secret with ' \" $ spaces and # reaches the running backend byte-exact; a second up changes nothing", async () => {
    const up = await stack.up();
    expect(up.code, up.all).toBe(0);
    expect(await live("JWT_SECRET")).toBe(HARD);
    expect(await live("DB_PASSWORD")).toBe(`db-${HARD}`);
    const second = await stack.up();
    expect(second.code, second.all).toBe(0);
    expect(Object.keys(summary(second.all))).toEqual(["unchanged"]);
    expect(stack.output).not.toContain("SECRET");
  });

  it("a rotated secret reaches the live environment with one up, and comes back after a reboot", async () => {
    expect((await stack.pulumi("config", "set", "--secret", "--path", "hostform:flatlogicBackendEnv.DB_PASSWORD", ROTATED)).code).toBe(0);
    const before = await pm2Pid(HOST, "ubuntu", "frontend-dev");
    const up = await stack.up();
    expect(up.code, up.all).toBe(0);
    expect(await live("DB_PASSWORD")).toBe(ROTATED);
    // Only the app whose environment changed was reloaded.
    expect(await pm2Pid(HOST, "ubuntu", "frontend-dev")).toBe(before);
    expect((await stack.drift()).code).toBe(0);

    await sandbox.restart(HOST);
    await waitOnHost(HOST, "curl -sf -o /dev/null http://127.0.0.1:3001/ && curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:3000/api/auth/me | grep -qx 401");
    expect(await live("DB_PASSWORD")).toBe(ROTATED);
    const drift = await stack.drift();
    expect(drift.code, drift.all).toBe(0);
    expect(stack.output).not.toContain("SECRET");
  });

  it("a running app with a stale environment is drift, named without its values, and up reloads it", async () => {
    // As if someone restarted it by hand with another value: the file and the code are unchanged.
    await hostExec(HOST, "cd / && runuser -u ubuntu -- env PM2_HOME=/home/ubuntu/.pm2 PATH=/opt/hostform/node/bin:/usr/bin:/bin DB_PASSWORD=by-hand-SECRET /usr/local/bin/pm2 restart backend-dev --update-env >/dev/null");
    expect(await live("DB_PASSWORD")).toBe("by-hand-SECRET");
    const drift = await stack.drift();
    expect(drift.code).toBe(7);
    expect(drift.all).toContain(`pm2:ubuntu backend-dev: environment differs from ${ENV_FILE}`);
    expect(drift.all).not.toContain("SECRET");
    const up = await stack.up();
    expect(up.code, up.all).toBe(0);
    expect(await live("DB_PASSWORD")).toBe(ROTATED);
    expect((await stack.drift()).code).toBe(0);
  });

  it("up interrupted (SIGINT, then SIGKILL) in the middle of a release build: the next up converges, no half-built release kept", async () => {
    // A build that takes 20 s while /tmp/rt-slow-build exists on the host.
    const build = path.join(repo.dir, "frontend/build.js");
    writeFileSync(build, `if (require("fs").existsSync("/tmp/rt-slow-build")) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20000);\n${readFileSync(build, "utf8")}`);
    writeFileSync(path.join(repo.dir, "frontend/VERSION"), "slow\n");
    repo.commit("slow build");
    await hostExec(HOST, "touch /tmp/rt-slow-build");
    const up = interruptibleUp(stack);
    await waitOnHost(HOST, "pgrep -f 'node [b]uild.js' >/dev/null", 180);
    const killed = await up.interrupt();
    expect(killed.code).not.toBe(0);
    // The remote build died with the connection: nothing goes on changing the host unwatched.
    await waitOnHost(HOST, "! pgrep -f 'node [b]uild.js' >/dev/null", 15);
    await hostExec(HOST, "rm -f /tmp/rt-slow-build");

    const next = await stack.up();
    expect(next.code, next.all).toBe(0);
    expect(await hostExec(HOST, "curl -s http://127.0.0.1:3001/")).toContain("version: slow");
    const partial = await hostExec(HOST, `for d in ${REL}/*-*; do test -f "$d/frontend/.hostform-release" || echo "$d"; done`);
    expect(partial).toBe("");
    const drift = await stack.drift();
    expect(drift.code, drift.all).toBe(0);
  });

  it("dpkg interrupted and the apt lock held by another process: up waits, repairs dpkg, installs, converges", async () => {
    // A package removed by hand (so up needs apt), a package left unpacked with dpkg's journal
    // pending (what a killed dpkg leaves), and dpkg's lock held by another process.
    await hostExec(HOST, "DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq jq >/dev/null && cd /tmp && apt-get download -qq tree"
      + " && dpkg --unpack /tmp/tree_*.deb >/dev/null && printf '' > /var/lib/dpkg/updates/0001");
    expect(await hostExec(HOST, "DEBIAN_FRONTEND=noninteractive apt-get install -y -qq jq 2>&1 || :")).toContain("dpkg was interrupted, you must manually run 'dpkg --configure -a'");
    // The holder keeps dpkg's lock until the test releases it (at most 10 min), so up meets it however slow the machine.
    await hostExec(HOST, "rm -f /tmp/rt-release; { (for i in $(seq 1200); do [ -e /tmp/rt-release ] && break; sleep 0.5; done | dpkg --set-selections) >/dev/null 2>&1 & }");
    await waitOnHost(HOST, "awk -v i=\"$(stat -c %i /var/lib/dpkg/lock-frontend)\" '$2 == \"POSIX\" && $6 ~ \":\"i\"$\"' /proc/locks | grep -q .", 30);
    let finished = false;
    const running = stack.up().finally(() => { finished = true; });
    // up's apt step has hostform's apt lock (fd 9) while the holder still has dpkg's: it met the lock.
    await waitOnHost(HOST, "find /proc/[0-9]*/fd -maxdepth 1 -lname /var/lib/hostform/apt.lock 2>/dev/null | grep -q .", 300);
    await new Promise((r) => setTimeout(r, 6000));
    // …and it waits: still running, nothing installed, the holder still there.
    expect(finished).toBe(false);
    expect(await hostExec(HOST, "pgrep -x dpkg >/dev/null && echo held; dpkg-query -W -f='${db:Status-Status}' jq 2>/dev/null | grep -qx installed || echo absent")).toBe("held\nabsent\n");
    await hostExec(HOST, "touch /tmp/rt-release");
    const up = await running;
    expect(up.code, up.all).toBe(0);
    expect(await hostExec(HOST, "dpkg --audit; ls /var/lib/dpkg/updates; dpkg-query -W -f='${db:Status-Status}\\n' jq tree")).toBe("installed\ninstalled\n");
    expect((await stack.drift()).code).toBe(0);
  });

  describe("host resources on the same host", () => {
    const rt = new TestStack(path.join(__dirname, "programs/runtime"));
    const drift = () => rt.drift();

    beforeAll(async () => {
      await rt.init();
      rt.setConfig({ "test:connection": connectionOf(h), "test:nodeBinDir": "/opt/hostform/node/bin", "test:pm2Bin": "/opt/hostform/pm2/lib/node_modules/pm2/bin/pm2" });
      const up = await rt.up();
      expect(up.code, up.all).toBe(0);
    });
    afterAll(() => rt.remove());

    it("apt locked longer than the wait: a clear error naming the holder; released, the next up converges", async () => {
      // The holder keeps dpkg's lock until the test releases it (at most 10 min): up meets it
      // however slow the machine, and the test need not wait out a fixed hold.
      await hostExec(HOST, "DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq tree >/dev/null && rm -f /tmp/rt-release-2"
        + " && { (for i in $(seq 1200); do [ -e /tmp/rt-release-2 ] && break; sleep 0.5; done | dpkg --set-selections) >/dev/null 2>&1 & }");
      await waitOnHost(HOST, "awk -v i=\"$(stat -c %i /var/lib/dpkg/lock-frontend)\" '$2 == \"POSIX\" && $6 ~ \":\"i\"$\"' /proc/locks | grep -q .", 30);
      const up = await rt.up();
      expect(up.code).not.toBe(0);
      expect(up.all).toMatch(/apt is locked by another process for more than 5 s: \/var\/lib\/dpkg\/lock-frontend by pid \d+ \(dpkg --set-selections \)\. Let it finish/);
      await hostExec(HOST, "touch /tmp/rt-release-2");
      await waitOnHost(HOST, "! pgrep -x dpkg >/dev/null", 90);
      expect((await rt.up()).code).toBe(0);
      expect((await drift()).code).toBe(0);
    });

    it("an errored instance of a cluster-mode app is drift even while the other runs; up restarts it", async () => {
      await hostExec(HOST, "touch /srv/rt/web/crash-1 && cd / && runuser -u rtc -- env PM2_HOME=/home/rtc/.pm2 PATH=/opt/hostform/node/bin:/usr/bin:/bin /usr/local/bin/pm2 restart web >/dev/null");
      await waitOnHost(HOST, "runuser -u rtc -- env PM2_HOME=/home/rtc/.pm2 PATH=/opt/hostform/node/bin:/usr/bin:/bin /usr/local/bin/pm2 jlist | grep -q '\"status\":\"errored\"'", 60);
      expect(await hostExec(HOST, "curl -s http://127.0.0.1:4100/")).toBe("hi");
      const d = await drift();
      expect(d.code).toBe(7);
      expect(d.all).toContain("pm2:rtc web: instance 1 is errored");
      await hostExec(HOST, "rm /srv/rt/web/crash-1");
      expect((await rt.up()).code).toBe(0);
      expect((await drift()).code).toBe(0);
    });

    it("a crash-looping unit counts as not active; with its file back, up brings it up", async () => {
      await hostExec(HOST, "rm /srv/rt/ok && systemctl restart rt-loop.service");
      await waitOnHost(HOST, "systemctl show -p SubState --value rt-loop.service | grep -qx auto-restart", 30);
      const d = await drift();
      expect(d.code).toBe(7);
      expect(d.all).toContain("~ active    : false => true");
      expect((await rt.up()).code).toBe(0);
      expect(await hostExec(HOST, "systemctl is-active rt-loop.service")).toBe("active\n");
      expect((await drift()).code).toBe(0);
    });

    it("a connection cut during a read is reopened once, the read retried, and the run goes on", async () => {
      await hostExec(HOST, "touch /srv/rt/cut-now");
      const before = await accepted();
      const d = await drift();
      expect(d.code, d.all).toBe(0);
      expect(await hostExec(HOST, "test -e /srv/rt/cut-now && echo still || echo cut")).toBe("cut\n");
      // One connection for the run, one reopened after the cut, one for the `test -e` above, one for this very count.
      expect(await accepted()).toBe(before + 4);
    });
  });
});
