// `tsx scripts/test-summary.ts <folder of vitest JSON reports> [failed step ...]`: prints the
// summary scripts/test.sh ends with (scripts/test/summary.ts). The e2e report (e2e.json) is
// merged with the second runs of its failed files (retry/*.json, scripts/test/retry.ts).
import fs from "node:fs";
import path from "node:path";
import { mergeRetries } from "./test/retry.js";
import { type Report, summary } from "./test/summary.js";

const [dir, ...steps] = process.argv.slice(2);
if (!dir) throw new Error("usage: test-summary.ts <folder of vitest JSON reports> [failed step ...]");
const read = (file: string) => JSON.parse(fs.readFileSync(file, "utf8")) as Report;
const jsonIn = (folder: string) => (fs.existsSync(folder) ? fs.readdirSync(folder).filter((f) => f.endsWith(".json")).sort() : []);
let flaky: string[] = [];
const reports = jsonIn(dir).map((f) => {
  const report = read(path.join(dir, f));
  if (f !== "e2e.json") return report;
  const retries = jsonIn(path.join(dir, "retry")).map((r) => read(path.join(dir, "retry", r)));
  const merged = mergeRetries(report, retries, process.cwd());
  flaky = merged.flaky;
  return merged.report;
});
console.log(summary(reports, steps.filter(Boolean), process.cwd(), flaky));
