/** Timing helpers of the bench: wall time of a command, medians, the machine's load beside each result. */
import { cpus, loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import type { Run } from "../test/e2e/commands";

export interface Sample { ms: number; load: number }

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Runs `fn`, checks its result with `ok` (a failed or non-no-op run is an error, not a number). */
export async function timed(label: string, fn: () => Promise<Run>, ok: (r: Run) => boolean): Promise<Sample> {
  const load = loadavg()[0];
  const start = performance.now();
  const r = await fn();
  const ms = performance.now() - start;
  if (!ok(r)) throw new Error(`${label}: unexpected result (exit ${r.code}):\n${r.all.slice(-2000)}`);
  return { ms, load };
}

/** Interleaves the cases round by round, so load changes hit every case alike; samples per case. */
export async function rounds(runs: number, cases: Record<string, () => Promise<Sample>>): Promise<Record<string, Sample[]>> {
  const out: Record<string, Sample[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (let i = 0; i < runs; i++) {
    for (const [name, fn] of Object.entries(cases)) {
      const s = await fn();
      out[name].push(s);
      process.stderr.write(`  round ${i + 1}/${runs} ${name}: ${(s.ms / 1000).toFixed(2)} s (load ${s.load.toFixed(1)})\n`);
    }
  }
  return out;
}

export function row(name: string, samples: readonly Sample[]): string {
  const ms = samples.map((s) => s.ms);
  const load = median(samples.map((s) => s.load));
  return `| ${name} | ${(median(ms) / 1000).toFixed(2)} s | ${(Math.min(...ms) / 1000).toFixed(2)}–${(Math.max(...ms) / 1000).toFixed(2)} s | ${load.toFixed(1)} |`;
}

export const TABLE_HEAD = "| what | median | range | load (1 min) |\n|---|---:|---:|---:|";

export function ratio(a: readonly Sample[], b: readonly Sample[]): number {
  return median(a.map((s) => s.ms)) / median(b.map((s) => s.ms));
}

export const machine = () => `${cpus().length} × ${cpus()[0]?.model.trim() ?? "cpu"}, Node.js ${process.version}`;
