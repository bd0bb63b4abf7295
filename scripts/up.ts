// hostform up --stack <name> [--yes] [pulumi options]: `pulumi up --yes --skip-preview --refresh
// --run-program --continue-on-error`. On a terminal, without --yes and outside CI, Pulumi's preview
// (`pulumi preview --refresh --run-program`, same options) is shown first and nothing changes unless
// the answer is yes. --skip-preview: the only preview is the one an operator reads; without the flag
// the CLI runs the whole program and refresh twice, once to preview and once to update.
// --run-program: each resource is refreshed as the program registers it, in the provider process that
// then plans and updates it; without it a second one starts for the provider's config (bench/README.md).
// A host that cannot be reached does not stop the others: its resources keep their last known state
// (components/host/reach.ts), the reachable hosts are converged, and the run ends naming the
// unreachable hosts with exit 3. Otherwise the exit code is Pulumi's.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { constants, tmpdir } from "node:os";
import * as path from "node:path";
import { readUnreachable, REPORT_ENV } from "../components/host/reach";
import { ask, canAsk, isYes } from "./cli/ask";
import { main } from "./cli/main";
import { type Parsed, pulumiArgs } from "./cli/options";
import { UNREACHABLE_EXIT, upUnreachable } from "./up-report";

/** Runs scripts/pulumi.sh with the terminal; its exit code (128 + n for a signal). */
function pulumi(args: string[], reportFile: string): Promise<number> {
  const child = spawn("bash", [path.join(__dirname, "pulumi.sh"), ...args], { stdio: "inherit", env: { ...process.env, [REPORT_ENV]: reportFile } });
  // Ctrl-C reaches the CLI through the terminal's process group: passing it on as well would be a
  // second Ctrl-C, which Pulumi takes as "stop now". Wait for the CLI to end. A SIGTERM is passed on.
  const onInt = () => undefined;
  const onTerm = () => child.kill("SIGTERM");
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
      resolve(code ?? 128 + (signal ? constants.signals[signal] : 0));
    });
  });
}

export async function run(p: Parsed): Promise<number> {
  const args = pulumiArgs(p);
  const dir = mkdtempSync(path.join(tmpdir(), "hostform-reach-"));
  const file = path.join(dir, "unreachable.jsonl");
  const unreachable = () => {
    const list = readUnreachable(file);
    if (list.length) console.error(upUnreachable(list, p.stack));
    return list.length > 0;
  };
  const up = ["up", "--yes", "--skip-preview", "--refresh", "--run-program", "--continue-on-error"];
  try {
    if (p.values.yes !== true && canAsk()) {
      const previewed = await pulumi(["preview", "--refresh", "--run-program", ...args], file);
      if (previewed !== 0) return unreachable() ? UNREACHABLE_EXIT : previewed;
      if (!isYes(await ask("Apply these changes? [y/N] "))) {
        console.error("hostform: nothing was changed.");
        return 0;
      }
      rmSync(file, { force: true });
    }
    const code = await pulumi([...up, ...args], file);
    return unreachable() ? UNREACHABLE_EXIT : code;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) main(["up", ...process.argv.slice(2)]);
