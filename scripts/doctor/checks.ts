/**
 * Judges what the probe read (facts.ts) against the plan: one result per check, with a status,
 * a few lines of evidence and, when it is not ok, the runbook's remedy. Pure; the system checks
 * (disk, memory, OOM, units) are here, the apps' checks in checks-apps.ts.
 */
import { belowMinimumMemory } from "../../components/blocks/base/memory";
import { maskKnown, redact } from "../../components/host/kinds/health";
import { appChecks } from "./checks-apps";
import { parseDf, parseEnv, parseMemory, parseOom, parseUnits } from "./facts";
import type { HostPlan } from "./plan";
import * as remedy from "./remedies";
import { byPercent, type CheckResult, type Ctx, type Observed, percent, result, size, type Status, worst } from "./result";

/** Every check of a host, in the runbook's order: resources, processes, ports, URLs, logs. */
export function evaluate(plan: HostPlan, obs: Observed, known: readonly string[]): CheckResult[] {
  const lines = (name: string) => obs.sections[name]?.lines ?? [];
  const ctx: Ctx = { plan, obs, env: parseEnv(lines("env")), lines, logs: (ls) => ls.map((l) => redact(l, known)) };
  const results = [...disk(ctx), memory(ctx), oom(ctx), ...units(ctx), ...appChecks(ctx), ...topologyChecks(ctx)];
  // Everything the doctor prints passes here: no value of the stack's secrets leaves it.
  return results.map((r) => ({ ...r, evidence: r.evidence.map((e) => maskKnown(e, known)) }));
}

/** The topology's own checks (the registry's `doctor`), judging its sections. */
function topologyChecks(c: Ctx): CheckResult[] {
  const t = c.plan.topology;
  if (!t) return [];
  const name = (s: string) => `${c.plan.role}-${s}`;
  return t.judge({ lines: (s) => c.lines(name(s)), rc: (s) => c.obs.sections[name(s)]?.rc, now: c.env.now, logs: c.logs });
}

function disk(c: Ctx): CheckResult[] {
  const fss = parseDf(c.lines("disk"));
  if (fss.length === 0) return [result("disk", "fail", ["df printed no filesystem", ...c.lines("disk").slice(-3)])];
  return fss.map((fs) => {
    const space = percent(fs.used, fs.used + fs.avail);
    const inodes = percent(fs.inodesUsed, fs.inodes);
    const status = worst([byPercent(space), fs.inodes > 0 ? byPercent(inodes) : "ok"]);
    return result(`disk ${fs.target}`, status, [
      `space ${space}% used (${size(fs.used)} of ${size(fs.size)}, ${size(fs.avail)} free)`,
      fs.inodes > 0 ? `inodes ${inodes}% used (${fs.inodesUsed} of ${fs.inodes})` : "inodes: not counted by this filesystem",
    ], remedy.disk(c.plan, fs.target));
  });
}

function memory(c: Ctx): CheckResult {
  const m = parseMemory(c.lines("memory"));
  if (m.total === 0) return result("memory", "fail", ["/proc/meminfo could not be read", ...c.lines("memory").slice(-3)]);
  const used = m.total - m.available;
  const evidence = [`memory ${size(used)} of ${size(m.total)} in use (${percent(used, m.total)}%), ${size(m.available)} available`];
  const statuses: Status[] = [byPercent(percent(used, m.total))];
  if (m.limit !== undefined && m.limitUsed !== undefined) {
    evidence.push(`container limit ${size(m.limit)}: ${size(m.limitUsed)} in use (${percent(m.limitUsed, m.limit)}%)`);
    statuses.push(byPercent(percent(m.limitUsed, m.limit)));
  }
  if (m.swapTotal > 0) {
    const swapUsed = m.swapTotal - m.swapFree;
    evidence.push(`swap ${size(swapUsed)} of ${size(m.swapTotal)} in use (${percent(swapUsed, m.swapTotal)}%)`);
    // Swap in use is pressure, not an outage: it never fails the host on its own.
    if (byPercent(percent(swapUsed, m.swapTotal)) !== "ok") statuses.push("warn");
  } else {
    evidence.push("swap: none");
  }
  // A small VM is a warning on its own: it runs until a heavy job (an ffmpeg reversal) needs more.
  const small = belowMinimumMemory(m.total / 1024, c.plan.minimumMemory);
  if (small) {
    evidence.push(`this host ${small}`);
    statuses.push("warn");
  }
  // Memory in use is the pressing fault; the host's size is the remedy only when nothing else is wrong.
  const pressing = worst(statuses.slice(0, small ? -1 : undefined)) !== "ok";
  return result("memory", worst(statuses), evidence, remedy.memory(c.plan, small !== undefined && !pressing));
}

/** Who was killed, from the kernel's and systemd's lines. */
function victims(lines: readonly string[]): string[] {
  const out = new Set<string>();
  for (const l of lines) {
    const k = /Killed process \d+ \(([^)]+)\)/.exec(l);
    if (k) out.add(`process ${k[1]}`);
    const u = /(\S+\.(?:service|scope)): (?:A process of this unit has been killed by the OOM killer|Failed with result 'oom-kill')/.exec(l);
    if (u) out.add(`unit ${u[1]}`);
  }
  return [...out];
}

function oom(c: Ctx): CheckResult {
  const o = parseOom(c.lines("oom"));
  const inCgroups = o.cgroups.reduce((n, g) => n + g.kills, 0);
  // /proc/vmstat counts the whole machine: inside a container it would report the neighbours' kills.
  const kernel = c.env.container ? 0 : (o.vmstat ?? 0);
  const kills = Math.max(inCgroups, kernel);
  if (kills === 0 && o.lines.length === 0) {
    return result("oom", "ok", [c.env.container
      ? `no OOM kill counted in this container's memory cgroups (the kernel log is not readable in a ${c.env.container} container)`
      : "no OOM kill since boot (kernel log, /proc/vmstat)"]);
  }
  const who = [...victims(o.lines), ...o.cgroups.map((g) => `memory cgroup ${g.cgroup} (${g.kills})`)];
  return result("oom", "warn", [
    `${kills || "some"} OOM kill${kills === 1 ? "" : "s"} since boot${who.length ? `: ${who.join(", ")}` : ""}`,
    ...c.logs(o.lines.slice(-3)),
  ], remedy.oom(c.plan));
}

function units(c: Ctx): CheckResult[] {
  if (c.plan.units.length === 0) return [];
  const seen = parseUnits(c.lines("units"));
  return c.plan.units.map((name) => {
    const u = seen.find((x) => x.name === name);
    const fix = remedy.unit(c.plan, name);
    if (!u) return result(`unit ${name}`, "fail", ["systemctl did not answer for it", ...c.lines("units").slice(-2)], fix);
    if (u.load === "not-found") return result(`unit ${name}`, "fail", ["not installed (LoadState=not-found)"], fix);
    const state = `${u.active} (${u.sub}), last result ${u.result}`;
    const restarted = u.restarts > 0 ? `, restarted ${u.restarts} time${u.restarts === 1 ? "" : "s"} by systemd` : "";
    if (u.active === "active" && u.result === "success" && u.restarts === 0) return result(`unit ${name}`, "ok", [`${u.active} (${u.sub})`]);
    const status: Status = u.active === "active" ? "warn" : "fail";
    return result(`unit ${name}`, status, [state + restarted, ...c.logs(u.log.slice(-4))], fix);
  });
}
