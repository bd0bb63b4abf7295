/**
 * `npm run doctor` on a MetaHuman OS host, as seeds/002 has an operator check it: every worker of
 * the web app's cluster online (`pm2 list`, counted against `instances`), the agents' units (required
 * ones active, none crash-looping), :4321 answering (`curl http://localhost:4321`), the web app's
 * recent errors (`pm2 logs`), and the rotation of PM2's logs. The sections only read; the judge is pure.
 */
import { nodeBinDir } from "../../blocks/base/node";
import { agentUnitName } from "../../blocks/init/agents";
import { PM2_BIN, pm2UnitName } from "../../blocks/pm2/render";
import { curlChecks, parseHealth } from "../../host/kinds/health";
import { pm2As } from "../../host/kinds/pm2";
import { readPm2Pid } from "../../host/kinds/pm2-observe";
import { UNIT_STATE_FN } from "../../host/kinds/unit";
import { script } from "../../host/quote";
import { type DoctorCheck, doctorCheck, type DoctorHost, type DoctorPlan, type DoctorRead, type DoctorStatus } from "../doctor";
import * as remedy from "./doctor-remedies";
import { LOGROTATE_CONFIG, WEB_APP } from "./render";
import type { MetahumanSettings } from "./settings";

/** Error-log lines older than this are history, not a symptom (as the doctor's Apache check). */
export const LOG_WINDOW_SECONDS = 3600;
/** Error-log lines read from the end of the file. */
const TAIL = 200;

// Prints "worker <pm_id> <status> <restarts> <unstable restarts>" per instance of the app named by argv[1]; nothing else of jlist.
const WORKERS_JS = `let s="";process.stdin.on("data",(d)=>s+=d).on("end",()=>{for(const p of JSON.parse(s))if(p.name===process.argv[1])console.log(["worker",p.pm_id,p.pm2_env.status,p.pm2_env.restart_time,p.pm2_env.unstable_restarts].join(" "))})`;

