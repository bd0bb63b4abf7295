// The e2e timing table `npm test` prints: per test file, its wall time and where it went. The
// harness (test/e2e/harness.ts) records each file's marks; vitest's JSON report gives the rest.

/** What the harness records for one test file, in milliseconds. */
export interface FileMarks {
  readonly file: string;
  /** Epoch ms when the harness was loaded (the file's collection) and when its last afterAll ran. */
  readonly started: number;
  readonly ended: number;
  /** Time in sandbox.up (starting the file's hosts, building the base image if missing). */
  readonly hostStart: number;
  /** The file's first `pulumi up` (the converge from a bare image). */
  readonly firstConverge: number;
  /** Every `pulumi up` of the file, the first included. */
  readonly converge: number;
}

/** The part of vitest's JSON report the table reads. */
export interface JsonReport {
  readonly testResults: readonly {
    readonly name: string;
    readonly startTime: number;
    readonly endTime: number;
    readonly assertionResults: readonly unknown[];
  }[];
}

export interface TimingRow {
  readonly file: string;
  readonly tests: number;
  readonly wall: number;
  readonly hostStart: number;
  readonly firstConverge: number;
  /** Wall time minus host start and first converge: the test's own steps (later ups included). */
  readonly own: number;
}

const base = (file: string) => file.slice(file.lastIndexOf("/") + 1);

/**
 * One row per file of the report, slowest first. The wall time is the harness's (the report's
 * own times leave out beforeAll and afterAll, where hosts start and stop); a file without marks
 * shows the report's and 0 for the rest.
 */
export function timingRows(report: JsonReport, marks: readonly FileMarks[]): TimingRow[] {
  const byFile = new Map(marks.map((m) => [base(m.file), m]));
  return report.testResults
    .map((r) => {
      const m = byFile.get(base(r.name));
      const wall = Math.max(0, m ? m.ended - m.started : r.endTime - r.startTime);
      const hostStart = m?.hostStart ?? 0;
      const firstConverge = m?.firstConverge ?? 0;
      return { file: base(r.name), tests: r.assertionResults.length, wall, hostStart, firstConverge, own: Math.max(0, wall - hostStart - firstConverge) };
    })
    .sort((a, b) => b.wall - a.wall || a.file.localeCompare(b.file));
}

const s = (ms: number) => (ms / 1000).toFixed(0);

/** The run's wall time: from the first file's start to the last one's end. */
export function elapsedOf(report: JsonReport, marks: readonly FileMarks[]): number {
  const starts = [...report.testResults.map((r) => r.startTime), ...marks.map((m) => m.started)];
  const ends = [...report.testResults.map((r) => r.endTime), ...marks.map((m) => m.ended)];
  return starts.length ? Math.max(...ends) - Math.min(...starts) : 0;
}

/**
 * The table as printed, seconds rounded, with a total line. `elapsed` is the run's own wall time:
 * with files in parallel it is less than the sum of the files' wall times.
 */
export function timingTable(rows: readonly TimingRow[], elapsed: number): string {
  const header = ["file", "tests", "wall s", "host start s", "first converge s", "own steps s"];
  const sum = (f: (r: TimingRow) => number) => rows.reduce((n, r) => n + f(r), 0);
  const body = rows.map((r) => [r.file, String(r.tests), s(r.wall), s(r.hostStart), s(r.firstConverge), s(r.own)]);
  const total = [`total (${rows.length} files, ${s(elapsed)} s elapsed)`, String(sum((r) => r.tests)), s(sum((r) => r.wall)),
    s(sum((r) => r.hostStart)), s(sum((r) => r.firstConverge)), s(sum((r) => r.own))];
  const table = [header, ...body, total];
  const widths = header.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  const line = (row: string[]) => row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ").trimEnd();
  return [line(header), ...body.map(line), line(total)].join("\n");
}
