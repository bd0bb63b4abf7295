import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectionOf, hostExec, ROOT, run, sandbox, TestStack, until } from "./harness";

// Issue 23, item 3 (M71): `npm run doctor` checks a MetaHuman OS host as seeds/002 has an operator
// check it. One host, converged once with two workers (setup as in metahuman.test.ts), diagnosed
// healthy; then a worker and an agent are stopped and the web app logs an error carrying a secret.
const HOST = "mhd-web";
const PM2 = "runuser -u metahuman -- env PM2_HOME=/home/metahuman/.pm2 PATH=/opt/hostform/node/bin:/usr/bin:/bin /usr/local/bin/pm2";
const API_KEY = `mhd-key-${Math.random().toString(36).slice(2)}-SECRET`;
const ERROR_LOG = "/home/metahuman/metahuman/logs/pm2/error.log";
const CHECKS = [
  "workers metahuman-web", "agent scheduler-service", "agent audio-organizer", "agent terminal-server", "agent voice-server",
  "web :4321", "web error log", "logrotate",
];

interface Check { check: string; status: string; evidence: string[]; remedy?: { say: string; run: string[]; from: string } }
interface Doctor { code: number; text: string; checks: Check[] }

/** "<pm_id> <status>" per instance of metahuman-web. */
async function instances(): Promise<string[]> {
  const js = 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{for(const p of JSON.parse(s))if(p.name==="metahuman-web")console.log(p.pm_id+" "+p.pm2_env.status)})';
  return (await hostExec(HOST, `${PM2} jlist | /opt/hostform/node/bin/node -e '${js}'`)).trim().split("\n").filter(Boolean);
}

describe("npm run doctor on a MetaHuman OS host", () => {
  const stack = new TestStack(ROOT);
  const outputs: string[] = [];

  const doctor = async (): Promise<Doctor> => {
    const args = ["run", "-s", "doctor", "--", "--stack", stack.name, "--config-file", stack.configFile, "--host", HOST];
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
    const [h] = await sandbox.up([{ name: HOST, flavor: "systemd" }]);
    const repo = sandbox.publishRepo(h, path.join(ROOT, "test/fixtures/metahuman-app"), "/srv/git/metahuman.git");
    repo.commit("version 1");
    await stack.init();
    const c = connectionOf(h);
    stack.setConfig({
      "hostform:hosts": [{ name: HOST, flavor: "systemd", role: "metahuman", address: c.host, port: c.port, user: c.user, hostKey: c.hostKey, privateKeyPath: c.privateKeyPath }],
      "hostform:metahuman": { repo: repo.remote, node: { source: "npm-registry" }, instances: 2, healthTimeoutSeconds: 60 },
    });
    const set = await stack.pulumi("config", "set", "--secret", "--path", "hostform:metahumanEnv.MH_API_KEY", API_KEY);
    expect(set.code, set.all).toBe(0);
    const up = await stack.up();
    expect(up.code, up.all).toBe(0);
  });
  afterAll(async () => {
    await sandbox.down([HOST]);
    stack.remove();
  });

  it("a converged host: workers, agents, :4321, the error log and logrotate all ok, exit 0", async () => {
    const d = await doctor();
    expect(d.checks.filter((c) => c.status !== "ok"), d.text).toEqual([]);
    expect(d.code, d.text).toBe(0);
    expect(d.checks.map((c) => c.check).filter((c) => !/^(disk |memory$|oom$)/.test(c))).toEqual(CHECKS);
    expect(check(d, "workers metahuman-web").evidence[0]).toBe("2 of 2 workers online (instances 2)");
    expect(check(d, "web :4321").evidence[0]).toBe("http://127.0.0.1:4321/ answered 200");
    expect(check(d, "logrotate").evidence).toEqual(["/etc/logrotate.d/metahuman-pm2 rotates /home/metahuman/metahuman/logs/pm2/*.log (logrotate -d accepts it), logrotate.timer active"]);
    expect(d.text).toMatch(/all ok \(exit 0\)\n$/);
  });

  it("a stopped worker, a stopped agent and a logged error: each named with the runbook's remedy, the secret redacted; exit 2", async () => {
    const id = (await instances())[1].split(" ")[0];
    await hostExec(HOST, `${PM2} stop ${id} >/dev/null && systemctl stop metahuman-scheduler-service`);
    // As PM2 writes it: its log_date_format stamp, then what the app wrote to stderr.
    await hostExec(HOST, `runuser -u metahuman -- sh -c 'printf "%s: Error: the LLM refused token %s\\n" "$(date "+%Y-%m-%d %H:%M:%S %:z")" ${API_KEY} >> ${ERROR_LOG}'`);
    expect(await until(instances, (l) => l.some((x) => x.endsWith(" stopped")), 30)).toContain(`${id} stopped`);
    const d = await doctor();
    expect(d.code, d.text).toBe(2);

    const workers = check(d, "workers metahuman-web");
    expect(workers.status).toBe("fail");
    expect(workers.evidence[0]).toBe("1 of 2 workers online (instances 2)");
    expect(workers.evidence).toContainEqual(expect.stringMatching(new RegExp(`^pm_id ${id} stopped, \\d+ restarts?$`)));
    expect(workers.remedy?.run).toEqual(["pm2 list", "pm2 logs metahuman-web --lines 100", `pm2 restart ${id}`, `npm run up -- --stack ${stack.name}`]);
    expect(workers.remedy?.from).toBe("seeds/002, Step 3: Verify Cluster Mode; Testing Checklist (All workers start successfully)");

    const agent = check(d, "agent scheduler-service");
    expect(agent.status).toBe("fail");
    expect(agent.evidence[0]).toBe("metahuman-scheduler-service.service: inactive (dead), last result success");
    expect(agent.remedy?.run.at(-1)).toBe("sudo systemctl restart metahuman-scheduler-service");

    const log = check(d, "web error log");
    expect(log.status).toBe("warn");
    expect(log.evidence.at(-1)).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d: Error: the LLM refused token \[redacted\]$/);

    // The other worker still serves :4321; everything else is as before.
    expect(d.checks.filter((c) => c.status !== "ok").map((c) => c.check)).toEqual(["workers metahuman-web", "agent scheduler-service", "web error log"]);
    expect(d.text).toMatch(/FAIL {2}workers metahuman-web +1 of 2 workers online \(instances 2\)\n/);
    expect(d.text).toContain(`remedy: All workers must start and stay up (the plan's cluster checks): 2 wanted.`);
    expect(d.text).toMatch(/1 warn, \d+ ok \(exit 2\)\n$/);
  });

  it("no secret value of the stack appears in any output", () => {
    const all = outputs.join("\n");
    expect(all).toContain("[redacted]");
    expect(all).not.toContain(API_KEY);
  });
});
