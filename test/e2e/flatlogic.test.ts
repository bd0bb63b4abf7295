import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectionOf, hostExec, listeners, pm2Processes, processEnv, ROOT, run, sandbox, summary, TestStack, until } from "./harness";

// Issue 4: the Flatlogic VM runbook (seeds/001) converged for real on a systemd host.
const HOST = "e2e-flat";
const SECRET = `jwt-${Math.random().toString(36).slice(2)}-SECRET`;
const REL = "/home/ubuntu/executor/frontend-releases";

const get = async (url: string) => {
  const r = await fetch(url, { signal: AbortSignal.timeout(5000) }).catch(() => undefined);
  return { status: r?.status ?? 0, body: r ? await r.text() : "" };
};

describe("Flatlogic VM topology", () => {
  const stack = new TestStack(ROOT);
  let h: sandbox.SandboxHost;
  let repo: sandbox.PublishedRepo;
  let settings: Record<string, unknown>;

  const configure = (extra: Record<string, unknown> = {}) => {
    const c = connectionOf(h);
    stack.setConfig({
      "hostform:hosts": [{ name: HOST, flavor: "systemd", role: "flatlogic", address: c.host, port: c.port, user: c.user, hostKey: c.hostKey, privateKeyPath: c.privateKeyPath }],
      "hostform:flatlogic": { ...settings, ...extra },
    });
  };
  const releases = async () => (await hostExec(HOST, `ls -1 ${REL} | grep -v current`)).trim().split("\n");
  const active = async () => path.basename((await hostExec(HOST, `readlink ${REL}/current`)).trim());

  beforeAll(async () => {
    [h] = await sandbox.up([{ name: HOST, flavor: "systemd" }]);
    repo = sandbox.publishRepo(h, path.join(ROOT, "test/fixtures/flatlogic-app"), "/srv/git/app.git");
    settings = { repo: repo.remote, serverName: "app.example.test", node: { source: "npm-registry" }, executorFrom: "workspace", healthTimeoutSeconds: 60 };
    await stack.init();
    configure();
    const set = await stack.pulumi("config", "set", "--secret", "--path", "hostform:flatlogicBackendEnv.JWT_SECRET", SECRET);
    expect(set.code, set.all).toBe(0);
  });
  afterAll(async () => {
    await sandbox.down([HOST]);
    stack.remove();
  });

  it("a fresh host converges in one up, serves through Apache, and a second up changes nothing", async () => {
    const first = await stack.up();
    expect(first.code, first.all).toBe(0);
    expect(await get(`http://${h.address}/`)).toMatchObject({ status: 200, body: expect.stringContaining("flatlogic frontend") });
    expect((await get(`http://${h.address}/api/auth/me`)).status).toBe(401);
    // The backend got its secrets from the 0600 env file (it reports how many, never which).
    expect(JSON.parse((await get(`http://${h.address}:3000/api/health`)).body).secretSettings).toBe(1);
    expect(await hostExec(HOST, "stat -c '%a %U' /home/ubuntu/.pm2 /home/ubuntu/.pm2/dump.pm2 /home/ubuntu/executor/backend.env; systemctl is-enabled pm2-ubuntu"))
      .toBe("700 ubuntu\n600 ubuntu\n600 ubuntu\nenabled\n");
    const pm2 = await pm2Processes(HOST);
    expect(Object.entries(pm2).map(([name, p]) => `${name}:${p.status}:${p.args.join(" ")}`).sort())
      .toEqual(["backend-dev:online:run start", "fl-executor:online:", "fl-telemetry:online:", "frontend-dev:online:run start"]);
    // The executor's telemetry daemon, from executor/ (the VM image's ~/executor shape; the
    // repository has no telemetry/), holds 4317 and 4318 itself; the executor keeps releasesKeep.
    expect([pm2["fl-telemetry"]!.exec, pm2["fl-executor"]!.exec]).toEqual(["/home/ubuntu/executor/workspace/executor/telemetry.js", "/home/ubuntu/executor/workspace/executor/executor.js"]);
    expect(await hostExec(HOST, "test -e /home/ubuntu/executor/workspace/telemetry && echo present || echo absent")).toBe("absent\n");
    expect(await listeners(HOST, [4317, 4318])).toEqual({ 4317: [pm2["fl-telemetry"]!.pid], 4318: [pm2["fl-telemetry"]!.pid] });
    expect(await processEnv(HOST, pm2["fl-executor"]!.pid, "FRONTEND_RELEASES_KEEP")).toBe("2");
    expect(stack.output).not.toContain("SECRET");

    const second = await stack.up();
    expect(second.code, second.all).toBe(0);
    expect(Object.keys(summary(second.all))).toEqual(["unchanged"]);
    expect((await stack.drift()).code).toBe(0);
  });

  it("a new frontend commit becomes a new release; old ones are pruned to the limit, the active one kept; rollback works", async () => {
    const first = await releases();
    expect(first).toHaveLength(1);
    for (const v of ["2", "3"]) {
      writeFileSync(path.join(repo.dir, "frontend/VERSION"), `${v}\n`);
      repo.commit(`frontend ${v}`);
      const up = await stack.up();
      expect(up.code, up.all).toBe(0);
      expect((await get(`http://${h.address}/`)).body).toContain(`version: ${v}`);
    }
    const kept = await releases();
    expect(kept).toHaveLength(2); // FRONTEND_RELEASES_KEEP default 2
    expect(kept).not.toContain(first[0]);
    expect(await active()).toBe(kept[1]);
    expect(await hostExec(HOST, `test -e ${REL}/${kept[1]}/frontend/.next || test -e ${REL}/${kept[1]}/frontend/build/cache && echo cache || echo clean`)).toBe("clean\n");

    // Rollback: one config change, one up.
    configure({ frontendRelease: kept[0] });
    const back = await stack.up();
    expect(back.code, back.all).toBe(0);
    expect(await active()).toBe(kept[0]);
    expect((await get(`http://${h.address}/`)).body).toContain("version: 2");
    expect(await releases()).toEqual(kept);

    configure();
    expect((await stack.up()).code).toBe(0);
    expect((await get(`http://${h.address}/`)).body).toContain("version: 3");
  });

  it("the June 2026 incident: PM2 stopped → drift reports it → up restores the apps", async () => {
    await hostExec(HOST, "systemctl stop pm2-ubuntu");
    expect((await get(`http://${h.address}/`)).status).toBe(503);
    const drift = await stack.drift();
    expect(drift.code).toBe(7);
    expect(drift.all).toContain("~ active    : false => true");
    expect(drift.all).toContain("dynamic/host:Pm2Apps");
    const up = await stack.up();
    expect(up.code, up.all).toBe(0);
    expect((await get(`http://${h.address}/`)).status).toBe(200);
    expect((await stack.drift()).code).toBe(0);
  });

  it("after a restart of the machine everything comes back by itself", async () => {
    await sandbox.restart(HOST);
    const front = await until(() => get(`http://${h.address}/`), (r) => r.status === 200);
    expect(front.status).toBe(200);
    // PM2 starts the apps one after another: the API may still be starting when the front answers.
    const api = await until(() => get(`http://${h.address}/api/auth/me`), (r) => r.status === 401);
    expect(api.status).toBe(401);
    const drift = await stack.drift();
    expect(drift.code, drift.all).toBe(0);
  });

  it("a broken Apache value is refused by configtest and the site keeps serving the old config", async () => {
    configure({ extraApacheConfig: "ProxyPassBroken /x http://127.0.0.1:9/" });
    const up = await stack.up();
    expect(up.code).not.toBe(0);
    expect(up.all).toContain("Invalid command 'ProxyPassBroken'");
    expect(up.all).toContain("the previous file was put back");
    expect(await hostExec(HOST, "grep -c ProxyPassBroken /etc/apache2/sites-available/hostform-app.conf || :")).toBe("0\n");
    expect((await get(`http://${h.address}/`)).status).toBe(200);
    configure();
    expect((await stack.up()).code).toBe(0);
  });

  it("an unhealthy deploy fails up with the failing check and the app's last log lines, secrets redacted", async () => {
    const server = path.join(repo.dir, "backend/server.js");
    const good = readFileSync(server, "utf8");
    writeFileSync(server, 'console.log("connecting with DB_PASSWORD=hunter2-SECRET");\nprocess.exit(1);\n');
    repo.commit("broken backend");
    configure({ healthTimeoutSeconds: 15 });
    const up = await stack.up();
    expect(up.code).not.toBe(0);
    expect(up.all).toContain("unhealthy after 15 s");
    expect(up.all).toContain("api-auth: http://127.0.0.1:3000/api/auth/me answered nothing, expected 401");
    expect(up.all).toContain("last log lines of backend-dev (secrets redacted)");
    expect(up.all).toContain("DB_PASSWORD=[redacted]");
    expect(up.all).not.toContain("hunter2");

    writeFileSync(server, good);
    repo.commit("fixed backend");
    configure();
    const fixed = await stack.up();
    expect(fixed.code, fixed.all).toBe(0);
    expect((await get(`http://${h.address}/api/auth/me`)).status).toBe(401);
  });

  it("the June 2026 OOM: pm2-ubuntu is bounded (MemoryMax, OOMPolicy=continue), and a VM below hostMinimumMiB is warned about by up, hosts check and the doctor", async () => {
    const show = async () => (await hostExec(HOST, "systemctl show -p MemoryMax -p OOMPolicy pm2-ubuntu")).trim().split("\n").sort();
    // The default, 80 % of the host's memory: systemd turns the share into bytes.
    const memTotal = Number((await hostExec(HOST, "awk '/^MemTotal:/ {print $2}' /proc/meminfo")).trim()) * 1024;
    const [max, policy] = await show();
    expect(policy).toBe("OOMPolicy=continue");
    expect(Math.abs(Number(max!.replace("MemoryMax=", "")) / memTotal - 0.8)).toBeLessThan(0.001);

    // A sandbox host has the machine's memory (GiBs): a minimum of 1 TiB makes it a small VM.
    configure({ memory: { pm2MemoryMax: "3G", hostMinimumMiB: 1048576 } });
    const up = await stack.up();
    expect(up.code, up.all).toBe(0);
    const warning = /e2e-flat: has [0-9.]+ GiB of memory \(MemTotal\), below the 1024\.0 GiB \(1048576 MiB\) of hostform:flatlogic\.memory\.hostMinimumMiB: the June 2026 OOM kill/;
    expect(up.all).toMatch(new RegExp(`warning: ${warning.source}`));
    expect(await show()).toEqual(["MemoryMax=3221225472", "OOMPolicy=continue"]);
    expect((await get(`http://${h.address}/api/auth/me`)).status).toBe(401);

    const env = { PULUMI_BACKEND_URL: `file://${stack.backend}`, PULUMI_CONFIG_PASSPHRASE: stack.passphrase };
    const check = await run("npm", ["run", "--silent", "hosts", "--", "check", "--stack", stack.name, "--config-file", stack.configFile], { env });
    expect(check.code, check.all).toBe(0); // a warning, not a problem: the host is ready
    expect(check.stdout).toMatch(new RegExp(`^- warning: ${warning.source}`, "m"));
    expect(check.stdout).toContain("1 of 1 hosts ready for up");

    const doctor = await run("npm", ["run", "-s", "doctor", "--", "--stack", stack.name, "--config-file", stack.configFile, "--host", HOST, "--json"], { env });
    const memory = JSON.parse(doctor.stdout).hosts[0].checks.find((c: { check: string }) => c.check === "memory");
    expect(memory.status).toBe("warn");
    expect(memory.evidence.at(-1)).toMatch(new RegExp(`^this host ${warning.source.replace("e2e-flat: ", "")}`));
    expect(memory.remedy.run).toEqual(["free -h", "systemctl show -p MemoryMax -p OOMPolicy pm2-ubuntu.service"]);

    // A hand edit of the bound is drift, and up puts it back.
    await hostExec(HOST, "sed -i '/^MemoryMax=/d' /etc/systemd/system/pm2-ubuntu.service && systemctl daemon-reload");
    const drift = await stack.drift();
    expect(drift.code, drift.all).toBe(7);
    expect(drift.all).toContain("dynamic/host:SystemdUnit");
    expect((await stack.up()).code).toBe(0);
    expect(await show()).toEqual(["MemoryMax=3221225472", "OOMPolicy=continue"]);
  });
});
