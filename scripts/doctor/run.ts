/**
 * Examines one host: one exec of the read script over the pinned SSH pool, and the public URL
 * fetched from here, as users reach it. Returns its report; never throws for the host's faults.
 */
import { randomBytes } from "node:crypto";
import { maskKnown } from "../../components/host/kinds/health";
import { HostUnreachable } from "../../components/host/reach";
import { session } from "../../components/host/ssh";
import type { HostConfig } from "../../infra/config";
import { evaluate } from "./checks";
import { hostReport, type HostReport } from "./format";
import type { HostPlan } from "./plan";
import { probeScript, splitSections } from "./probe";
import { unreachable } from "./remedies";
import { type CheckResult, type Fetched, type Observed, result } from "./result";

/** The read script finishes well within this; a host that does not is reported, not waited on. */
const PROBE_TIMEOUT_MS = 120_000;

async function fetchStatus(url: string): Promise<Fetched> {
  try {
    const r = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(10_000) });
    await r.body?.cancel();
    return { status: r.status };
  } catch (e) {
    const err = e as Error & { cause?: { code?: string } };
    return { status: 0, error: err.cause?.code ?? err.message };
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

export async function examine(h: HostConfig, plan: HostPlan, known: readonly string[], progress: (line: string) => void): Promise<HostReport> {
  const started = Date.now();
  progress(`${plan.host}: reading ${plan.address} (${plan.role}, ${plan.flavor})`);
  const named = { ...h.connection, name: h.name };
  const connection = h.privateKeySecret === undefined ? named : { ...named, privateKey: String(h.privateKeySecret) };
  const nonce = randomBytes(8).toString("hex");
  // Every public URL at once, while the host is read.
  const pub = plan.public
    ? Promise.all(plan.public.map(async (p) => [p.url, await fetchStatus(p.url)] as const)).then((all) => ({ public: Object.fromEntries(all) }))
    : Promise.resolve({});
  let checks: CheckResult[];
  try {
    const s = await session(connection);
    const r = await withTimeout(s.exec(probeScript(plan, nonce)), PROBE_TIMEOUT_MS, "the read script");
    const obs: Observed = { sections: splitSections(r.stdout, nonce), ...(await pub) };
    checks = evaluate(plan, obs, known);
    if (Object.keys(obs.sections).length === 0) {
      checks = [result("probe", "fail", [`the read script printed nothing (exit ${r.code})`, ...r.stderr.trim().split("\n").slice(-3)].map((l) => maskKnown(l, known)))];
    }
  } catch (e) {
    const obs: Observed = { sections: {}, ...(await pub) };
    const reach = evaluate(plan, obs, known).filter((c) => c.check === "public");
    const reason = e instanceof HostUnreachable ? e.facts.reason : undefined;
    checks = [result("ssh", "fail", [maskKnown((e as Error).message, known)], unreachable(h.connection, reason)), ...reach];
  }
  const report = hostReport(plan, checks);
  const n = (s: string) => checks.filter((c) => c.status === s).length;
  progress(`${plan.host}: ${report.status} (${n("fail")} fail, ${n("warn")} warn, ${n("ok")} ok) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return report;
}
