// Prints the e2e timing table: `tsx scripts/e2e-timings.ts <vitest JSON report> <marks folder>`
// (scripts/test.sh runs it after the e2e tests; the harness writes the marks when
// HOSTFORM_E2E_TIMINGS names a folder).
import fs from "node:fs";
import path from "node:path";
import { elapsedOf, type FileMarks, type JsonReport, timingRows, timingTable } from "./sandbox/timings.js";

const [reportFile, marksDir] = process.argv.slice(2);
if (!reportFile || !marksDir) throw new Error("usage: e2e-timings.ts <vitest JSON report> <marks folder>");
const report = JSON.parse(fs.readFileSync(reportFile, "utf8")) as JsonReport;
const marks: FileMarks[] = fs.existsSync(marksDir)
  ? fs.readdirSync(marksDir).filter((f) => f.endsWith(".json")).map((f) => JSON.parse(fs.readFileSync(path.join(marksDir, f), "utf8")) as FileMarks)
  : [];
console.log(timingTable(timingRows(report, marks), elapsedOf(report, marks)));
