/**
 * The checks of what the topology runs: the container's start script, PM2 and its apps, ports,
 * health URLs (on the host and from outside), Apache's error log, releases, the duel stack's
 * secrets file, database, display and GPU. Pure, like checks.ts.
 */
import { parseRemoteDatabase } from "../../components/blocks/postgres/remote";
import { parseHealth } from "../../components/host/kinds/health";
import {
  type Listener, type Pm2App, type Proc, parseApacheErrors, parseClusters, parseGpu, parseListeners, parsePm2List, parseProcs,
  parseReleases, parseSecretsFile,
} from "./facts";
import { RESTARTS_WARN } from "./probe";
import * as remedy from "./remedies";
import { type CheckResult, type Ctx, result, type Status, worst } from "./result";

/** Apache errors older than this are history, not a symptom. */
export const APACHE_WINDOW_SECONDS = 3600;

export function appChecks(c: Ctx): CheckResult[] {
  const pm2 = parsePm2List(c.lines("pm2"));
  return [
    ...onstart(c), ...pm2Checks(c, pm2.daemon, pm2.apps), ...ports(c, pm2.apps), ...health(c), ...publicUrl(c),
    ...apache(c), ...releases(c), ...secretsFile(c), ...postgres(c), ...remoteDatabase(c), ...display(c), ...gpu(c),
  ];
}

function onstart(c: Ctx): CheckResult[] {
  if (!c.plan.onstart) return [];
  const lines = c.lines("onstart");
  const fix = remedy.onstart(c.plan);
  if (lines.includes("onstart.log=missing")) return [result("onstart", "warn", ["no /var/log/onstart.log: /root/onstart.sh has not run since the container started"], fix)];
  // Every run ends with its PM2 step (renderOnstart): judge the last finished run only.
  const ends = lines.map((l, i) => (/ onstart: (PM2 already running|PM2 resurrected|FAILED: pm2 resurrect)/.test(l) ? i : -1)).filter((i) => i >= 0);
  const run = ends.length === 0 ? lines : lines.slice(ends.length > 1 ? ends.at(-2)! + 1 : 0, ends.at(-1)! + 1);
  const failed = run.filter((l) => / onstart: FAILED: /.test(l));
  if (failed.length > 0) return [result("onstart", "fail", c.logs(failed.slice(-4)), fix)];
  return [result("onstart", "ok", [`last start: every step ok${run.length ? ` (${run.at(-1)})` : ""}`])];
}

function duration(ms: number): string {
  const m = Math.floor(ms / 60_000);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  return h < 48 ? `${h} h ${m % 60} min` : `${Math.floor(h / 24)} days`;
}

function appLog(c: Ctx, a: Pm2App): string[] {
  return [...c.logs(a.out.slice(-3)).map((l) => `out | ${l}`), ...c.logs(a.err.slice(-5)).map((l) => `err | ${l}`)];
}

function pm2Checks(c: Ctx, daemon: boolean, apps: readonly Pm2App[]): CheckResult[] {
  const p = c.plan.pm2;
  if (!p) return [];
  if (!daemon) {
    return [result("pm2", "fail", [`the PM2 daemon of ${p.user} is not running (no live pid in ${p.home}/.pm2/pm2.pid): no app runs`, ...c.lines("pm2").filter((l) => l !== "daemon=down").slice(-2)], remedy.pm2Down(c.plan))];
  }
  const names = [...new Set(apps.map((a) => a.name))];
  const extra = names.filter((n) => !p.apps.includes(n));
  const out = [result("pm2", extra.length ? "warn" : "ok", [
    `daemon running, ${names.length} app${names.length === 1 ? "" : "s"}`,
    ...(extra.length ? [`not hostform's: ${extra.join(", ")} (an up deletes them)`] : []),
  ], { say: "hostform keeps only the ecosystem's apps.", run: [`npm run up -- --stack ${c.plan.stack}`], from: "hostform" })];
  for (const name of p.apps) {
    // A cluster app is one entry per worker: the app is as well as its worst worker, its counters summed.
    const workers = apps.filter((x) => x.name === name);
    if (workers.length === 0) {
      out.push(result(`pm2 ${name}`, "fail", ["not in PM2's process list"], remedy.pm2App(c.plan, name, true)));
      continue;
    }
    const worst = workers.find((w) => w.status !== "online") ?? workers.reduce((x, y) => (y.unstable > x.unstable || y.restarts > x.restarts ? y : x));
    const restarts = workers.reduce((n, w) => n + w.restarts, 0);
    const unstable = workers.reduce((n, w) => n + w.unstable, 0);
    const a = { ...worst, restarts, unstable, since: Math.max(...workers.map((w) => w.since)) };
    const many = workers.length > 1 ? `${workers.filter((w) => w.status === "online").length} of ${workers.length} workers online, ` : "";
    const counts = `${many}${a.restarts} restart${a.restarts === 1 ? "" : "s"}${a.unstable ? `, ${a.unstable} unstable` : ""}`;
    if (a.status !== "online") {
      out.push(result(`pm2 ${name}`, "fail", [`${a.status}, ${counts}`, ...appLog(c, a)], remedy.pm2App(c.plan, name, false)));
    } else if (a.unstable > 0 || a.restarts >= RESTARTS_WARN) {
      out.push(result(`pm2 ${name}`, "warn", [`online but restarting: ${counts}`, ...appLog(c, a)], remedy.pm2App(c.plan, name, false)));
    } else {
      out.push(result(`pm2 ${name}`, "ok", [`online for ${duration(c.env.now * 1000 - a.since)}, ${counts}`]));
    }
  }
  return out;
}

