/**
 * The Flatlogic release prune against the local shell (issue 20, previous 10b): whatever cut-short
 * builds lie among the releases, the active release and the rollback target (the newest finished
 * release before it) stay, and the `keep` newest finished releases are kept.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { pruneReleases } from "../../components/topologies/flatlogic/code";

const A = "20260101000000-aaaaaaaaaaaa";
const B = "20260102000000-bbbbbbbbbbbb";
const C = "20260103000000-cccccccccccc";
const D = "20260104000000-dddddddddddd";

/** A releases folder with `good` (marked) and `cut` (no marker) releases and `current` → `active`; prunes; returns what is left. */
function prune(keep: number, active: string, good: string[], cut: string[] = []): string[] {
  const rel = mkdtempSync(join(tmpdir(), "hf-prune-"));
  for (const r of [...good, ...cut]) mkdirSync(join(rel, r, "frontend"), { recursive: true });
  for (const r of good) writeFileSync(join(rel, r, "frontend", ".hostform-release"), "");
  writeFileSync(join(rel, "notes"), "not a release\n");
  symlinkSync(join(rel, active), join(rel, "current"));
  const r = spawnSync("bash", ["-c", `set -euo pipefail\nas_user() { "$@"; }\nrel=$1; target=$rel/$2\n${pruneReleases(keep)}`, "prune", rel, active], { encoding: "utf8" });
  expect([r.status, r.stderr]).toEqual([0, ""]);
  return readdirSync(rel).sort();
}

describe("release prune", () => {
  it("a build cut short between two good releases never displaces the rollback target (review P7)", () => {
    expect(prune(2, C, [A, C], [B])).toEqual([A, C, "current", "notes"]);
  });

  it("keeps the rollback target below the active release whatever keep says", () => {
    expect(prune(1, C, [A, C])).toEqual([A, C, "current", "notes"]);
    expect(prune(1, C, [A, B, C], [D])).toEqual([B, C, "current", "notes"]);
  });

  it("a pinned older release: the newest `keep`, the active one and the one before it stay", () => {
    expect(prune(1, B, [A, B, C, D])).toEqual([A, B, D, "current", "notes"]);
  });

  it("a release a process runs in (the executor's own, unmarked, or an old good one) is never removed", () => {
    const rel = mkdtempSync(join(tmpdir(), "hf-prune-"));
    for (const r of [A, B, C, D]) mkdirSync(join(rel, r, "frontend"), { recursive: true });
    for (const r of [A, C, D]) writeFileSync(join(rel, r, "frontend", ".hostform-release"), "");
    symlinkSync(join(rel, D), join(rel, "current"));
    // B stands for the executor's release that frontend-dev was switched to, A for an older one still in use.
    const running = [B, A].map((r) => spawn("sleep", ["30"], { cwd: join(rel, r, "frontend") }));
    try {
      const r = spawnSync("bash", ["-c", `set -euo pipefail\nas_user() { "$@"; }\nrel=$1; target=$rel/$2\n${pruneReleases(1)}`, "prune", rel, D], { encoding: "utf8" });
      expect([r.status, r.stderr]).toEqual([0, ""]);
      expect(readdirSync(rel).sort()).toEqual([A, B, C, D, "current"]);
    } finally {
      for (const p of running) p.kill();
    }
    expect(prune(1, D, [A, C, D], [B])).toEqual([C, D, "current", "notes"]);
  });

  it("all good: the `keep` newest stay, older ones go", () => {
    expect(prune(2, D, [A, B, C, D])).toEqual([C, D, "current", "notes"]);
  });
});
