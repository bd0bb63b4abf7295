import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectionOf, hostExec, ROOT, run, sandbox, TestStack } from "./harness";

// Issue 14: `npm run doctor` names what is wrong with a host and the runbook's remedy. One
// Flatlogic host, converged once; each failure is injected, diagnosed, then undone. A duel
// container (no init system) is converged beside it and diagnosed as it is.
const HOST = "dr-flat";
const DUEL = "dr-duel";
const ADMIN = `admin-${Math.random().toString(36).slice(2)}-SECRET`;
const DUEL_DB_PASSWORD = `dbpw-${Math.random().toString(36).slice(2)}-SECRET`;
const JWT = `jwt-${Math.random().toString(36).slice(2)}-SECRET`;
const DB_PASSWORD = `pw-${Math.random().toString(36).slice(2)}-SECRET`;
const PM2 = "runuser -u ubuntu -- env PM2_HOME=/home/ubuntu/.pm2 PATH=/opt/hostform/node/bin:/usr/bin:/bin /usr/local/bin/pm2";
const BACKEND = "/home/ubuntu/executor/workspace/backend/server.js";
const ECO_COPY = "/home/ubuntu/dr-ecosystem.config.js";

interface Check { check: string; status: string; evidence: string[]; remedy?: { say: string; run: string[]; from: string } }
interface Doctor { code: number; text: string; checks: Check[] }

/** The HTTP status a URL on the host answers with ("000": nothing answered). */
const answer = (where: string) => hostExec(HOST, `curl -s -o /dev/null -w '%{http_code}' ${where} || :`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, fn: () => Promise<boolean>, seconds = 60, state?: () => Promise<string>): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${state ? `: ${await state()}` : ""}`);
    await sleep(1000);
  }
}

const appStatus = async (app: string) => (await hostExec(HOST, `${PM2} jlist | /opt/hostform/node/bin/node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const p=JSON.parse(s).find(p=>p.name===process.argv[1]);console.log(p?p.pm2_env.status+" "+p.pm2_env.restart_time:"missing")})' ${app}`)).trim().split(" ")[0];

/**
 * An OOM kill under a cgroup limit. The sandbox machine has the cgroup v1 memory hierarchy, which
 * nspawn mounts read-only in the host: `systemd-run -p MemoryMax=` there sets no limit. So the
 * limit is made from outside, as root on the machine: a child memory cgroup of the host's own,
 * 16 MiB, into which a memory hog started on the host is moved before it allocates. The host sees that cgroup (and
 * its OOM counter) under its /sys/fs/cgroup/memory. Returns the clean-up.
 */
async function oomKill(): Promise<{ name: string; cleanup: () => void }> {
  if (!existsSync("/sys/fs/cgroup/memory/cgroup.procs")) throw new Error("this test needs the cgroup v1 memory hierarchy on the sandbox machine (/sys/fs/cgroup/memory)");
  const name = `dr-oom-${Math.random().toString(36).slice(2, 8)}`;
  // The hog waits (at most 60 s) for a go-file the test writes once the hog is in the limited
  // cgroup, so a slow machine cannot let it allocate outside; bounded (256 MiB) all the same, and
  // tail keeps the whole newline-less input. Its pid is looked for until it shows (the ssh exec can
  // return before the backgrounded shell has exec'd).
  const go = `/tmp/${name}.go`;
  await hostExec(HOST, `nohup sh -c 'i=0; while [ ! -e ${go} ] && [ $i -lt 300 ]; do sleep 0.2; i=$((i+1)); done; head -c 256m /dev/zero | tail -n 1 >/dev/null' ${name} >/dev/null 2>&1 &`);
  const find = () => readdirSync("/proc").find((p) => /^\d+$/.test(p) && (() => {
    try { return readFileSync(`/proc/${p}/cmdline`, "utf8").split("\0").includes(name); } catch { return false; }
  })());
  let pid: string | undefined;
  await until(`the memory hog ${name} to start`, async () => (pid = find()) !== undefined, 20).catch(() => {
    throw new Error(`the memory hog ${name} did not start`);
  });
  const memcg = /^\d+:memory:(.*)$/m.exec(readFileSync(`/proc/${pid}/cgroup`, "utf8"))![1];
  const dir = path.join("/sys/fs/cgroup/memory", memcg, name);
  mkdirSync(dir);
  writeFileSync(path.join(dir, "memory.limit_in_bytes"), "16M");
  writeFileSync(path.join(dir, "cgroup.procs"), pid!);
  await hostExec(HOST, `touch ${go}`);
  await until("the OOM kill", async () => /^oom_kill [1-9]/m.test(readFileSync(path.join(dir, "memory.oom_control"), "utf8")), 30);
  return { name, cleanup: () => { rmdirSync(dir); void hostExec(HOST, `rm -f ${go}`).catch(() => undefined); } };
}