/** Is `pid` the app's process or one of its descendants (npm → sh → node)? */
function descends(procs: Map<number, Proc>, pid: number, root: number): boolean {
  for (let p: number | undefined = pid, hops = 0; p && hops < 32; p = procs.get(p)?.ppid, hops++) if (p === root) return true;
  return false;
}

function ports(c: Ctx, apps: readonly Pm2App[]): CheckResult[] {
  if (c.plan.ports.length === 0) return [];
  const lines = c.lines("ports");
  const listeners = parseListeners(lines);
  const procs = parseProcs(c.lines("procs"));
  const withOwners = lines[0] === "tool=ss";
  const pidsOf = (app: string) => apps.filter((a) => a.name === app && a.pid > 0).map((a) => a.pid);
  const owns = (l: Listener, want: { app?: string; process?: string }) =>
    l.processes.some((p) => (want.process ? p.name === want.process : pidsOf(want.app!).some((root) => descends(procs, p.pid, root))));
  const statuses: Status[] = [];
  const evidence = c.plan.ports.map((want) => {
    const who = want.app ?? want.process!;
    const l = listeners.find((x) => x.port === want.port);
    if (!l) {
      statuses.push("fail");
      const elsewhere = want.app && pidsOf(want.app).length > 0 ? listeners.filter((x) => owns(x, want)).map((x) => `:${x.port}`) : [];
      return `:${want.port} ${who}: nothing listens${elsewhere.length ? `; ${who} listens on ${elsewhere.join(", ")} instead` : ""}`;
    }
    const holders = l.processes.map((p) => `${p.name} pid ${p.pid}`).join(", ");
    if (withOwners && !owns(l, want)) {
      statuses.push("warn");
      return `:${want.port} ${who}: held by ${holders || "an unknown process"}, not ${who}`;
    }
    statuses.push("ok");
    return `:${want.port} ${who}: listening${holders ? ` (${holders})` : ""}`;
  });
  if (!withOwners) evidence.push("ss is not installed: ports read from /proc/net/tcp, without their processes");
  return [result("ports", worst(statuses), evidence, remedy.ports(c.plan))];
}

function health(c: Ctx): CheckResult[] {
  const seen = parseHealth(c.lines("health").join("\n")).results;
  return c.plan.health.map((h) => {
    const got = seen[h.name];
    const ok = got === h.status;
    return result(`health ${h.name}`, ok ? "ok" : "fail", [
      ok ? `${h.url} answered ${got}` : `${h.url} answered ${got || "nothing"}, expected ${h.status}`,
    ], remedy.health(c.plan, h.name));
  });
}

function publicUrl(c: Ctx): CheckResult[] {
  return (c.plan.public ?? []).flatMap((p) => {
    const got = c.obs.public?.[p.url];
    if (!got) return [];
    const ok = got.status === p.status;
    const answer = got.error ? `did not answer (${got.error})` : `answered ${got.status}`;
    return [result(p.name ? `public ${p.name}` : "public", ok ? "ok" : "fail", [`${p.url} through ${p.via} ${answer}${ok ? "" : `, expected ${p.status}`}`], remedy.publicUrl(p))];
  });
}

function apache(c: Ctx): CheckResult[] {
  if (!c.plan.apacheLog) return [];
  const lines = c.lines("apache");
  if (lines.includes(`${c.plan.apacheLog}=missing`)) return [result("apache errors", "warn", [`${c.plan.apacheLog} is missing or unreadable`], remedy.apache())];
  const recent = parseApacheErrors(lines, c.env.offsetMinutes).filter((e) => e.at >= c.env.now - APACHE_WINDOW_SECONDS);
  if (recent.length === 0) return [result("apache errors", "ok", [`no error-level entry in the last hour (${lines.length} lines read)`])];
  return [result("apache errors", "warn", [
    `${recent.length} error-level entr${recent.length === 1 ? "y" : "ies"} in the last hour; the last:`,
    ...c.logs(recent.slice(-3).map((e) => e.line)),
  ], remedy.apache())];
}

