/**
 * The e2e harness's process helpers without vitest, so the bench (bench/, run by tsx outside vitest)
 * can use them: vitest refuses to be loaded by a plain `require`.
 */
import { spawn } from "node:child_process";
import * as path from "node:path";
import * as sandbox from "../../scripts/sandbox/index.js";

export const ROOT = path.resolve(__dirname, "../..");

export { sandbox };

export interface Run { code: number; stdout: string; stderr: string; all: string }

export function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd ?? ROOT, env: { ...process.env, ...opts.env }, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let all = "";
    child.stdout.on("data", (d) => { stdout += d; all += d; });
    child.stderr.on("data", (d) => { stderr += d; all += d; });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr, all }));
    child.stdin.end(opts.input ?? "");
  });
}

/** Connection config for a sandbox host as a stack would pin it. */
export function connectionOf(h: sandbox.SandboxHost) {
  return { host: h.address, port: h.port, user: h.user, hostKey: h.hostPublicKey, privateKeyPath: h.privateKeyPath };
}
