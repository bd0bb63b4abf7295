/**
 * Runs the two previews a Report is built from, with the project's CLI (scripts/pulumi.sh), and
 * what the preview and drift commands show while they run.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { readUnreachable, REPORT_ENV } from "../components/host/reach";
import { buildReport, parseDigest, type PreviewDigest, type Report } from "./preview-model";
import { hostsDone, hostsOf, onceAcross } from "./preview-progress";

/**
 * Without refresh: the last deployment vs the code; with it: the hosts vs the code. --run-program
 * refreshes each resource as the program registers it, in the provider that serves the plan: without
 * it the engine starts a second provider process only for the default provider's config (bench/README.md).
 */
export function previewArgs(refresh: boolean): string[] {
  return ["preview", `--refresh=${refresh}`, ...(refresh ? ["--run-program"] : []), "--json", "--show-sames", "--non-interactive"];
}

/** A preview that printed no JSON; `detail` is the end of what the CLI printed, shown already on stderr. */
export class PreviewFailed extends Error {
  constructor(message: string, readonly detail: string) {
    super(message);
  }
}

/** Where the CLI's messages go: each line once across both previews (see onceAcross). */
export type Stderr = ReturnType<ReturnType<typeof onceAcross>>;

export function previewJson(refresh: boolean, pulumiArgs: string[], env: NodeJS.ProcessEnv = {}, stderrTo?: Stderr, extra: string[] = []): Promise<PreviewDigest> {
  const args = [...previewArgs(refresh), ...extra, ...pulumiArgs];
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [path.join(__dirname, "pulumi.sh"), ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => { stdout += d; });
    // The CLI's own messages stay visible (a CI log), the JSON is ours.
    child.stderr.on("data", (d: Buffer) => {
      stderr += d;
      if (stderrTo) stderrTo.data(d.toString());
      else process.stderr.write(d);
    });
    child.on("error", reject);
    child.on("close", (code) => {
      stderrTo?.end();
      // A failed preview still prints its digest, with the errors as diagnostics.
      try {
        resolve(parseDigest(stdout));
      } catch {
        reject(new PreviewFailed(`pulumi ${args.join(" ")} exited ${code} without a JSON preview`, stderr.trim().split("\n").slice(-5).join("\n")));
      }
    });
  });
}

/** What the commands show while the previews run: a line per host starting and done (preview-progress.ts). */
export type Progress = (line: string) => void;

export async function report(stack: string, pulumiArgs: string[], progress?: Progress): Promise<Report> {
  // Side by side: neither preview writes state, and each is mostly one process waiting on the other
  // (program, engine, provider, hosts), so two cores run both in little more than one's time.
  // Only the refreshing preview reads hosts; one it cannot reach is listed (reach.ts), the others are read.
  const dir = mkdtempSync(path.join(tmpdir(), "hostform-reach-"));
  const file = path.join(dir, "unreachable.jsonl");
  const stderr = onceAcross((text) => process.stderr.write(text));
  progress?.(`reading the hosts of stack ${stack}`);
  try {
    const [intentional, total] = await Promise.all([
      previewJson(false, pulumiArgs, {}, stderr(0)),
      previewJson(true, pulumiArgs, { [REPORT_ENV]: file }, stderr(1)),
    ]);
    const unreachable = readUnreachable(file);
    const r = { ...buildReport(stack, intentional, total), ...(unreachable.length ? { unreachable } : {}) };
    if (progress) hostsDone(r, hostsOf(total)).forEach(progress);
    return r;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The report of a run that produced none: its error, and the end of what the CLI printed. */
export function failedReport(stack: string, e: unknown): Report {
  const message = e instanceof PreviewFailed ? `${e.message}: ${e.detail}` : e instanceof Error ? e.message : String(e);
  return { stack, changes: [], health: {}, errors: [message] };
}

/** Progress lines on stderr, `<command>: <line>`, when stderr is a terminal; none in a log. */
export function progressOnTerminal(command: string): Progress | undefined {
  return process.stderr.isTTY ? (line) => process.stderr.write(`${command}: ${line}\n`) : undefined;
}
