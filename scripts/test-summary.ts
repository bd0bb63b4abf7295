// `tsx scripts/test-summary.ts <folder of vitest JSON reports> [failed step ...]`: prints the
// summary scripts/test.sh ends with (scripts/test/summary.ts).
import fs from "node:fs";
import path from "node:path";
import { type Report, summary } from "./test/summary.js";

const [dir, ...steps] = process.argv.slice(2);
if (!dir) throw new Error("usage: test-summary.ts <folder of vitest JSON reports> [failed step ...]");
const reports = fs.readdirSync(dir).filter((f) => f.endsWith(".json"))
  .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as Report);
console.log(summary(reports, steps.filter(Boolean), process.cwd()));
