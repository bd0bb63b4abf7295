import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostEntry, hostExec, ROOT, sandbox, summary, TestStack, until } from "./harness";
import { UBUNTU_MIRROR } from "../../scripts/sandbox/rootfs";

// Issue 13: hosts as they are in the field. The Flatlogic runbook's VM is Ubuntu (its PM2 unit is
// pm2-ubuntu); here it is Ubuntu 24.04 (noble) from archive.ubuntu.com, under systemd-nspawn.
// Where this machine does not reach that archive the file fails (a mirror or DNS blip must not turn
// the run green by removing these tests); HOSTFORM_E2E_SKIP_UBUNTU=1 skips it instead, counted as skipped.
const reachable = spawnSync("curl", ["-fsS", "-o", "/dev/null", "--max-time", "10", `${UBUNTU_MIRROR}/dists/noble/Release`]).status === 0;
if (!reachable && process.env.HOSTFORM_E2E_SKIP_UBUNTU === "1") console.warn(`[ubuntu e2e] SKIPPED (HOSTFORM_E2E_SKIP_UBUNTU=1): ${UBUNTU_MIRROR} is not reachable`);
if (!reachable && process.env.HOSTFORM_E2E_SKIP_UBUNTU !== "1") {
  it("reaches the Ubuntu mirror", () => {
    throw new Error(`${UBUNTU_MIRROR}/dists/noble/Release is not reachable from this machine; set HOSTFORM_E2E_SKIP_UBUNTU=1 to skip the Ubuntu e2e on purpose`);
  });
}

const HOST = "ub-flat";
const SECRET = `jwt-${Math.random().toString(36).slice(2)}-SECRET`;

describe.skipIf(!reachable)("Ubuntu 24.04 host: the Flatlogic VM", () => {
  const stack = new TestStack(ROOT);
  let h: sandbox.SandboxHost;

  beforeAll(async () => {
    [h] = await sandbox.up([{ name: HOST, flavor: "systemd", release: "noble" }]);
    const repo = sandbox.publishRepo(h, path.join(ROOT, "test/fixtures/flatlogic-app"), "/srv/git/app.git");
    await stack.init();
    stack.setConfig({
      "hostform:hosts": [hostEntry(h, "flatlogic")],
      "hostform:flatlogic": { repo: repo.remote, serverName: "app.example.test", node: { source: "npm-registry" }, executorFrom: "workspace", healthTimeoutSeconds: 60 },
    });
    const set = await stack.pulumi("config", "set", "--secret", "--path", "hostform:flatlogicBackendEnv.JWT_SECRET", SECRET);
    expect(set.code, set.all).toBe(0);
  });
  afterAll(async () => {
    await sandbox.down([HOST]);
    stack.remove();
  });

  it("converges in one up on Ubuntu's packages, serves through Apache; a second up changes nothing, drift is clean", async () => {
    expect(await hostExec(HOST, ". /etc/os-release; echo $ID $VERSION_ID")).toBe("ubuntu 24.04\n");
    const first = await stack.up();
    expect(first.code, first.all).toBe(0);
    const page = await fetch(`http://${h.address}/`, { signal: AbortSignal.timeout(5000) });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("flatlogic frontend");
    expect(await hostExec(HOST, "dpkg-query -W -f='${Version}\\n' apache2; systemctl is-active apache2 pm2-ubuntu"))
      .toMatch(/^2\.4\.\d+-\d+ubuntu[\d.]+\nactive\nactive\n$/);
    expect(stack.output).not.toContain("SECRET");
    const second = await stack.up();
    expect(second.code, second.all).toBe(0);
    expect(Object.keys(summary(second.all))).toEqual(["unchanged"]);
    expect((await stack.drift()).code).toBe(0);
  });

  it("after a reboot Apache and the PM2 apps are back, and nothing drifted", async () => {
    await sandbox.restart(HOST);
    const status = () => fetch(`http://${h.address}/`, { signal: AbortSignal.timeout(5000) }).then((r) => r.status, () => 0);
    expect(await until(status, (s) => s === 200)).toBe(200);
    expect(await hostExec(HOST, "systemctl is-active apache2 pm2-ubuntu")).toBe("active\nactive\n");
    expect((await stack.drift()).code).toBe(0);
  });
});

