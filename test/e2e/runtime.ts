/**
 * Helpers of the issue 9 end-to-end tests: what a running process really has, and an `up` that
 * can be interrupted the way an operator's Ctrl-C (then kill -9) interrupts it.
 */
import { spawn } from "node:child_process";
import * as path from "node:path";
import { hostExec, ROOT, type Run, type TestStack } from "./harness";

const NODE = "/opt/hostform/node/bin/node";

/** The value of `key` in the live environment of `app`'s first PM2 process (/proc/<pid>/environ), or null. */
export async function liveEnv(host: string, user: string, app: string, key: string): Promise<string | null> {
  const home = user === "root" ? "/root" : `/home/${user}`;
  const out = await hostExec(host, `pid=$(runuser -u ${user} -- env PM2_HOME=${home}/.pm2 PATH=/opt/hostform/node/bin:/usr/bin:/bin /usr/local/bin/pm2 pid ${app} | head -n 1)
${NODE} -e 'const [pid, key] = process.argv.slice(1); const e = require("fs").readFileSync("/proc/" + pid + "/environ", "utf8").split("\\0").find((l) => l.startsWith(key + "=")); console.log(JSON.stringify(e === undefined ? null : e.slice(key.length + 1)))' "$pid" ${key}`);
  return JSON.parse(out) as string | null;
}

/** The PM2 pid of `app` (changes when it restarts). */
export async function pm2Pid(host: string, user: string, app: string): Promise<string> {
  const home = user === "root" ? "/root" : `/home/${user}`;
  return (await hostExec(host, `runuser -u ${user} -- env PM2_HOME=${home}/.pm2 PATH=/opt/hostform/node/bin:/usr/bin:/bin /usr/local/bin/pm2 pid ${app} | head -n 1`)).trim();
}

/**
 * Waits until `command` on the host exits 0 (polling each second), or fails after `seconds`; the
 * failure carries what `diagnose` (a command on the host) prints then, to say why.
 */
export async function waitOnHost(host: string, command: string, seconds = 120, diagnose?: string): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    if (await hostExec(host, `if ${command}; then echo yes; else echo no; fi`).then((o) => o.trim() === "yes", () => false)) return;
    if (Date.now() > deadline) {
      const why = diagnose === undefined ? "" : await hostExec(host, `{ ${diagnose}; } 2>&1 || :`).then((o) => `\n${o}`, (e: Error) => `\n(diagnosis failed: ${e.message})`);
      throw new Error(`on ${host}: \`${command}\` did not hold within ${seconds} s${why}`);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/**
 * `pulumi up` in its own process group, as a terminal runs it: `interrupt()` sends SIGINT to the
 * whole group (the CLI, its language host and providers), then SIGKILL after `graceMs`.
 */
export function interruptibleUp(stack: TestStack) {
  const child = spawn("bash", [path.join(ROOT, "scripts/pulumi.sh"), "up", "--yes", "--skip-preview", "--stack", stack.name, "--config-file", stack.configFile, "--non-interactive"], {
    cwd: stack.program, detached: true, stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, PULUMI_BACKEND_URL: `file://${stack.backend}`, PULUMI_CONFIG_PASSPHRASE: stack.passphrase },
  });
  let all = "";
  child.stdout.on("data", (d) => { all += d; });
  child.stderr.on("data", (d) => { all += d; });
  const done = new Promise<Run>((resolve) => child.on("close", (code) => {
    stack.output += all;
    resolve({ code: code ?? -1, stdout: all, stderr: "", all });
  }));
  const signal = (sig: NodeJS.Signals) => { try { process.kill(-child.pid!, sig); } catch { /* already gone */ } };
  return {
    done,
    async interrupt(graceMs = 2000): Promise<Run> {
      signal("SIGINT");
      await new Promise((r) => setTimeout(r, graceMs));
      signal("SIGKILL");
      return done;
    },
  };
}
