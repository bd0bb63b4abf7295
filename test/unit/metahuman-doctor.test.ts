/**
 * `npm run doctor` on a MetaHuman OS host (components/topologies/metahuman/doctor.ts, registered in
 * the registry): the probe's sections as exact text, and the verdicts on recorded probe output.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { loadConfig, type RawConfig } from "../../infra/config";
import { UNIT_STATE_FN } from "../../components/host/kinds/unit";
import { evaluate } from "../../scripts/doctor/checks";
import { planHost } from "../../scripts/doctor/plan";
import { probeScript } from "../../scripts/doctor/probe";

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA400bpYgarO7hBQ5+HyZhTk26Wtle15Kn1cN4IF3aGw";
const raw = (values: Record<string, unknown>): RawConfig => ({
  get: (k) => (values[k] === undefined ? undefined : typeof values[k] === "string" ? (values[k] as string) : JSON.stringify(values[k])),
  getSecret: (k) => values[k],
});
const planOf = (metahuman: Record<string, unknown>) => {
  const config = loadConfig(raw({
    hosts: [{ name: "mh", role: "metahuman", flavor: "systemd", address: "198.18.0.30", hostKey: KEY, privateKeyPath: "/k" }],
    metahuman: { repo: "https://example.test/metahuman.git", node: { source: "npm-registry" }, ...metahuman },
  }), "/p");
  return planHost(config.hosts[0], config, "prod");
};
const plan = planOf({ instances: 2 });
const NOW = 1781234567; // 2026-06-12T03:22:47Z
const sections = (s: Record<string, string[]>) => Object.fromEntries(Object.entries(s).map(([k, lines]) => [k, { lines, rc: 0 }]));
const ENV = [String(NOW), "+0000", "container=systemd-nspawn", "systemd=yes"];
const UNIT = (u: string, props: string, state = "active") => `unit metahuman-${u}.service state=${state} ${props} `;
const RUNNING = "ActiveState=active LoadState=loaded NRestarts=0 Result=success SubState=running";
const healthy: Record<string, string[]> = {
  env: ENV,
  "metahuman-workers": ["daemon=up", "worker 0 online 0 0", "worker 1 online 0 0"],
  "metahuman-agents": ["scheduler-service", "audio-organizer", "terminal-server", "voice-server"].map((u) => UNIT(u, RUNNING)),
  "metahuman-web": ["check web 200", 'listen LISTEN 0 511 *:4321 *:* users:(("node /home/meta",pid=812,fd=21),("node /home/meta",pid=813,fd=21))'],
  "metahuman-errors": [`mtime ${NOW - 86400}`, "line 2026-06-11 03:00:00 +00:00: a warning of yesterday"],
  "metahuman-logrotate": ["config=present", "covers=yes", "parses=yes", "timer=active"],
};
const judge = (changes: Record<string, string[]>, known: string[] = []) =>
  evaluate(plan, { sections: sections({ ...healthy, ...changes }) }, known).filter((r) => !/^(disk|memory|oom)/.test(r.check));
const brief = (results: ReturnType<typeof evaluate>) => results.map((r) => [r.status, r.check, ...r.evidence]);

describe("doctor on a MetaHuman OS host: the probe", () => {
  it("the registry's doctor adds the app user's home and the checkout to the disk check, and its sections", () => {
    expect(plan).toMatchObject({ role: "metahuman", paths: ["/", "/tmp", "/var/log", "/home/metahuman", "/home/metahuman/metahuman"], units: [], ports: [], health: [] });
    expect(plan.pm2).toBeUndefined();
    expect(plan.topology?.sections.map((s) => s.name)).toEqual(["workers", "agents", "web", "errors", "logrotate"]);
  });

  it("reads as the plan would have an operator check it: exact text", () => {
    const script = probeScript(plan, "N");
    expect(script.slice(script.indexOf("echo '@@N begin metahuman-workers'"))).toBe(`echo '@@N begin metahuman-workers'
(
pid=$(runuser -u metahuman -- timeout 5 head -c 32 -- /home/metahuman/.pm2/pm2.pid 2>/dev/null || :)
case "$pid" in *[!0-9]*) pid="" ;; esac
if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
  echo daemon=up
  timeout 30 bash -c '(umask 077 && cd /home/metahuman && exec runuser -u metahuman -- env PM2_HOME=/home/metahuman/.pm2 PATH=/opt/hostform/node/bin:/usr/local/bin:/usr/bin:/bin /opt/hostform/pm2/lib/node_modules/pm2/bin/pm2 jlist)' | runuser -u metahuman -- /opt/hostform/node/bin/node -e 'let s="";process.stdin.on("data",(d)=>s+=d).on("end",()=>{for(const p of JSON.parse(s))if(p.name===process.argv[1])console.log(["worker",p.pm_id,p.pm2_env.status,p.pm2_env.restart_time,p.pm2_env.unstable_restarts].join(" "))})' metahuman-web
else
  echo daemon=down
fi
) 2>&1
echo '@@N end metahuman-workers' "$?"
echo '@@N begin metahuman-agents'
(
${UNIT_STATE_FN}for u in metahuman-scheduler-service.service metahuman-audio-organizer.service metahuman-terminal-server.service metahuman-voice-server.service; do
  printf 'unit %s state=%s %s\\n' "$u" "$(unit_state)" "$(systemctl show --no-pager -p LoadState,ActiveState,SubState,Result,NRestarts -- "$u" | sort | tr '\\n' ' ')"
  if ! systemctl is-active --quiet -- "$u" || [ "$(systemctl show -p NRestarts --value -- "$u")" != 0 ]; then
    journalctl -u "$u" -b -n 8 --no-pager -q -o short-iso | sed "s|^|log $u |"
  fi
done
) 2>&1
echo '@@N end metahuman-agents' "$?"
echo '@@N begin metahuman-web'
(
printf 'check %s %s\\n' web "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -- http://127.0.0.1:4321/ || :)"
if command -v ss >/dev/null; then ss -ltnpH 'sport = :4321' | sed 's/^/listen /'; fi
) 2>&1
echo '@@N end metahuman-web' "$?"
echo '@@N begin metahuman-errors'
(
timeout 20 runuser -u metahuman -- bash -c 'f=/home/metahuman/metahuman/logs/pm2/error.log
if [ -f "$f" ] && [ ! -L "$f" ]; then
  stat -c '\\''mtime %Y'\\'' -- "$f"
  tail -n 200 -- "$f" | sed '\\''s/^/line /'\\''
else
  echo missing
fi'
) 2>&1
echo '@@N end metahuman-errors' "$?"
echo '@@N begin metahuman-logrotate'
(
f=/etc/logrotate.d/metahuman-pm2
if [ -f "$f" ]; then
  echo config=present
  if grep -qF -- '/home/metahuman/metahuman/logs/pm2/*.log' "$f"; then echo covers=yes; else echo covers=no; fi
  if logrotate -d "$f" >/dev/null 2>&1; then echo parses=yes; else echo parses=no; fi
else
  echo config=missing
fi
printf 'timer=%s\\n' "$(systemctl is-active logrotate.timer 2>/dev/null || :)"
) 2>&1
echo '@@N end metahuman-logrotate' "$?"
`);
    expect(spawnSync("bash", ["-n", "-c", script], { encoding: "utf8" }).stderr).toBe("");
  });

  it("instances max counts the CPUs as PM2 does; agents disabled in the stack are not read", () => {
    const max = planOf({ instances: "max", agents: { "voice-server": { enabled: false }, "terminal-server": { enabled: false } } });
    const script = probeScript(max, "N");
    expect(script).toContain(`  echo daemon=up
  printf 'cpus %s\\n' "$(runuser -u metahuman -- /opt/hostform/node/bin/node -p 'require("os").cpus().length')"
  timeout 30 bash -c `);
    expect(script).toContain("for u in metahuman-scheduler-service.service metahuman-audio-organizer.service; do\n");
    const results = evaluate(max, { sections: sections({ ...healthy, "metahuman-workers": ["daemon=up", "cpus 3", "worker 0 online 0 0", "worker 1 online 0 0"] }) }, []);
    expect(brief(results.filter((r) => r.check.startsWith("workers")))).toEqual([
      ["fail", "workers metahuman-web", "2 of 3 workers online (instances max: 3 CPUs)", "pm_id 0 online, 0 restarts", "pm_id 1 online, 0 restarts"],
    ]);
    expect(results.filter((r) => r.check.startsWith("agent ")).map((r) => r.check)).toEqual(["agent scheduler-service", "agent audio-organizer"]);
  });
});

describe("doctor on a MetaHuman OS host: the verdicts", () => {
  it("a healthy host: every MetaHuman check ok, in the plan's order", () => {
    expect(brief(judge({}))).toEqual([
      ["ok", "workers metahuman-web", "2 of 2 workers online (instances 2)", "pm_id 0 online, 0 restarts", "pm_id 1 online, 0 restarts"],
      ["ok", "agent scheduler-service", "metahuman-scheduler-service.service: active (running)"],
      ["ok", "agent audio-organizer", "metahuman-audio-organizer.service: active (running)"],
      ["ok", "agent terminal-server", "metahuman-terminal-server.service (optional): active (running)"],
      ["ok", "agent voice-server", "metahuman-voice-server.service (optional): active (running)"],
      ["ok", "web :4321", "http://127.0.0.1:4321/ answered 200", "listening: node /home/meta pid 812, node /home/meta pid 813"],
      ["ok", "web error log", "nothing written to /home/metahuman/metahuman/logs/pm2/error.log in the last hour (1 line read)"],
      ["ok", "logrotate", "/etc/logrotate.d/metahuman-pm2 rotates /home/metahuman/metahuman/logs/pm2/*.log (logrotate -d accepts it), logrotate.timer active"],
    ]);
    expect(judge({}).every((r) => r.remedy === undefined)).toBe(true);
  });

  it("a stopped worker: fewer online than instances fails, with the plan's restart of that worker", () => {
    const [w] = judge({ "metahuman-workers": ["daemon=up", "worker 0 online 0 0", "worker 1 stopped 3 0"] });
    expect(brief([w])).toEqual([["fail", "workers metahuman-web", "1 of 2 workers online (instances 2)", "pm_id 0 online, 0 restarts", "pm_id 1 stopped, 3 restarts"]]);
    expect(w.remedy).toEqual({
      say: "All workers must start and stay up (the plan's cluster checks): 2 wanted. Read the logs of the ones that are not online and restart them; an up restarts them and scales the cluster to the count. pm2 runs as metahuman (PM2_HOME=/home/metahuman/.pm2).",
      run: ["pm2 list", "pm2 logs metahuman-web --lines 100", "pm2 restart 1", "npm run up -- --stack prod"],
      from: "seeds/002, Step 3: Verify Cluster Mode; Testing Checklist (All workers start successfully)",
    });
    // One worker short (scaled down by hand), a worker restarting, one too many.
    expect(brief(judge({ "metahuman-workers": ["daemon=up", "worker 0 online 0 0"] })).slice(0, 1)).toEqual([
      ["fail", "workers metahuman-web", "1 of 2 workers online (instances 2)", "pm_id 0 online, 0 restarts"]]);
    expect(judge({ "metahuman-workers": ["daemon=up", "worker 0 online 4 2", "worker 1 online 0 0"] })[0].status).toBe("warn");
    expect(brief(judge({ "metahuman-workers": ["daemon=up", "worker 0 online 0 0", "worker 1 online 0 0", "worker 2 online 0 0"] })).slice(0, 1)).toEqual([[
      "warn", "workers metahuman-web", "3 of 2 workers online (instances 2)", "pm_id 0 online, 0 restarts", "pm_id 1 online, 0 restarts", "pm_id 2 online, 0 restarts",
      "more workers than instances: the next up scales metahuman-web to 2"]]);
  });

  it("PM2's daemon down: no worker runs, start it again (its unit, or metahuman-start)", () => {
    const [w] = judge({ "metahuman-workers": ["daemon=down"] });
    expect(brief([w])).toEqual([["fail", "workers metahuman-web", "PM2's daemon of metahuman is not running: no worker runs"]]);
    expect(w.remedy?.run).toEqual(["sudo systemctl restart pm2-metahuman", "sudo /usr/local/sbin/metahuman-start", "pm2 list"]);
    expect(w.remedy?.from).toBe("seeds/002, bin/start-pm2; Step 4: Configure Auto-Start on Boot");
  });

  it("agents: a required one stopped or crash-looping fails, restarted warns, an optional one that fails warns; journal lines redacted", () => {
    const results = judge({
      "metahuman-agents": [
        UNIT("scheduler-service", "ActiveState=inactive LoadState=loaded NRestarts=0 Result=success SubState=dead", "inactive"),
        "log metahuman-scheduler-service.service 2026-06-12T03:20:00+0000 mh systemd[1]: Stopped metahuman-scheduler-service.service.",
        UNIT("audio-organizer", "ActiveState=activating LoadState=loaded NRestarts=57 Result=exit-code SubState=auto-restart", "activating"),
        "log metahuman-audio-organizer.service 2026-06-12T03:22:40+0000 mh mh[901]: mh: audio-organizer is already running (lock held), MH_API_KEY=sk-live-0123456789",
        "log metahuman-audio-organizer.service 2026-06-12T03:22:40+0000 mh systemd[1]: metahuman-audio-organizer.service: Main process exited, code=exited, status=1/FAILURE",
        UNIT("terminal-server", "ActiveState=active LoadState=loaded NRestarts=2 Result=success SubState=running"),
        UNIT("voice-server", "ActiveState=failed LoadState=loaded NRestarts=3 Result=exit-code SubState=failed", "failed"),
      ],
    }, ["sk-live-0123456789"]);
    expect(brief(results.filter((r) => r.check.startsWith("agent ")))).toEqual([
      ["fail", "agent scheduler-service", "metahuman-scheduler-service.service: inactive (dead), last result success",
        "2026-06-12T03:20:00+0000 mh systemd[1]: Stopped metahuman-scheduler-service.service."],
      ["fail", "agent audio-organizer", "metahuman-audio-organizer.service: activating (auto-restart), last result exit-code, restarted 57 times by systemd",
        "crash-looping: systemd is waiting to start it again",
        "2026-06-12T03:22:40+0000 mh mh[901]: mh: audio-organizer is already running (lock held), MH_API_KEY=[redacted]",
        "2026-06-12T03:22:40+0000 mh systemd[1]: metahuman-audio-organizer.service: Main process exited, code=exited, status=1/FAILURE"],
      ["warn", "agent terminal-server", "metahuman-terminal-server.service (optional): active (running), last result success, restarted 2 times by systemd"],
      ["warn", "agent voice-server", "metahuman-voice-server.service (optional): failed (failed), last result exit-code, restarted 3 times by systemd"],
    ]);
    expect(results.find((r) => r.check === "agent audio-organizer")!.remedy).toEqual({
      say: "The agents run outside PM2, one unit each (file locks, single instance). Read why it stopped; an agent that crashed can leave a stale lock or pid file that keeps it from starting (start-pm2 cleans those up first): remove it, then start the unit.",
      run: ["sudo systemctl status metahuman-audio-organizer --no-pager", "sudo journalctl -u metahuman-audio-organizer -b -n 100 --no-pager",
        "sudo systemctl reset-failed metahuman-audio-organizer", "sudo systemctl restart metahuman-audio-organizer"],
      from: "seeds/002, Why Partial Integration?; bin/start-pm2 (clean up stale files, start background agents)",
    });
    expect(results.find((r) => r.check === "agent voice-server")!.remedy?.say).toMatch(/^An optional agent \(the plan's start-pm2 starts it with \|\| true\): the rest runs without it\. /);
    const missing = judge({ "metahuman-agents": [UNIT("scheduler-service", "ActiveState=inactive LoadState=not-found NRestarts=0 Result=success SubState=dead", "inactive")] });
    expect(brief(missing.filter((r) => r.check.startsWith("agent ")))).toEqual([
      ["fail", "agent scheduler-service", "metahuman-scheduler-service.service: not installed (LoadState=not-found)"],
      ["fail", "agent audio-organizer", "systemctl did not answer for metahuman-audio-organizer.service"],
      ["fail", "agent terminal-server", "systemctl did not answer for metahuman-terminal-server.service"],
      ["fail", "agent voice-server", "systemctl did not answer for metahuman-voice-server.service"],
    ]);
    // Caught in the moment a crash loop's start command runs: systemd says active, unit_state saw it restart again.
    const caught = judge({ "metahuman-agents": [UNIT("scheduler-service", "ActiveState=active LoadState=loaded NRestarts=12 Result=success SubState=running", "crash-looping")] });
    expect(brief(caught.slice(1, 2))).toEqual([["fail", "agent scheduler-service",
      "metahuman-scheduler-service.service: active (running), last result success, restarted 12 times by systemd", "crash-looping: it restarted again within a second"]]);
    expect(missing.find((r) => r.check === "agent scheduler-service")!.remedy).toEqual({ say: "metahuman-scheduler-service.service is not installed: hostform writes and enables it.", run: ["npm run up -- --stack prod"], from: "hostform" });
  });

  it(":4321: nothing answering, or another process holding the port (a start.sh server)", () => {
    const nothing = judge({ "metahuman-web": ["check web 000"] }).find((r) => r.check === "web :4321")!;
    expect(brief([nothing])).toEqual([["fail", "web :4321", "http://127.0.0.1:4321/ answered nothing, expected 200", "nothing listens on :4321"]]);
    expect(nothing.remedy).toEqual({
      say: "The web app must answer on :4321 (the plan's curl http://localhost:4321). If nothing listens, see the workers check; if another process holds the port (a server start.sh started), stop it (the plan's ./stop.sh), then reload the app. pm2 runs as metahuman (PM2_HOME=/home/metahuman/.pm2).",
      run: ["curl -I http://localhost:4321", "sudo ss -ltnp 'sport = :4321'", "pm2 logs metahuman-web --lines 100", "pm2 reload metahuman-web"],
      from: "seeds/002, Step 2: Test Alongside Existing Setup",
    });
    const held = judge({ "metahuman-web": ["check web 404", 'listen LISTEN 0 511 *:4321 *:* users:(("astro",pid=555,fd=20))'] }).find((r) => r.check === "web :4321")!;
    expect(held.evidence).toEqual(["http://127.0.0.1:4321/ answered 404, expected 200", "listening: astro pid 555"]);
  });

  it("the web app's error log: lines of the last hour (a stamp covers the unstamped lines below it), redacted; older ones are history", () => {
    const log = (lines: string[], mtime = NOW - 60) => judge({ "metahuman-errors": [`mtime ${mtime}`, ...lines.map((l) => `line ${l}`)] }, ["sk-live-0123456789"]).find((r) => r.check === "web error log")!;
    const recent = log([
      "2026-06-12 01:00:00 +00:00: an error two hours ago",
      "2026-06-12 05:10:00 +02:00: Error: request to Ollama failed, OPENAI_API_KEY=sk-live-0123456789",
      "    at fetch (file:///home/metahuman/metahuman/apps/site/dist/server/chunks/llm.mjs:12:3)",
      "2026-06-12 03:20:00 +00:00: token sk-live-0123456789 refused",
    ]);
    expect(brief([recent])).toEqual([["warn", "web error log",
      "3 lines written to /home/metahuman/metahuman/logs/pm2/error.log in the last hour; the last:",
      "2026-06-12 05:10:00 +02:00: Error: request to Ollama failed, OPENAI_API_KEY=[redacted]",
      "    at fetch (file:///home/metahuman/metahuman/apps/site/dist/server/chunks/llm.mjs:12:3)",
      "2026-06-12 03:20:00 +00:00: token [redacted] refused"]]);
    expect(recent.remedy).toEqual({
      say: "Read what the web app wrote to its error log (the plan's centralized logging) and fix the cause; an up restores the log paths the ecosystem names. pm2 runs as metahuman (PM2_HOME=/home/metahuman/.pm2).",
      run: ["pm2 logs metahuman-web --err --lines 100", "sudo tail -n 100 /home/metahuman/metahuman/logs/pm2/error.log", "pm2 monit"],
      from: "seeds/002, Easy monitoring (pm2 logs, pm2 monit)",
    });
    // Another log_date_format: no stamp to read, so the file's last write dates the tail.
    expect(log(["[12/06/2026] boom"]).evidence[0]).toBe("1 line written to /home/metahuman/metahuman/logs/pm2/error.log in the last hour; the last:");
    expect(log(["[12/06/2026] boom"], NOW - 7200).status).toBe("ok");
    expect(brief([log([])])).toEqual([["ok", "web error log", "nothing written to /home/metahuman/metahuman/logs/pm2/error.log in the last hour (0 lines read)"]]);
    const missing = judge({ "metahuman-errors": ["missing"] }).find((r) => r.check === "web error log")!;
    expect([missing.status, missing.evidence]).toEqual(["warn", ["/home/metahuman/metahuman/logs/pm2/error.log is missing (or not a regular file): PM2 writes the web app's stderr there"]]);
  });

  it("logrotate: the config missing, not naming the web app's logs, refused, or nothing running it fails", () => {
    const rot = (lines: string[]) => judge({ "metahuman-logrotate": lines }).find((r) => r.check === "logrotate")!;
    const missing = rot(["config=missing", "timer=active"]);
    expect(brief([missing])).toEqual([["fail", "logrotate", "/etc/logrotate.d/metahuman-pm2 is missing: PM2's logs are never rotated", "logrotate.timer: active"]]);
    expect(missing.remedy).toEqual({
      say: "PM2's logs under ~/.pm2 and logs/pm2 grow until rotated (the plan's \"Logs rotate correctly\"): hostform writes /etc/logrotate.d/metahuman-pm2, checked with logrotate -d, and Debian's daily logrotate.timer runs it; an up restores both.",
      run: ["sudo logrotate -d /etc/logrotate.d/metahuman-pm2", "systemctl status logrotate.timer --no-pager", "npm run up -- --stack prod"],
      from: "seeds/002, Testing Checklist (Logs rotate correctly); the rotation is hostform's",
    });
    expect(brief([rot(["config=present", "covers=no", "parses=no", "timer=inactive"])])).toEqual([["fail", "logrotate",
      "/etc/logrotate.d/metahuman-pm2 does not name /home/metahuman/metahuman/logs/pm2/*.log",
      "logrotate -d /etc/logrotate.d/metahuman-pm2 refuses it",
      "logrotate.timer is inactive: nothing runs the rotation"]]);
  });

  it("a host that printed nothing of a section fails its checks rather than passing them", () => {
    const none = evaluate(plan, { sections: sections({ env: ENV }) }, []).filter((r) => !/^(disk|memory|oom)/.test(r.check));
    expect(none.map((r) => [r.status, r.check])).toEqual([
      ["fail", "workers metahuman-web"], ["fail", "agent scheduler-service"], ["fail", "agent audio-organizer"], ["fail", "agent terminal-server"],
      ["fail", "agent voice-server"], ["fail", "web :4321"], ["warn", "web error log"], ["fail", "logrotate"],
    ]);
  });
});
