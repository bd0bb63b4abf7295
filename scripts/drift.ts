// npm run drift -- --stack <name>: does every host still match the code? Exit 0 when it does,
// Pulumi's 7 when something drifted (the full diff, then a per-host summary), other codes on errors.
import { spawn } from "node:child_process";
import * as path from "node:path";
import { formatDrift, parseDrift } from "./drift-report";

const args = process.argv.slice(2);
if (!args.some((a) => a === "--stack" || a === "-s" || a.startsWith("--stack="))) {
  console.error("usage: npm run drift -- --stack <name>");
  process.exit(2);
}
const child = spawn("bash", [path.join(__dirname, "pulumi.sh"), "preview", "--refresh", "--expect-no-changes", "--diff", ...args], { stdio: ["inherit", "pipe", "inherit"] });
let output = "";
child.stdout.on("data", (d: Buffer) => {
  output += d;
  process.stdout.write(d);
});
child.on("close", (code) => {
  if (code === 0 || code === 7) console.log(`\n${formatDrift(code === 0 ? [] : parseDrift(output))}`);
  process.exit(code ?? 1);
});