// A Vast.ai instance is an Ubuntu container: the duel stack there, with Ubuntu's PostgreSQL 16
// started by pg_ctlcluster (no init system). Ubuntu ships Chromium only as a snap, which a
// container cannot run: falkon (Qt WebEngine, Chromium's engine, a plain .deb) stands in for
// Google's Chrome Beta, whose repository this machine does not reach.
const DUEL = "ub-duel";
const ADMIN = `admin-${Math.random().toString(36).slice(2)}-SECRET`;
const DB_PASSWORD = `pw-${Math.random().toString(36).slice(2)}-SECRET`;

describe.skipIf(!reachable)("Ubuntu 24.04 container: the duel stack with PostgreSQL 16", () => {
  const stack = new TestStack(ROOT);

  beforeAll(async () => {
    const [h] = await sandbox.up([{ name: DUEL, flavor: "container", release: "noble" }]);
    const repo = sandbox.publishRepo(h, path.join(ROOT, "test/fixtures/duel-app"), "/srv/git/duel.git");
    await stack.init();
    stack.setConfig({
      "hostform:hosts": [hostEntry(h, "duel")],
      "hostform:duel": {
        repo: repo.remote, node: { source: "npm-registry" }, browser: { source: "debian", package: "falkon" }, externalPorts: { server: 5555 },
        app: { runtime: "node", ecosystem: "generated" }, gracefulTimeoutSeconds: 120,
      },
    });
    for (const [k, v] of Object.entries({ DATABASE_URL: `postgresql://duel:${DB_PASSWORD}@localhost:5432/duel`, ADMIN_CODE: ADMIN })) {
      const r = await stack.pulumi("config", "set", "--secret", "--path", `hostform:duelSecrets.${k}`, v);
      expect(r.code, r.all).toBe(0);
    }
  });
  afterAll(async () => {
    await sandbox.down([DUEL]);
    stack.remove();
  });

  it("converges with cluster 16/main, the app's role migrates and queries it; a second up changes nothing", async () => {
    const up = await stack.up();
    expect(up.code, up.all).toBe(0);
    expect(await hostExec(DUEL, "pg_lsclusters -h | tr -s ' ' | cut -d' ' -f1-4")).toBe("16 main 5432 online\n");
    expect(await hostExec(DUEL, `PGPASSWORD='${DB_PASSWORD}' psql -h localhost -U duel duel -tAc "select count(*) from duels"`)).toBe("0\n");
    expect(JSON.parse(await hostExec(DUEL, "curl -s localhost:5555/health"))).toMatchObject({ ok: true });
    expect(await hostExec(DUEL, "grep -c 'pg_ctlcluster 16 main' /root/onstart.sh")).not.toBe("0\n");
    expect(stack.output).not.toContain("SECRET");
    const again = await stack.up();
    expect(again.code, again.all).toBe(0);
    expect(Object.keys(summary(again.all))).toEqual(["unchanged"]);
  });

  it("a container restart: onstart.sh starts PostgreSQL 16 and the server again, and nothing drifted", async () => {
    await sandbox.restart(DUEL);
    const health = () => hostExec(DUEL, "curl -s localhost:5555/health || :");
    expect(await until(health, (b) => b.includes('"ok":true'))).toContain('"ok":true');
    expect(await hostExec(DUEL, "pg_lsclusters -h | tr -s ' ' | cut -d' ' -f1-4")).toBe("16 main 5432 online\n");
    expect((await stack.drift()).code).toBe(0);
  });
});