describe("npm run doctor", () => {
  const stack = new TestStack(ROOT);
  const outputs: string[] = [];
  let h: sandbox.SandboxHost;
  let duel: sandbox.SandboxHost;

  const doctor = async (host = HOST): Promise<Doctor> => {
    const args = ["run", "-s", "doctor", "--", "--stack", stack.name, "--config-file", stack.configFile, "--host", host];
    const env = { PULUMI_BACKEND_URL: `file://${stack.backend}`, PULUMI_CONFIG_PASSPHRASE: stack.passphrase };
    const json = await run("npm", [...args, "--json"], { env });
    const text = await run("npm", args, { env });
    outputs.push(json.all, text.all);
    expect(text.code).toBe(json.code);
    const report = JSON.parse(json.stdout);
    expect(report.exitCode).toBe(json.code);
    return { code: json.code, text: text.stdout, checks: report.hosts[0].checks };
  };
  const check = (d: Doctor, name: string): Check => {
    const c = d.checks.find((x) => x.check === name);
    if (!c) throw new Error(`no check ${name} in ${d.checks.map((x) => x.check).join(", ")}`);
    return c;
  };

  beforeAll(async () => {
    [h, duel] = await sandbox.up([{ name: HOST, flavor: "systemd" }, { name: DUEL, flavor: "container" }]);
    const repo = sandbox.publishRepo(h, path.join(ROOT, "test/fixtures/flatlogic-app"), "/srv/git/app.git");
    const duelRepo = sandbox.publishRepo(duel, path.join(ROOT, "test/fixtures/duel-app"), "/srv/git/duel.git");
    await stack.init();
    const entry = (x: sandbox.SandboxHost, flavor: string, role: string) => {
      const c = connectionOf(x);
      return { name: x.name, flavor, role, address: c.host, port: c.port, user: c.user, hostKey: c.hostKey, privateKeyPath: c.privateKeyPath };
    };
    stack.setConfig({
      "hostform:hosts": [entry(h, "systemd", "flatlogic"), entry(duel, "container", "duel")],
      "hostform:flatlogic": { repo: repo.remote, serverName: "app.example.test", node: { source: "npm-registry" }, executorFrom: "workspace", healthTimeoutSeconds: 60 },
      "hostform:duel": { repo: duelRepo.remote, node: { source: "npm-registry" }, browser: { source: "debian", package: "chromium" }, externalPorts: { server: 5555 }, app: { runtime: "node", ecosystem: "generated" } },
    });
    const secrets = {
      "flatlogicBackendEnv.JWT_SECRET": JWT, "flatlogicBackendEnv.DB_PASSWORD": DB_PASSWORD,
      "duelSecrets.DATABASE_URL": `postgresql://duel:${DUEL_DB_PASSWORD}@localhost:5432/duel`, "duelSecrets.ADMIN_CODE": ADMIN,
    };
    for (const [k, v] of Object.entries(secrets)) {
      const set = await stack.pulumi("config", "set", "--secret", "--path", `hostform:${k}`, v);
      expect(set.code, set.all).toBe(0);
    }
    const up = await stack.up();
    expect(up.code, up.all).toBe(0);
  });
  afterAll(async () => {
    if (!process.env.DR_KEEP) await sandbox.down([HOST, DUEL]);
    stack.remove();
  });

  it("a healthy host: every check ok, exit 0", async () => {
    const d = await doctor();
    expect(d.checks.filter((c) => c.status !== "ok"), d.text).toEqual([]);
    expect(d.code, d.text).toBe(0);
    expect(d.checks.map((c) => c.check)).toEqual([
      "disk /", "disk /tmp", "memory", "oom", "unit apache2.service", "unit pm2-ubuntu.service",
      "pm2", "pm2 frontend-dev", "pm2 backend-dev", "pm2 fl-telemetry", "pm2 fl-executor", "ports",
      "health frontend", "health api-auth", "health apache", "public", "apache errors", "releases",
    ]);
    expect(check(d, "ports").evidence[1]).toMatch(/^:3001 frontend-dev: listening \(node pid \d+\)$/);
    expect(check(d, "public").evidence).toEqual([`http://${h.address}/ through the host's address answered 200`]);
    expect(d.text).toContain("doctor: stack ");
    expect(d.text).toMatch(/all ok \(exit 0\)\n$/);
  });

  it("an errored app: named with its last log lines (redacted) and the runbook's remedy; exit 2", async () => {
    const good = await hostExec(HOST, `base64 -w0 ${BACKEND}`);
    const broken = `console.log("connecting with DB_PASSWORD=" + process.env.DB_PASSWORD);\nconsole.error("token " + process.env.JWT_SECRET + " refused");\nprocess.exit(1);\n`;
    // PM2 gives up ("errored") after max_restarts crashes that each ran less than min_uptime. npm's
    // own start-up takes about a second on a busy machine, which the default 1 s would not count:
    // the app is started from a copy of the ecosystem with min_uptime 60 s and max_restarts 2.
    const eco = `const e = require("/home/ubuntu/ecosystem.config.js"); for (const a of e.apps) if (a.name === "backend-dev") Object.assign(a, { min_uptime: 60000, max_restarts: 2 }); module.exports = e;\n`;
    await hostExec(HOST, `echo ${Buffer.from(broken).toString("base64")} | base64 -d > ${BACKEND}
echo ${Buffer.from(eco).toString("base64")} | base64 -d > ${ECO_COPY} && chown ubuntu: ${ECO_COPY}
${PM2} delete backend-dev >/dev/null && ${PM2} start ${ECO_COPY} --only backend-dev >/dev/null`);
    try {
      await until("backend-dev errored", async () => (await appStatus("backend-dev")) === "errored", 60, () => hostExec(HOST, `${PM2} ls --no-color`));
      const d = await doctor();
      expect(d.code, d.text).toBe(2);
      const c = check(d, "pm2 backend-dev");
      expect(c.status).toBe("fail");
      expect(c.evidence[0]).toMatch(/^errored, \d+ restarts?$/);
      expect(c.evidence).toContain("out | connecting with DB_PASSWORD=[redacted]");
      expect(c.evidence).toContain("err | token [redacted] refused");
      expect(c.remedy?.run).toEqual(["pm2 logs backend-dev --lines 100", "pm2 restart backend-dev", "pm2 save"]);
      expect(c.remedy?.say).toContain("ffmpeg");
      expect(check(d, "health api-auth").status).toBe("fail");
      expect(d.text).toMatch(/FAIL {2}pm2 backend-dev +errored/);
    } finally {
      await hostExec(HOST, `echo ${good} | base64 -d > ${BACKEND} && rm ${ECO_COPY}
${PM2} delete backend-dev >/dev/null && ${PM2} start /home/ubuntu/ecosystem.config.js --only backend-dev >/dev/null`);
      await until("backend-dev online", async () => (await answer("localhost:3000/api/auth/me")) === "401");
    }
  });

  it("a wrong port: frontend-dev started by hand on 3002 is named, with the runbook's port split", async () => {
    await hostExec(HOST, `cd /home/ubuntu/executor/frontend-releases/current/frontend && ${PM2} delete frontend-dev >/dev/null && FRONT_PORT=3002 ${PM2} start npm --name frontend-dev -- run start >/dev/null`);
    try {
      await until("frontend-dev on 3002", async () => (await answer("localhost:3002/")) === "200");
      const d = await doctor();
      expect(d.code, d.text).toBe(2);
      const ports = check(d, "ports");
      expect(ports.status).toBe("fail");
      expect(ports.evidence).toContain(":3001 frontend-dev: nothing listens; frontend-dev listens on :3002 instead");
      expect(ports.remedy?.say).toContain("frontend 3001 and backend 3000");
      expect(check(d, "health frontend").evidence).toEqual(["http://127.0.0.1:3001/ answered nothing, expected 200"]);
    } finally {
      await hostExec(HOST, `${PM2} delete frontend-dev >/dev/null && ${PM2} startOrReload /home/ubuntu/ecosystem.config.js >/dev/null`);
      await until("frontend-dev on 3001", async () => (await answer("localhost:3001/")) === "200");
    }
  });

  it("PM2 stopped (the June 2026 incident): the daemon, its unit and the 503 are named with the runbook's restart", async () => {
    await hostExec(HOST, "systemctl stop pm2-ubuntu");
    try {
      const d = await doctor();
      expect(d.code, d.text).toBe(2);
      const pm2 = check(d, "pm2");
      expect(pm2.status).toBe("fail");
      expect(pm2.evidence[0]).toBe("the PM2 daemon of ubuntu is not running (no live pid in /home/ubuntu/.pm2/pm2.pid): no app runs");
      expect(pm2.remedy).toEqual({
        say: "If Apache is listening but the apps are not, PM2 did not restore or was stopped. Restart it, then re-run the health checks.",
        run: ["sudo systemctl reset-failed pm2-ubuntu", "sudo systemctl restart pm2-ubuntu", "pm2 status"],
        from: "seeds/001, Recovering From Apache 503 Service Unavailable",
      });
      const unit = check(d, "unit pm2-ubuntu.service");
      expect(unit.status).toBe("fail");
      expect(unit.evidence[0]).toBe("inactive (dead), last result success");
      expect(check(d, "health apache").evidence).toEqual(["http://127.0.0.1:80/ answered 503, expected 200"]);
      expect(d.checks.some((c) => c.check.startsWith("pm2 "))).toBe(false);
    } finally {
      await hostExec(HOST, "systemctl start pm2-ubuntu");
      await until("the apps back", async () => (await answer("localhost:80/")) === "200");
    }
  });

  it("a full disk: a small filesystem mounted on /tmp, filled, is a failure with the clean-up remedy", async () => {
    // /tmp is one of the paths the doctor checks on every host; a 4 MiB tmpfs of 64 inodes over it.
    await hostExec(HOST, "mount -t tmpfs -o size=4m,nr_inodes=64 dr-full /tmp && head -c 4000k /dev/zero > /tmp/fill && touch /tmp/f{1..58}");
    try {
      const d = await doctor();
      expect(d.code, d.text).toBe(2);
      const disk = check(d, "disk /tmp");
      expect(disk.status).toBe("fail");
      expect(disk.evidence).toEqual(["space 98% used (3.9 MiB of 4.0 MiB, 96.0 KiB free)", "inodes 94% used (60 of 64)"]);
      expect(disk.remedy?.run).toContain("df -ih /tmp");
      expect(check(d, "disk /").status).toBe("ok");
    } finally {
      await hostExec(HOST, "umount /tmp");
    }
  });

  it("an OOM kill under a cgroup limit: named with the cgroup and the runbook's OOM diagnosis", async () => {
    const hog = await oomKill();
    try {
      const d = await doctor();
      expect(d.code, d.text).toBe(1);
      const oom = check(d, "oom");
      expect(oom).toMatchObject({ status: "warn", evidence: [`1 OOM kill since boot: memory cgroup /${hog.name} (1)`] });
      expect(oom.remedy?.from).toBe("seeds/001, OOM-Kill Diagnosis");
      expect(oom.remedy?.run[0]).toBe("journalctl -k -b | grep -Ei 'oom|killed process|out of memory'");
    } finally {
      hog.cleanup();
    }
  });

  it("a duel container: its start script, secrets file, database, display and server are ok; no GPU in the sandbox is a warning with the reason", async () => {
    const d = await doctor(DUEL);
    expect(d.code, d.text).toBe(1);
    expect(d.checks.filter((c) => c.status !== "ok").map((c) => c.check), d.text).toEqual(["gpu"]);
    expect(d.checks.map((c) => c.check)).toEqual([
      "disk /", "disk /tmp", "memory", "oom", "onstart", "pm2", "pm2 duel-arena", "ports", "health server", "health streaming",
      "public server", "secrets file", "postgres", "display :99", "gpu",
    ]);
    expect(check(d, "gpu").evidence).toEqual([
      "nvidia-smi is not installed: no NVIDIA driver on this host",
      "this is a systemd-nspawn host (the local sandbox), which has no GPU: WebGPU capture cannot use one here",
    ]);
    expect(check(d, "secrets file").evidence[0]).toBe("/tmp/hyperscape-secrets.env: mode 0600, owner root; variables ADMIN_CODE, DATABASE_URL");
    expect(check(d, "ports").evidence).toEqual([expect.stringMatching(/^:5555 duel-arena: listening \(node pid \d+\)$/), expect.stringMatching(/^:5432 postgres: listening \(postgres pid \d+\)$/)]);
    expect(check(d, "public server").evidence).toEqual([`http://${duel.address}:5555/health through the host's own port 5555 (the game server) answered 200`]);
  });

  it("no secret value of the stack appears in any output", () => {
    const all = outputs.join("\n");
    expect(all).toContain("[redacted]");
    for (const secret of [JWT, DB_PASSWORD, ADMIN, DUEL_DB_PASSWORD]) expect(all).not.toContain(secret);
  });
});
