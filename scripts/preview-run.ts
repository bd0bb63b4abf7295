/**
 * Runs the two previews a Report is built from, with the project's CLI (scripts/pulumi.sh), and
 * the small argument handling the preview and drift commands share.
 */
import { spawn } from "node:child_process";
import * as path from "node:path";
import { buildReport, parseDigest, type PreviewDigest, type Report } from "./preview-model";

/** Without refresh: the last deployment vs the code; with it: the hosts vs the code. */
export function previewArgs(refresh: boolean): string[] {
  return ["preview", `--refresh=${refresh}`, "--json", "--show-sames", "--non-interactive"];
}

export function previewJson(refresh: boolean, pulumiArgs: string[]): Promise<PreviewDigest> {
  const args = [...previewArgs(refresh), ...pulumiArgs];
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [path.join(__dirname, "pulumi.sh"), ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => { stdout += d; });
    // The CLI's own messages stay visible (a CI log), the JSON is ours.
    child.stderr.on("data", (d: Buffer) => { stderr += d; process.stderr.write(d); });
    child.on("error", reject);
    child.on("close", (code) => {
      // A failed preview still prints its digest, with the errors as diagnostics.
      try {
        resolve(parseDigest(stdout));
      } catch {
        reject(new Error(`pulumi ${args.join(" ")} exited ${code} without a JSON preview: ${stderr.trim().split("\n").slice(-5).join("\n")}`));
      }
    });
  });
}

export async function report(stack: string, pulumiArgs: string[]): Promise<Report> {
  // Side by side: neither preview writes state, and each is mostly one process waiting on the other
  // (program, engine, provider, hosts), so two cores run both in little more than one's time.
  const [intentional, total] = await Promise.all([previewJson(false, pulumiArgs), previewJson(true, pulumiArgs)]);
  return buildReport(stack, intentional, total);
}

/** Takes `--name value` or `--name=value` out of `args`; undefined when absent. */
export function takeOption(args: string[], ...names: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    for (const n of names) {
      if (args[i] === n && i + 1 < args.length) return args.splice(i, 2)[1];
      if (args[i].startsWith(`${n}=`)) return args.splice(i, 1)[0].slice(n.length + 1);
    }
  }
  return undefined;
}

/** The stack named by --stack/-s, left in `args` for the CLI. */
export function stackOf(args: string[]): string | undefined {
  const copy = [...args];
  return takeOption(copy, "--stack", "-s");
}
