// A second run, alone, of the e2e files that failed (scripts/test.sh): on a loaded machine a test
// that waits on real hosts can miss a deadline once. The file runs again with fresh hosts; what
// passes then is counted as passed and named as flaky in the summary, never silently. What fails
// again stays failed. Pure: reports in, files or a merged report out.
import { type FileResult, type Report, rel } from "./summary.js";

/** At most this many failed files run again: more than that is not a flake but a breakage. */
export const MAX_RETRIED_FILES = 3;

/** The files of `report` that failed (a test, or the file outside its tests), relative to `root`. */
export function failedFiles(report: Report, root: string): string[] {
  return (report.testResults ?? []).filter((f) => f.status === "failed").map((f) => rel(f.name, root));
}

/** The files to run again: the failed ones, unless there are more than MAX_RETRIED_FILES (then none). */
export function filesToRetry(report: Report, root: string): string[] {
  const files = failedFiles(report, root);
  return files.length <= MAX_RETRIED_FILES ? files : [];
}

const count = (f: FileResult, status: (s: string) => boolean) => (f.assertionResults ?? []).filter((a) => status(a.status)).length;
const isPassed = (s: string) => s === "passed";
const isFailed = (s: string) => s === "failed";
const isSkipped = (s: string) => s === "pending" || s === "skipped" || s === "todo";

/**
 * The first run's report with each retried file's results replaced by its second run's, and the
 * tests that failed the first time and passed the second ("file > test"), in the first run's order.
 */
export function mergeRetries(first: Report, retries: Report[], root: string): { report: Report; flaky: string[] } {
  const again = new Map<string, FileResult>();
  for (const r of retries) for (const f of r.testResults ?? []) again.set(rel(f.name, root), f);
  let passed = first.numPassedTests, failed = first.numFailedTests, skipped = first.numPendingTests + (first.numTodoTests ?? 0);
  const flaky: string[] = [];
  const files = (first.testResults ?? []).map((f) => {
    const second = again.get(rel(f.name, root));
    if (second === undefined) return f;
    passed += count(second, isPassed) - count(f, isPassed);
    failed += count(second, isFailed) - count(f, isFailed);
    skipped += count(second, isSkipped) - count(f, isSkipped);
    const passedNow = new Set((second.assertionResults ?? []).filter((a) => isPassed(a.status)).map((a) => a.fullName));
    for (const a of f.assertionResults ?? []) if (isFailed(a.status) && passedNow.has(a.fullName)) flaky.push(`${rel(f.name, root)} > ${a.fullName}`);
    if (f.status === "failed" && count(f, isFailed) === 0 && second.status === "passed") flaky.push(`${rel(f.name, root)} (outside its tests)`);
    return second;
  });
  const success = !files.some((f) => f.status === "failed") && retries.every((r) => r.success !== false);
  return { report: { success, numPassedTests: passed, numFailedTests: failed, numPendingTests: skipped, numTodoTests: 0, testResults: files }, flaky };
}
