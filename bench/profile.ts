/**
 * Summarizes V8 CPU profiles (`node --cpu-prof`) by where the time went: self time per package (or
 * Node.js itself, or garbage collection), and the heaviest functions. Used by bench/README.md's
 * profile section: `npx tsx bench/profile.ts <dir with .cpuprofile files>`.
 */
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";

interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number; children?: number[] }
interface Profile { nodes: Node[]; startTime: number; endTime: number; samples: number[]; timeDeltas: number[] }

/** The package a script belongs to: "@pulumi/pulumi/runtime/closure", "typescript", "hostform", "node:internal"… */
export function bucketOf(url: string, fn: string): string {
  if (!url) return fn === "(garbage collector)" ? "(gc)" : fn === "(program)" || fn === "(idle)" ? fn : "(native)";
  if (url.startsWith("node:")) return "node:internal";
  const m = /.*node_modules\/((?:@[^/]+\/)?[^/]+)(\/[^/]+)?(\/[^/]+)?/.exec(url);
  if (!m) return url.includes("/components/") ? "hostform:components" : url.includes("/infra/") ? "hostform:infra" : "other";
  if (m[1] === "@pulumi/pulumi" && (m[2] === "/runtime" || m[2] === "/cmd")) return `${m[1]}${m[2]}${m[3] ?? ""}`.replace(/\.js$/, "");
  return m[1];
}

export interface Summary {
  file: string; wallMs: number; cpuMs: number; buckets: [string, number][]; functions: [string, number][];
  /** Time with the function anywhere on the stack (each sample counted once per function). */
  inclusive: [string, number][];
}

export function summarize(file: string): Summary {
  const p = JSON.parse(readFileSync(file, "utf8")) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000));
  const buckets = new Map<string, number>();
  const functions = new Map<string, number>();
  let cpu = 0;
  for (const [id, ms] of self) {
    const n = byId.get(id)!;
    const b = bucketOf(n.callFrame.url, n.callFrame.functionName);
    buckets.set(b, (buckets.get(b) ?? 0) + ms);
    if (b !== "(idle)") cpu += ms;
    const f = `${n.callFrame.functionName || "(anonymous)"} ${path.basename(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
    if (b !== "(idle)" && b !== "(program)") functions.set(f, (functions.get(f) ?? 0) + ms);
  }
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inclusive = new Map<string, number>();
  for (const [id, ms] of self) {
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const cf = byId.get(at)!.callFrame;
      if (!cf.url || cf.url.startsWith("node:")) continue;
      const f = `${cf.functionName || "(anonymous)"} ${bucketOf(cf.url, cf.functionName)}/${path.basename(cf.url)}:${cf.lineNumber + 1}`;
      if (!seen.has(f)) inclusive.set(f, (inclusive.get(f) ?? 0) + ms);
      seen.add(f);
    }
  }
  const top = <T>(m: Map<T, number>, n: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n);
  return { file: path.basename(file), wallMs: (p.endTime - p.startTime) / 1000, cpuMs: cpu, buckets: top(buckets, 12), functions: top(functions, 12), inclusive: top(inclusive, 30) };
}

export function format(s: Summary): string {
  const lines = [`${s.file}: ${s.wallMs.toFixed(0)} ms profiled, ${s.cpuMs.toFixed(0)} ms on CPU (samples not idle)`];
  for (const [b, ms] of s.buckets) lines.push(`  ${ms.toFixed(0).padStart(6)} ms  ${b}`);
  lines.push("  heaviest functions (self):");
  for (const [f, ms] of s.functions) lines.push(`  ${ms.toFixed(0).padStart(6)} ms  ${f}`);
  lines.push("  heaviest call trees (inclusive):");
  for (const [f, ms] of s.inclusive) lines.push(`  ${ms.toFixed(0).padStart(6)} ms  ${f}`);
  return lines.join("\n");
}

if (require.main === module) {
  const dir = process.argv[2];
  if (!dir) {
    console.error("usage: npx tsx bench/profile.ts <dir of .cpuprofile files>");
    process.exit(2);
  }
  for (const f of readdirSync(dir).filter((f) => f.endsWith(".cpuprofile")).sort()) console.log(`${format(summarize(path.join(dir, f)))}\n`);
}
