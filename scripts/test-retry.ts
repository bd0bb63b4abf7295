// `tsx scripts/test-retry.ts <e2e.json>`: the e2e files to run again, one per line (none when more
// than MAX_RETRIED_FILES failed). scripts/test.sh runs each alone (scripts/test/retry.ts says why).
import fs from "node:fs";
import { filesToRetry } from "./test/retry.js";
import type { Report } from "./test/summary.js";

const [file] = process.argv.slice(2);
if (!file) throw new Error("usage: test-retry.ts <e2e.json>");
for (const f of filesToRetry(JSON.parse(fs.readFileSync(file, "utf8")) as Report, process.cwd())) console.log(f);