function releases(c: Ctx): CheckResult[] {
  const r = c.plan.releases;
  if (!r) return [];
  const fix = remedy.releases(c.plan);
  const section = c.obs.sections.releases;
  if (!section || section.rc !== 0) return [result("releases", "fail", [`cannot read ${r.dir}`, ...c.lines("releases").slice(-2)], fix)];
  const f = parseReleases(section.lines);
  if (f.ids.length === 0) return [result("releases", "fail", [`no release in ${r.dir}`], fix)];
  if (!f.current || !f.ids.includes(f.current)) return [result("releases", "fail", [`${f.ids.length} releases, but current points at ${f.current || "nothing"}`], fix)];
  const summary = `${f.ids.length} release${f.ids.length === 1 ? "" : "s"} kept (releasesKeep ${r.keep}), active ${f.current}`;
  return [result("releases", f.ids.length > r.keep ? "warn" : "ok", [summary, ...(f.ids.length > r.keep ? ["more than releasesKeep: the next up prunes the oldest"] : [])], fix)];
}

function secretsFile(c: Ctx): CheckResult[] {
  const s = c.plan.secretsFile;
  if (!s) return [];
  const f = parseSecretsFile(c.lines("secrets"));
  const fix = remedy.secretsFile(c.plan);
  if (!f.present) return [result("secrets file", "fail", [`${s.path} is missing (or not a regular file)`], fix)];
  const missing = s.required.filter((k) => !f.keys.includes(k));
  const facts = `${s.path}: mode ${f.mode}, owner ${f.owner}; variables ${f.keys.join(", ") || "none"}`;
  if (missing.length > 0) return [result("secrets file", "fail", [facts, `missing ${missing.join(", ")}`], fix)];
  return [result("secrets file", f.mode === "0600" ? "ok" : "warn", [facts, ...(f.mode === "0600" ? [] : ["should be 0600: it holds DATABASE_URL and the stream keys"])], fix)];
}

function postgres(c: Ctx): CheckResult[] {
  if (!c.plan.postgres) return [];
  const f = parseClusters(c.lines("postgres"));
  const fix = remedy.postgres(c.plan, f.clusters);
  if (!f.installed || f.clusters.length === 0) return [result("postgres", "fail", [f.installed ? "no PostgreSQL cluster" : "PostgreSQL is not installed, but DATABASE_URL points at this host"], fix)];
  const down = f.clusters.filter((k) => k.status !== "online");
  return [result("postgres", down.length ? "fail" : "ok", f.clusters.map((k) => `cluster ${k.version}/${k.name} on :${k.port}: ${k.status}`), fix)];
}

/** Remote mode: the server DATABASE_URL names answers from the host (pg_isready, no password). */
function remoteDatabase(c: Ctx): CheckResult[] {
  const d = c.plan.remoteDatabase;
  if (!d) return [];
  const p = parseRemoteDatabase(c.lines("database"));
  return [result("database", p.verdict === "accepting" ? "ok" : "fail", [p.message], remedy.remoteDatabase(c.plan))];
}

function display(c: Ctx): CheckResult[] {
  const d = c.plan.display;
  if (!d) return [];
  const socket = c.lines("display").includes("socket=yes");
  const xvfb = [...parseProcs(c.lines("procs")).values()].filter((p) => p.comm === "Xvfb").map((p) => p.pid);
  const evidence = [
    socket ? `${d.socket} is there` : `no X socket ${d.socket}`,
    xvfb.length ? `Xvfb running (pid ${xvfb.join(", ")})` : "no Xvfb process",
  ];
  return [result(`display ${d.display}`, socket && xvfb.length ? "ok" : "fail", evidence, remedy.display(c.plan))];
}

function gpu(c: Ctx): CheckResult[] {
  if (!c.plan.gpu) return [];
  const g = parseGpu(c.lines("gpu"));
  if (!g.installed) {
    // The sandbox's nspawn hosts share no GPU: a known gap there, a fault anywhere else.
    const sandbox = c.env.container === "systemd-nspawn";
    return [result("gpu", sandbox ? "warn" : "fail", [
      "nvidia-smi is not installed: no NVIDIA driver on this host",
      ...(sandbox ? ["this is a systemd-nspawn host (the local sandbox), which has no GPU: WebGPU capture cannot use one here"] : []),
    ], remedy.gpu())];
  }
  if (g.gpus.length === 0) return [result("gpu", "fail", ["nvidia-smi found no GPU", ...g.other.slice(-3)], remedy.gpu())];
  const inactive = g.gpus.some((x) => !/^enabled$/i.test(x.displayActive));
  return [result("gpu", inactive ? "warn" : "ok", g.gpus.map((x) => `${x.name}: display ${x.displayActive.toLowerCase()}, memory ${x.memoryUsed} of ${x.memoryTotal}`), remedy.gpu())];
}
