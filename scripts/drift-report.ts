/**
 * The drift report of `npm run drift` as text: each resource that differs, with what differs, then
 * a per-host summary. Built from the same Report as the pull request comment (preview-model.ts), so
 * the text, Markdown and JSON formats say the same thing. Pure.
 */
import { allUnreached, describeUnreachable } from "../components/host/reach";
import type { Report } from "./preview-model";
import { describe } from "./preview-render";

/** Exit codes of `npm run drift` (docs/drift.md, "Drift without GitHub"). */
export const EXIT = { clean: 0, failed: 1, usage: 2, unreachable: 3, drift: 7 } as const;

/**
 * A failed run says nothing; hosts that could not be reached outrank drift elsewhere: "could not
 * check everything" asks for a look even when the hosts that were read are clean.
 */
export function exitCode(r: Report): number {
  if (r.errors.length) return EXIT.failed;
  if (r.unreachable?.length) return EXIT.unreachable;
  return r.changes.length ? EXIT.drift : EXIT.clean;
}

export interface Drift { host: string; resource: string; op: string; properties: string[] }

export function driftsOf(r: Report): Drift[] {
  return r.changes.map((c) => ({
    host: c.host,
    resource: c.what || c.name,
    op: c.op,
    properties: [...new Set([...(c.corrective ?? []), ...(c.intentional ?? [])].map((p) => p.key))],
  }));
}

export function formatDrift(drifts: Drift[], partial = false): string {
  if (drifts.length === 0) return partial ? "hostform: no drift on the hosts that were read" : "hostform: no drift: every host matches the code";
  const byHost = new Map<string, Drift[]>();
  for (const d of drifts) byHost.set(d.host, [...(byHost.get(d.host) ?? []), d]);
  const lines = [`hostform: drift on ${byHost.size} host${byHost.size === 1 ? "" : "s"} (npm run up -- --stack <stack> repairs it):`];
  for (const [host, ds] of byHost) {
    lines.push(`  ${host}`);
    for (const d of ds) lines.push(`    ${d.resource}: ${d.op}${d.properties.length ? ` (${d.properties.join(", ")})` : ""}`);
  }
  return lines.join("\n");
}

const indent = (text: string, by: string) => text.split("\n").map((l) => by + l).join("\n");

/** Every difference in full (diffs are not shortened), then the summary. */
export function formatText(r: Report): string {
  if (r.errors.length) return `hostform: the drift check of stack ${r.stack} failed:\n${indent(r.errors.join("\n"), "  ")}`;
  const out: string[] = [];
  for (const c of r.changes) {
    const sections = [["changed on the host", c.corrective, ["deployed", "on the host"]], ["not deployed yet", c.intentional, ["deployed", "the code"]]] as const;
    out.push(`${c.host} ${c.kind} ${c.what || c.name}: ${c.op}`);
    for (const [title, changes, labels] of sections) {
      if (!changes?.length) continue;
      out.push(`  ${title}:`);
      for (const p of changes) {
        const d = describe(p, labels, (text) => text);
        out.push(`    ${d.line}`);
        if (d.diff) out.push(indent(d.diff, "      "));
      }
    }
  }
  const unreachable = r.unreachable ?? [];
  out.push(formatDrift(driftsOf(r), unreachable.length > 0));
  if (unreachable.length) {
    const n = unreachable.length;
    out.push(`hostform: ${n} host${n === 1 ? "" : "s"} could not be ${allUnreached(unreachable) ? "reached" : "checked"}, so ${n === 1 ? "its" : "their"} drift is unknown (exit ${EXIT.unreachable}):`);
    for (const u of unreachable) out.push(`  ${describeUnreachable(u)}`);
  }
  return out.join("\n");
}
