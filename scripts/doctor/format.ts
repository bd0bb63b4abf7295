/** The doctor's report, for people (a table, coloured on a terminal) and for machines (JSON). Pure. */
import type { HostPlan } from "./plan";
import { type CheckResult, type Status, worst } from "./result";

export interface HostReport extends Pick<HostPlan, "host" | "role" | "flavor" | "address"> {
  readonly status: Status;
  readonly checks: readonly CheckResult[];
}

export interface Report {
  readonly stack: string;
  readonly status: Status;
  /** 0 all ok, 1 warnings, 2 failures. */
  readonly exitCode: 0 | 1 | 2;
  readonly hosts: readonly HostReport[];
}

export const EXIT: Record<Status, 0 | 1 | 2> = { ok: 0, warn: 1, fail: 2 };

export function hostReport(plan: Pick<HostPlan, "host" | "role" | "flavor" | "address">, checks: readonly CheckResult[]): HostReport {
  return { host: plan.host, role: plan.role, flavor: plan.flavor, address: plan.address, status: worst(checks.map((c) => c.status)), checks };
}

export function report(stack: string, hosts: readonly HostReport[]): Report {
  const status = worst(hosts.map((h) => h.status));
  return { stack, status, exitCode: EXIT[status], hosts };
}

/** What `--format json` prints when the doctor could not run (exit 3): still JSON, the reason in `error`. */
export function formatJsonError(stack: string | undefined, error: string): string {
  return `${JSON.stringify({ stack: stack ?? null, status: "error", exitCode: 3, error, hosts: [] }, null, 2)}\n`;
}

export function formatJson(r: Report): string {
  return `${JSON.stringify(r, null, 2)}\n`;
}

const LABEL: Record<Status, string> = { ok: "ok", warn: "WARN", fail: "FAIL" };
const COLOUR: Record<Status, string> = { ok: "\x1b[32m", warn: "\x1b[33m", fail: "\x1b[31m" };
const BOLD = "\x1b[1m";
const RESET = "\x1b[0m";

/** "2 fail, 1 warn, 14 ok" */
function counts(checks: readonly CheckResult[]): string {
  const n = (s: Status) => checks.filter((c) => c.status === s).length;
  return (["fail", "warn", "ok"] as const).filter((s) => n(s) > 0).map((s) => `${n(s)} ${s}`).join(", ");
}

/**
 * One block per host: a header, then one row per check (status, name, first line of evidence),
 * the rest of the evidence below it, and for a check that is not ok its remedy and commands.
 */
export function formatTable(r: Report, opts: { color: boolean }): string {
  const paint = (s: string, code: string) => (opts.color ? `${code}${s}${RESET}` : s);
  const status = (s: Status) => paint(LABEL[s].padEnd(4), COLOUR[s]);
  const out: string[] = [];
  for (const h of r.hosts) {
    out.push(`${paint(h.host, BOLD)}  ${h.role} · ${h.flavor} · ${h.address}  ${status(h.status).trimEnd()} (${counts(h.checks)})`);
    const width = Math.max(...h.checks.map((c) => c.check.length));
    const indent = " ".repeat(2 + 4 + 2 + width + 2);
    for (const c of h.checks) {
      const [first = "", ...rest] = c.evidence;
      out.push(`  ${status(c.status)}  ${c.check.padEnd(width)}  ${first}`.trimEnd());
      for (const line of rest) out.push(`${indent}${line}`);
      if (c.remedy) {
        out.push(`${indent}${paint("remedy:", BOLD)} ${c.remedy.say} (${c.remedy.from})`);
        for (const cmd of c.remedy.run) out.push(`${indent}  ${cmd}`);
      }
    }
    out.push("");
  }
  const hosts = `${r.hosts.length} host${r.hosts.length === 1 ? "" : "s"}`;
  out.push(`doctor: stack ${r.stack}, ${hosts}: ${r.status === "ok" ? "all ok" : counts(r.hosts.flatMap((h) => h.checks))} (exit ${r.exitCode})`);
  return `${out.join("\n")}\n`;
}
