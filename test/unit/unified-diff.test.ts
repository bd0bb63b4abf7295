import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { unifiedDiff } from "../../scripts/unified-diff";

/** Applies a diff with GNU patch: the proof that a diff is correct, whichever valid alignment it chose. */
function patched(before: string, diff: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), "hostform-diff-"));
  writeFileSync(path.join(dir, "f"), before);
  execFileSync("patch", ["--quiet", "--force", path.join(dir, "f")], { input: `${diff}\n` });
  return readFileSync(path.join(dir, "f"), "utf8");
}

describe("unifiedDiff", () => {
  it("prints diff -u hunks with three lines of context", () => {
    const before = "a\nb\nc\nd\ne\nf\ng\nh\n";
    expect(unifiedDiff(before, before.replace("e\n", "E\n"), "deployed", "pull request")).toBe([
      "--- deployed",
      "+++ pull request",
      "@@ -2,7 +2,7 @@",
      " b",
      " c",
      " d",
      "-e",
      "+E",
      " f",
      " g",
      " h",
    ].join("\n"));
  });

  it("splits changes far apart into hunks and joins close ones", () => {
    const lines = Array.from({ length: 20 }, (_, n) => `line ${n + 1}`);
    const after = [...lines];
    after[1] = "two";
    after[5] = "six";
    after[18] = "nineteen";
    expect(unifiedDiff(`${lines.join("\n")}\n`, `${after.join("\n")}\n`, "a", "b")).toBe([
      "--- a", "+++ b",
      "@@ -1,9 +1,9 @@", " line 1", "-line 2", "+two", " line 3", " line 4", " line 5", "-line 6", "+six", " line 7", " line 8", " line 9",
      "@@ -16,5 +16,5 @@", " line 16", " line 17", " line 18", "-line 19", "+nineteen", " line 20",
    ].join("\n"));
  });

  it("handles empty sides and a missing final newline", () => {
    expect(unifiedDiff("", "x\n", "a", "b")).toBe("--- a\n+++ b\n@@ -0,0 +1 @@\n+x");
    expect(unifiedDiff("x\ny", "x\n", "a", "b")).toBe("--- a\n+++ b\n@@ -1,2 +1 @@\n x\n-y\n\\ No newline at end of file");
    expect(unifiedDiff("same\n", "same\n", "a", "b")).toBe("");
  });

  it("produces diffs that GNU patch applies, for random edits", () => {
    let seed = 7;
    const rand = (n: number) => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % n; };
    for (let round = 0; round < 25; round++) {
      const before = Array.from({ length: 5 + rand(40) }, () => `w${rand(6)}`);
      const after = before.flatMap((l) => [[], [l], [l], [l, `n${rand(6)}`], [`c${rand(6)}`]][rand(5)]);
      const a = `${before.join("\n")}\n`;
      const b = after.length ? `${after.join("\n")}\n` : "";
      const diff = unifiedDiff(a, b, "a/f", "b/f");
      if (a !== b) expect(patched(a, diff)).toBe(b);
    }
  });
});
