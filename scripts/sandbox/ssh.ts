// Talking to a host the way hostform does: ssh as root with the host's
// client key, and the recorded host key pinned (StrictHostKeyChecking=yes
// against a known_hosts file holding only that key).
import { spawn } from "node:child_process";
import { hostPaths } from "./paths.js";
import { type RunResult, tryRun } from "./run.js";
import type { SandboxHost } from "./state.js";

export function sshArgs(host: SandboxHost, connectTimeoutSec = 5): string[] {
  return [
    "-F", "none",
    "-i", host.privateKeyPath,
    "-p", String(host.port),
    "-o", "IdentitiesOnly=yes",
    "-o", "BatchMode=yes",
    "-o", "StrictHostKeyChecking=yes",
    "-o", `UserKnownHostsFile=${hostPaths(host.name).knownHosts}`,
    "-o", "GlobalKnownHostsFile=/dev/null",
    "-o", `ConnectTimeout=${connectTimeoutSec}`,
    "-o", "LogLevel=ERROR",
    `${host.user}@${host.address}`,
  ];
}

/** Run a shell command in the host and capture its output. */
export function sshCapture(host: SandboxHost, command: string, timeoutMs?: number): Promise<RunResult> {
  return tryRun("ssh", [...sshArgs(host), "--", command], { timeoutMs });
}

/** Run a shell command in the host with our terminal's stdio; resolves to its exit code. */
export function sshInteractive(host: SandboxHost, command: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn("ssh", [...sshArgs(host), "--", command], { stdio: "inherit" });
    child.on("error", reject);
    child.on("close", (code) => resolve(code ?? 255));
  });
}
