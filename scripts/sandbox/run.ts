// Small wrappers around child_process. Everything the sandbox does to the
// machine goes through here so failures carry the command and its stderr.
import { spawn } from "node:child_process";
import fs from "node:fs";

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: string;
  /** Kill the command after this many ms (code becomes 124, like timeout(1)). */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** Run a command, capture its output, never throw on a non-zero exit. */
export function tryRun(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    // stdin is /dev/null unless there is input, so a command that exits
    // early can't make our write fail with EPIPE.
    const stdin = opts.input === undefined ? "ignore" : "pipe";
    const child = spawn(cmd, args, { stdio: [stdin, "pipe", "pipe"], env: opts.env ?? process.env });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    const timer = opts.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          child.kill("SIGKILL");
        }, opts.timeoutMs)
      : undefined;
    child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code: timedOut ? 124 : (code ?? (signal ? 128 : 1)), stdout, stderr });
    });
    if (child.stdin) {
      child.stdin.on("error", () => undefined); // EPIPE: the command did not want its input
      child.stdin.end(opts.input);
    }
  });
}

/** Run a command and throw (with its stderr) unless it exits 0. */
export async function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<string> {
  const r = await tryRun(cmd, args, opts);
  if (r.code !== 0) {
    const out = (r.stderr || r.stdout).trim().split("\n").slice(-20).join("\n");
    throw new Error(`${cmd} ${args.join(" ")} exited ${r.code}${out ? `:\n${out}` : ""}`);
  }
  return r.stdout;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** True while a process with this pid exists (signal 0 only checks). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Kernel start time of a process (clock ticks since boot), to tell a pid from a reused one. */
export function processStartTime(pid: number): string | undefined {
  try {
    // Field 22 of /proc/<pid>/stat; split after the ")" closing the command name.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

export function log(msg: string): void {
  process.stderr.write(`[sandbox] ${msg}\n`);
}
