// The summary scripts/test.sh ends with: the failing tests by name (CI keeps only a log's tail),
// the failed steps, then one line "N passed, N failed, N skipped". Pure: reports in, text out.
export interface Assertion { status: string; fullName: string; failureMessages?: string[] }
export interface FileResult { name: string; status: string; message?: string; assertionResults?: Assertion[] }
export interface Report {
  success?: boolean;
  numPassedTests: number; numFailedTests: number; numPendingTests: number; numTodoTests?: number;
  testResults?: FileResult[];
}

const firstLine = (text: string | undefined, fallback: string): string => (text ?? "").split("\n").find((l) => l.trim()) ?? fallback;
/** A test file's path relative to the repository's root (vitest reports absolute paths). */
export const rel = (name: string, root: string): string => (name.startsWith(`${root}/`) ? name.slice(root.length + 1) : name);
const short = (text: string): string => (text.length > 300 ? `${text.slice(0, 297)}...` : text);

/** One line per failing test, and per file that failed outside its tests (a hook, an import). */
export function failures(reports: Report[], root: string): string[] {
  const lines: string[] = [];
  for (const r of reports) {
    for (const file of r.testResults ?? []) {
      const name = rel(file.name, root);
      const failed = (file.assertionResults ?? []).filter((a) => a.status === "failed");
      if (file.status === "failed" && failed.length === 0) lines.push(`${name}: ${short(firstLine(file.message, "failed"))}`);
      for (const a of failed) lines.push(`${name} > ${a.fullName}: ${short(firstLine(a.failureMessages?.[0], "failed"))}`);
    }
    if (r.success === false && r.numFailedTests === 0 && !(r.testResults ?? []).some((f) => f.status === "failed")) {
      lines.push('an error outside any test: see vitest\'s "Unhandled Errors" above');
    }
  }
  return lines;
}

/** `flaky`: tests that failed, then passed when their file ran again alone (scripts/test/retry.ts). */
export function summary(reports: Report[], failedSteps: string[], root: string, flaky: string[] = []): string {
  let passed = 0, failed = 0, skipped = 0;
  for (const r of reports) {
    passed += r.numPassedTests; failed += r.numFailedTests; skipped += r.numPendingTests + (r.numTodoTests ?? 0);
  }
  // A step with no tests of its own (typecheck, lint, actionlint) counts as one failure.
  failed += failedSteps.filter((s) => ["typecheck", "lint", "actionlint"].includes(s)).length;
  const out: string[] = [];
  const names = failures(reports, root);
  if (names.length) out.push("", "failed tests:", ...names.map((l) => `  ${l}`), "");
  if (flaky.length) out.push("", "flaky tests (failed, then passed when their file ran again alone; counted as passed):", ...flaky.map((l) => `  ${l}`));
  if (failedSteps.length) out.push("", `failed steps: ${failedSteps.join(", ")}`);
  out.push("", `${passed} passed, ${failed} failed, ${skipped} skipped`);
  return out.join("\n");
}