export function metahumanDoctor(s: MetahumanSettings, host: DoctorHost): DoctorPlan {
  const home = s.appUser === "root" ? "/root" : `/home/${s.appUser}`;
  const pm2 = { user: s.appUser, home, pm2Bin: PM2_BIN, nodeBinDir: nodeBinDir(s.node) };
  const node = `${pm2.nodeBinDir}/node`;
  const units = s.agents.map((a) => ({ ...a, unit: agentUnitName("metahuman", a.name) }));
  const logs = `${s.checkout}/${s.logDir}`;
  const errorLog = `${logs}/error.log`;
  const r: remedy.RemedyHost = { stack: host.stack, appUser: s.appUser, pm2Unit: pm2UnitName(s.appUser), port: s.port };

  const sections = [
    { name: "workers", body: readPm2Pid(pm2, "pid") + script`if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
  echo daemon=up
` + (s.instances === "max" ? script`  printf 'cpus %s\\n' "$(runuser -u ${s.appUser} -- ${node} -p 'require("os").cpus().length')"
` : "") + script`  timeout 30 bash -c ${pm2As(pm2, "jlist")} | runuser -u ${s.appUser} -- ${node} -e ${WORKERS_JS} ${WEB_APP}
else
  echo daemon=down
fi` },
    // unit_state: an agent caught in the moment a crash loop's start command runs is not taken as up.
    ...(units.length ? [{ name: "agents", body: UNIT_STATE_FN + script`for u in ${units.map((a) => a.unit)}; do
  printf 'unit %s state=%s %s\\n' "$u" "$(unit_state)" "$(systemctl show --no-pager -p LoadState,ActiveState,SubState,Result,NRestarts -- "$u" | sort | tr '\\n' ' ')"
  if ! systemctl is-active --quiet -- "$u" || [ "$(systemctl show -p NRestarts --value -- "$u")" != 0 ]; then
    journalctl -u "$u" -b -n 8 --no-pager -q -o short-iso | sed "s|^|log $u |"
  fi
done` }] : []),
    { name: "web", body: curlChecks([{ name: "web", url: `http://127.0.0.1:${s.port}/`, status: 200 }]) + script`if command -v ss >/dev/null; then ss -ltnpH ${`sport = :${s.port}`} | sed 's/^/listen /'; fi` },
    // The app user's tree: read as that user (the doctor bounds it), never by root; a link is not followed.
    { name: "errors", user: s.appUser, body: script`f=${errorLog}
if [ -f "$f" ] && [ ! -L "$f" ]; then
  stat -c 'mtime %Y' -- "$f"
  tail -n ${TAIL} -- "$f" | sed 's/^/line /'
else
  echo missing
fi` },
    { name: "logrotate", body: script`f=${LOGROTATE_CONFIG}
if [ -f "$f" ]; then
  echo config=present
  if grep -qF -- ${`${logs}/*.log`} "$f"; then echo covers=yes; else echo covers=no; fi
  if logrotate -d "$f" >/dev/null 2>&1; then echo parses=yes; else echo parses=no; fi
else
  echo config=missing
fi
printf 'timer=%s\\n' "$(systemctl is-active logrotate.timer 2>/dev/null || :)"` },
  ];

  return {
    paths: [home, s.checkout],
    sections,
    judge: (read) => [
      workers(read, s, r), ...units.map((a) => agent(read, a.unit, a.optional, r)), web(read, s, r), errors(read, errorLog, r), logrotate(read, `${logs}/*.log`, r),
    ],
  };
}

function workers(read: DoctorRead, s: MetahumanSettings, r: remedy.RemedyHost): DoctorCheck {
  const name = `workers ${WEB_APP}`;
  const lines = read.lines("workers");
  if (!lines.includes("daemon=up")) return doctorCheck(name, "fail", [`PM2's daemon of ${s.appUser} is not running: no worker runs`], remedy.pm2Down(r));
  const cpus = Number(lines.find((l) => l.startsWith("cpus "))?.slice(5));
  const want = s.instances === "max" ? cpus : s.instances;
  if (!Number.isInteger(want) || want < 1) return doctorCheck(name, "fail", [`could not count the CPUs for instances max: ${lines.find((l) => l.startsWith("cpus ")) ?? "no answer"}`], remedy.workers(r, [], 0));
  const seen = lines.map((l) => /^worker (\d+) (\S+) (\d+) (\d+)$/.exec(l)).filter((m) => m !== null)
    .map((m) => ({ id: Number(m[1]), status: m[2], restarts: Number(m[3]), unstable: Number(m[4]) }));
  const online = seen.filter((w) => w.status === "online");
  const notOnline = seen.filter((w) => w.status !== "online");
  const restarting = online.filter((w) => w.unstable > 0);
  const wanted = s.instances === "max" ? `instances max: ${want} CPUs` : `instances ${want}`;
  const evidence = [
    `${online.length} of ${want} workers online (${wanted})`,
    ...seen.map((w) => `pm_id ${w.id} ${w.status}, ${w.restarts} restart${w.restarts === 1 ? "" : "s"}${w.unstable ? `, ${w.unstable} unstable` : ""}`),
  ];
  const status: DoctorStatus = online.length < want || notOnline.length > 0 ? "fail" : online.length > want || restarting.length > 0 ? "warn" : "ok";
  if (online.length > want) evidence.push(`more workers than instances: the next up scales ${WEB_APP} to ${want}`);
  return doctorCheck(name, status, evidence, remedy.workers(r, notOnline.map((w) => w.id), want));
}

/** `unit <name> state=… ActiveState=… LoadState=… NRestarts=… Result=… SubState=…` and its `log <name> …` lines. */
function agent(read: DoctorRead, unit: string, optional: boolean, r: remedy.RemedyHost): DoctorCheck {
  const name = `agent ${unit.replace(/^metahuman-|\.service$/g, "")}`;
  const lines = read.lines("agents");
  const line = lines.find((l) => l.startsWith(`unit ${unit} `));
  const prop = (key: string) => new RegExp(`(?:^| )${key}=(\\S*)`).exec(line?.slice(`unit ${unit} `.length) ?? "")?.[1] ?? "";
  const log = read.logs(lines.filter((l) => l.startsWith(`log ${unit} `)).map((l) => l.slice(`log ${unit} `.length)).slice(-4));
  const kind = optional ? " (optional)" : "";
  if (!line) return doctorCheck(name, "fail", [`systemctl did not answer for ${unit}`], remedy.agent(r, unit, optional, true));
  if (prop("LoadState") === "not-found") return doctorCheck(name, optional ? "warn" : "fail", [`${unit}${kind}: not installed (LoadState=not-found)`], remedy.agent(r, unit, optional, false));
  const restarts = Number(prop("NRestarts")) || 0;
  const state = `${unit}${kind}: ${prop("ActiveState")} (${prop("SubState")}), last result ${prop("Result")}`;
  const restarted = restarts > 0 ? `, restarted ${restarts} time${restarts === 1 ? "" : "s"} by systemd` : "";
  // state: unit_state's verdict; "active" only when it stayed up (a crash loop's start is not).
  const up = prop("state") === "active";
  if (up && restarts === 0) return doctorCheck(name, "ok", [`${unit}${kind}: active (${prop("SubState")})`]);
  // Between two starts of a crash loop systemd shows activating (auto-restart): that is not running either.
  const looping = prop("state") === "crash-looping" ? ["crash-looping: it restarted again within a second"]
    : prop("SubState") === "auto-restart" ? ["crash-looping: systemd is waiting to start it again"] : [];
  const status: DoctorStatus = up || optional ? "warn" : "fail";
  return doctorCheck(name, status, [state + restarted, ...looping, ...log], remedy.agent(r, unit, optional, true));
}

function web(read: DoctorRead, s: MetahumanSettings, r: remedy.RemedyHost): DoctorCheck {
  const lines = read.lines("web");
  const got = parseHealth(lines.join("\n")).results.web;
  const url = `http://127.0.0.1:${s.port}/`;
  const holders = lines.filter((l) => l.startsWith("listen ")).flatMap((l) => [...l.matchAll(/\("([^"]*)",pid=(\d+)/g)].map((m) => `${m[1]} pid ${m[2]}`));
  const listening = lines.some((l) => l.startsWith("listen "));
  const who = listening ? `listening: ${[...new Set(holders)].join(", ") || "an unknown process"}` : `nothing listens on :${s.port}`;
  if (got === 200) return doctorCheck(`web :${s.port}`, "ok", [`${url} answered 200`, who]);
  return doctorCheck(`web :${s.port}`, "fail", [`${url} answered ${got || "nothing"}, expected 200`, who], remedy.web(r));
}

/** PM2's prefix with the default log_date_format ("YYYY-MM-DD HH:mm:ss Z"); a stamp without an offset is taken as UTC. */
const STAMP = /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.\d+)?(?: ?(Z|[+-]\d\d:?\d\d))?: /;

function stampOf(line: string): number | undefined {
  const m = STAMP.exec(line);
  if (!m) return undefined;
  const at = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) / 1000;
  const off = /^([+-])(\d\d):?(\d\d)$/.exec(m[7] ?? "");
  return off ? at - (off[1] === "-" ? -1 : 1) * (Number(off[2]) * 3600 + Number(off[3]) * 60) : at;
}

/**
 * The error log's lines of the last hour. PM2 stamps each write, not each line: an unstamped line
 * belongs to the stamp above it. A log with no stamp at all (another log_date_format) is dated by
 * the file's last write.
 */
function errors(read: DoctorRead, path: string, r: remedy.RemedyHost): DoctorCheck {
  const name = "web error log";
  const lines = read.lines("errors");
  if (lines.includes("missing")) return doctorCheck(name, "warn", [`${path} is missing (or not a regular file): PM2 writes the web app's stderr there`], remedy.errorLog(r, path));
  const stat = lines.find((l) => l.startsWith("mtime "));
  if (!stat) return doctorCheck(name, "warn", [`could not read ${path}`, ...read.logs(lines.slice(-2))], remedy.errorLog(r, path));
  const body = lines.filter((l) => l.startsWith("line ")).map((l) => l.slice(5));
  const mtime = Number(stat.slice(6)) || 0;
  const since = read.now - LOG_WINDOW_SECONDS;
  let at: number | undefined;
  const dated = body.map((l) => ({ line: l, at: (at = stampOf(l) ?? at) }));
  const recent = dated.some((d) => d.at !== undefined) ? dated.filter((d) => d.at !== undefined && d.at >= since).map((d) => d.line) : mtime >= since ? body : [];
  if (recent.length === 0) return doctorCheck(name, "ok", [`nothing written to ${path} in the last hour (${body.length} line${body.length === 1 ? "" : "s"} read)`]);
  return doctorCheck(name, "warn", [
    `${recent.length} line${recent.length === 1 ? "" : "s"} written to ${path} in the last hour; the last:`, ...read.logs(recent.slice(-3)),
  ], remedy.errorLog(r, path));
}

function logrotate(read: DoctorRead, pattern: string, r: remedy.RemedyHost): DoctorCheck {
  const lines = read.lines("logrotate");
  const timer = lines.find((l) => l.startsWith("timer="))?.slice(6) || "unknown";
  if (!lines.includes("config=present")) return doctorCheck("logrotate", "fail", [`${LOGROTATE_CONFIG} is missing: PM2's logs are never rotated`, `logrotate.timer: ${timer}`], remedy.logrotate(r));
  const problems = [
    ...(lines.includes("covers=yes") ? [] : [`${LOGROTATE_CONFIG} does not name ${pattern}`]),
    ...(lines.includes("parses=yes") ? [] : [`logrotate -d ${LOGROTATE_CONFIG} refuses it`]),
    ...(timer === "active" ? [] : [`logrotate.timer is ${timer}: nothing runs the rotation`]),
  ];
  if (problems.length === 0) return doctorCheck("logrotate", "ok", [`${LOGROTATE_CONFIG} rotates ${pattern} (logrotate -d accepts it), logrotate.timer active`]);
  return doctorCheck("logrotate", "fail", problems, remedy.logrotate(r));
}
