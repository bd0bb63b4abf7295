import { describe, expect, it } from "vitest";
import { type Report, summary } from "../../scripts/test/summary.js";

const report = (over: Partial<Report>): Report => ({ numPassedTests: 0, numFailedTests: 0, numPendingTests: 0, ...over });

describe("the test command's summary", () => {
  it("names each failing test with the first line of its message, before the count line", () => {
    const e2e = report({
      success: false, numPassedTests: 3, numFailedTests: 1,
      testResults: [{
        name: "/repo/test/e2e/duel.test.ts", status: "failed",
        assertionResults: [
          { status: "passed", fullName: "duel converges" },
          { status: "failed", fullName: "duel > drift is seen", failureMessages: ["AssertionError: expected 0 to be 3\n    at x.ts:1"] },
        ],
      }],
    });
    expect(summary([report({ numPassedTests: 5, numPendingTests: 1 }), e2e], ["e2e"], "/repo")).toBe([
      "", "failed tests:",
      "  test/e2e/duel.test.ts > duel > drift is seen: AssertionError: expected 0 to be 3",
      "", "", "failed steps: e2e", "", "8 passed, 1 failed, 1 skipped",
    ].join("\n"));
  });

  it("names a file that failed outside its tests, and an error outside any file", () => {
    const hook = report({ success: false, testResults: [{ name: "/repo/test/e2e/a.test.ts", status: "failed", message: "Hook timed out in 10000ms", assertionResults: [] }] });
    const uncaught = report({ success: false, numPassedTests: 2, testResults: [{ name: "/repo/test/unit/b.test.ts", status: "passed", assertionResults: [] }] });
    const text = summary([hook, uncaught], [], "/repo");
    expect(text).toContain("  test/e2e/a.test.ts: Hook timed out in 10000ms\n");
    expect(text).toContain("  an error outside any test: see vitest's \"Unhandled Errors\" above\n");
    expect(text.endsWith("\n2 passed, 0 failed, 0 skipped")).toBe(true);
  });

  it("is the count line alone when all passed, and counts a failed lint as a failure", () => {
    expect(summary([report({ success: true, numPassedTests: 4 })], [], "/repo")).toBe("\n4 passed, 0 failed, 0 skipped");
    expect(summary([report({ success: true, numPassedTests: 4 })], ["lint"], "/repo")).toBe("\nfailed steps: lint\n\n4 passed, 1 failed, 0 skipped");
  });
});
