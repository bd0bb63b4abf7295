/**
 * The drift report of `npm run drift` as text: each resource that differs, with what differs, then
 * a per-host summary. Built from the same Report as the pull request comment (preview-model.ts), so
 * the text, Markdown and JSON formats say the same thing. Pure.
 */
import type { Report } from "./preview-model";
import { describe } from "./preview-render";

export interface Drift { host: string; resource: string; op: string; properties: string[] }

export function driftsOf(r: Report): Drift[] {
  return r.changes.map((c) => ({
    host: c.host,
    resource: c.what || c.name,
    op: c.op,
    properties: [...new Set([...(c.corrective ?? []), ...(c.intentional ?? [])].map((p) => p.key))],
  }));
}

export function formatDrift(drifts: Drift[]): string {
  if (drifts.length === 0) return "hostform: no drift: every host matches the code";
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
  out.push(formatDrift(driftsOf(r)));
  return out.join("\n");
}
