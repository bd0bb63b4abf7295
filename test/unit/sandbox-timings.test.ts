import { describe, expect, it } from "vitest";
import { elapsedOf, timingRows, timingTable } from "../../scripts/sandbox/timings";

const report = {
  testResults: [
    // The report's times leave out the hooks: the marks' are the file's.
    { name: "/repo/test/e2e/compat.test.ts", startTime: 7_000, endTime: 50_000, assertionResults: [{}, {}] },
    { name: "/repo/test/e2e/duel.test.ts", startTime: 30_000, endTime: 290_000, assertionResults: [{}, {}, {}] },
    { name: "/repo/test/e2e/doctor.test.ts", startTime: 3_000, endTime: 13_400, assertionResults: [{}] },
  ],
};
const marks = [
  { file: "/repo/test/e2e/duel.test.ts", started: 2_000, ended: 302_000, hostStart: 20_000, firstConverge: 180_000, converge: 240_000 },
  { file: "/repo/test/e2e/compat.test.ts", started: 1_000, ended: 61_000, hostStart: 5_400, firstConverge: 30_000, converge: 30_000 },
];

describe("e2e timing table", () => {
  it("gives each file its wall time, host start, first converge and the rest, slowest first", () => {
    expect(timingRows(report, marks)).toEqual([
      { file: "duel.test.ts", tests: 3, wall: 300_000, hostStart: 20_000, firstConverge: 180_000, own: 100_000 },
      { file: "compat.test.ts", tests: 2, wall: 60_000, hostStart: 5_400, firstConverge: 30_000, own: 24_600 },
      // No marks (the file failed before its afterAll, or never started a host): all its time is its own.
      { file: "doctor.test.ts", tests: 1, wall: 10_400, hostStart: 0, firstConverge: 0, own: 10_400 },
    ]);
  });

  it("measures the run from the first start to the last end", () => {
    expect(elapsedOf(report, marks)).toBe(301_000);
    expect(elapsedOf({ testResults: [] }, [])).toBe(0);
  });

  it("prints aligned columns in seconds with a total line", () => {
    expect(timingTable(timingRows(report, marks), 301_000)).toBe([
      "file                            tests  wall s  host start s  first converge s  own steps s",
      "duel.test.ts                        3     300            20               180          100",
      "compat.test.ts                      2      60             5                30           25",
      "doctor.test.ts                      1      10             0                 0           10",
      "total (3 files, 301 s elapsed)      6     370            25               210          135",
    ].join("\n"));
  });
});
