import { describe, expect, it } from "vitest";
import { filesToRetry, mergeRetries } from "../../scripts/test/retry.js";
import { type Assertion, type FileResult, type Report, summary } from "../../scripts/test/summary.js";

const test = (status: string, fullName: string): Assertion => ({ status, fullName, ...(status === "failed" ? { failureMessages: [`Error: ${fullName} broke`] } : {}) });
const file = (name: string, ...tests: Assertion[]): FileResult => ({ name: `/repo/test/e2e/${name}`, status: tests.some((t) => t.status === "failed") ? "failed" : "passed", assertionResults: tests });
const report = (...files: FileResult[]): Report => {
  const all = files.flatMap((f) => f.assertionResults ?? []);
  const n = (s: string) => all.filter((a) => a.status === s).length;
  return { success: !files.some((f) => f.status === "failed"), numPassedTests: n("passed"), numFailedTests: n("failed"), numPendingTests: n("pending"), testResults: files };
};

describe("the e2e files run again alone after a failure", () => {
  const first = report(
    file("a.test.ts", test("passed", "a one"), test("failed", "a two")),
    file("b.test.ts", test("passed", "b one"), test("pending", "b skipped")),
    file("c.test.ts", test("failed", "c one"), test("failed", "c two")),
  );

  it("are the failed files, relative to the root, and none when more than three failed", () => {
    expect(filesToRetry(first, "/repo")).toEqual(["test/e2e/a.test.ts", "test/e2e/c.test.ts"]);
    const many = report(...["p", "q", "r", "s"].map((x) => file(`${x}.test.ts`, test("failed", x))));
    expect(filesToRetry(many, "/repo")).toEqual([]);
    expect(filesToRetry(report(file("b.test.ts", test("passed", "b one"))), "/repo")).toEqual([]);
  });

  it("replace their first results: a test that passes the second time is passed and named flaky; one that fails again stays failed", () => {
    const retries = [
      report(file("a.test.ts", test("passed", "a one"), test("passed", "a two"))),
      report(file("c.test.ts", test("passed", "c one"), test("failed", "c two"))),
    ];
    const { report: merged, flaky } = mergeRetries(first, retries, "/repo");
    expect(flaky).toEqual(["test/e2e/a.test.ts > a two", "test/e2e/c.test.ts > c one"]);
    expect([merged.numPassedTests, merged.numFailedTests, merged.numPendingTests]).toEqual([4, 1, 1]);
    expect(merged.success).toBe(false);
    expect(summary([merged], ["e2e"], "/repo", flaky)).toBe([
      "", "failed tests:",
      "  test/e2e/c.test.ts > c two: Error: c two broke",
      "", "", "flaky tests (failed, then passed when their file ran again alone; counted as passed):",
      "  test/e2e/a.test.ts > a two",
      "  test/e2e/c.test.ts > c one",
      "", "failed steps: e2e", "", "4 passed, 1 failed, 1 skipped",
    ].join("\n"));
  });

  it("all passing the second time: the report succeeds, each flaky test still named; with no retries nothing changes", () => {
    const retries = [
      report(file("a.test.ts", test("passed", "a one"), test("passed", "a two"))),
      report(file("c.test.ts", test("passed", "c one"), test("passed", "c two"))),
    ];
    const { report: merged, flaky } = mergeRetries(first, retries, "/repo");
    expect(merged.success).toBe(true);
    expect(flaky).toHaveLength(3);
    expect(summary([merged], [], "/repo", flaky).endsWith("  test/e2e/c.test.ts > c two\n\n5 passed, 0 failed, 1 skipped")).toBe(true);
    const same = mergeRetries(first, [], "/repo");
    expect(same.flaky).toEqual([]);
    expect([same.report.numPassedTests, same.report.numFailedTests, same.report.success]).toEqual([2, 3, false]);
  });
});
