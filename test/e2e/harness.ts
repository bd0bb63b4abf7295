/**
 * End-to-end harness: the real Pulumi CLI (scripts/pulumi.sh) against real sandbox hosts, each
 * test stack with its own file backend and config file in a temporary folder.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, expect } from "vitest";
import { parse, stringify } from "yaml";
import type { FileMarks } from "../../scripts/sandbox/timings.js";
import { connectionOf, ROOT, run, type Run, sandbox } from "./commands";

export { connectionOf, ROOT, run, type Run, sandbox };

// Where this test file's time goes (each file runs in its own worker, so module state is per file):
// `pulumi up` durations here, sandbox.up's in the sandbox module. With HOSTFORM_E2E_TIMINGS=<dir>
// they are written to <dir>/<file>.json for the timing table scripts/test.sh prints.
const ups: number[] = [];
const started = Date.now();
// Registered before the test file's own hooks, so it runs after them (afterAll hooks run last first).
afterAll(() => {
  const dir = process.env.HOSTFORM_E2E_TIMINGS;
  const file = expect.getState().testPath;
  if (!dir || !file) return;
  const marks: FileMarks = { file, started, ended: Date.now(), hostStart: sandbox.upTime(), firstConverge: ups[0] ?? 0, converge: ups.reduce((a, b) => a + b, 0) };
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `${path.basename(file)}.json`), JSON.stringify(marks));
});

/** A stack of `program` (a folder with Pulumi.yaml) with its own state and config, cleaned up by `remove`. */
export class TestStack {
  readonly dir = mkdtempSync(path.join(tmpdir(), "hostform-e2e-"));
  readonly backend = path.join(this.dir, "state");
  readonly configFile = path.join(this.dir, "Pulumi.test.yaml");
  readonly passphrase = `e2e-${Math.random().toString(36).slice(2)}`;
  /** Everything the CLI printed, for leak checks. */
  output = "";
  private salt?: string;

  constructor(readonly program: string, readonly name = `e2e-${Math.random().toString(36).slice(2, 8)}`) {
    mkdirSync(this.backend);
  }

  /** Replaces the stack's config (the encryption salt from init is kept). */
  setConfig(config: Record<string, unknown>): void {
    writeFileSync(this.configFile, stringify({ ...(this.salt ? { encryptionsalt: this.salt } : {}), config }));
  }

  pulumi(...args: string[]): Promise<Run> {
    return this.pulumiWithInput("", ...args);
  }

  /** With `input` on the CLI's stdin (`config set` reads a value there, where a value starting with - would be a flag). */
  async pulumiWithInput(input: string, ...args: string[]): Promise<Run> {
    // `stack …` subcommands take no --config-file.
    const config = args[0] === "stack" ? [] : ["--config-file", this.configFile];
    const r = await run("bash", [path.join(ROOT, "scripts/pulumi.sh"), ...args, "--stack", this.name, ...config, "--non-interactive"], {
      cwd: this.program,
      env: { PULUMI_BACKEND_URL: `file://${this.backend}`, PULUMI_CONFIG_PASSPHRASE: this.passphrase },
      input,
    });
    this.output += r.all;
    return r;
  }

  async init(): Promise<void> {
    // `stack init` has no --config-file: it writes Pulumi.<stack>.yaml beside the program; keep its
    // salt in our own config file and leave the program folder clean.
    const r = await run("bash", [path.join(ROOT, "scripts/pulumi.sh"), "stack", "init", this.name, "--non-interactive"], {
      cwd: this.program,
      env: { PULUMI_BACKEND_URL: `file://${this.backend}`, PULUMI_CONFIG_PASSPHRASE: this.passphrase },
    });
    if (r.code !== 0) throw new Error(`stack init failed: ${r.all}`);
    const written = path.join(this.program, `Pulumi.${this.name}.yaml`);
    this.salt = parse(readFileSync(written, "utf8"))?.encryptionsalt;
    rmSync(written);
    this.setConfig({});
  }

  async up(...extra: string[]): Promise<Run> {
    const started = Date.now();
    try {
      return await this.pulumi("up", "--yes", "--skip-preview", ...extra);
    } finally {
      ups.push(Date.now() - started);
    }
  }
  preview(...extra: string[]) { return this.pulumi("preview", ...extra); }
  /** What `npm run drift` runs. */
  drift() { return this.pulumi("preview", "--refresh", "--expect-no-changes", "--diff"); }
  refresh() { return this.pulumi("refresh", "--yes", "--skip-preview"); }
  destroy() { return this.pulumi("destroy", "--yes", "--skip-preview"); }

  remove(): void {
    // HOSTFORM_E2E_LOGS=<dir> keeps each stack's CLI output for reading after a run.
    if (process.env.HOSTFORM_E2E_LOGS) writeFileSync(path.join(process.env.HOSTFORM_E2E_LOGS, `${this.name}.log`), this.output);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Counts from Pulumi's "Resources:" summary, e.g. { unchanged: 3, "to update": 1 }. */
export function summary(out: string): Record<string, number> {
  const block = out.slice(out.lastIndexOf("Resources:"));
  const counts: Record<string, number> = {};
  for (const m of block.matchAll(/^\s+[~+\-±]?\s*(\d+) ([a-z ]+?)\s*$/gm)) counts[m[2]] = Number(m[1]);
  return counts;
}

export async function hostExec(name: string, command: string): Promise<string> {
  const r = await sandbox.exec(name, command);
  if (r.code !== 0) throw new Error(`on ${name}: ${command} → exit ${r.code}: ${r.stderr}`);
  return r.stdout;
}


/** A `hostform:hosts` entry for a sandbox host, its key pinned: named and with the flavor it runs as. */
export function hostEntry(h: sandbox.SandboxHost, role: string) {
  const c = connectionOf(h);
  return { name: h.name, flavor: h.flavor, role, address: c.host, port: c.port, user: c.user, hostKey: c.hostKey, privateKeyPath: c.privateKeyPath };
}


/** Polls `fn` each second until `ok` holds or `seconds` pass; the last value either way. */
export async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, seconds = 90): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** What PM2 runs as `user` on a host: each app's pid, status, script and args, and its env. */
export async function pm2Processes(name: string, user = "ubuntu"): Promise<Record<string, { pid: number; status: string; exec: string; args: string[] }>> {
  const jlist = await hostExec(name, `runuser -u ${user} -- env PM2_HOME=/home/${user}/.pm2 PATH=/opt/hostform/node/bin:/usr/bin:/bin /usr/local/bin/pm2 jlist`);
  const apps = JSON.parse(jlist) as { name: string; pid: number; pm2_env: { status: string; pm_exec_path: string; args?: string[] } }[];
  return Object.fromEntries(apps.map((a) => [a.name, { pid: a.pid, status: a.pm2_env.status, exec: a.pm2_env.pm_exec_path, args: a.pm2_env.args ?? [] }]));
}

/** The pids listening on each TCP port (`ss -ltnp`), e.g. { 4317: [812] }. */
export async function listeners(name: string, ports: readonly number[]): Promise<Record<number, number[]>> {
  const out = await hostExec(name, "ss -ltnpH");
  return Object.fromEntries(ports.map((port) => [port, [...new Set(out.split("\n")
    .filter((l) => new RegExp(`:${port}\\s`).test(l))
    .flatMap((l) => [...l.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1]))))]]));
}

/** One variable of a running process's environment (/proc/<pid>/environ), or undefined. */
export async function processEnv(name: string, pid: number, key: string): Promise<string | undefined> {
  const line = (await hostExec(name, `tr '\\0' '\\n' < /proc/${pid}/environ`)).split("\n").find((l) => l.startsWith(`${key}=`));
  return line?.slice(key.length + 1);
}

/**
 * Gives a host the VM image's ~/executor (the executor and its telemetry daemon, runbook: Executor
 * Notes): the stand-in repository's executor/, which has that shape, copied as `user`'s own.
 */
export async function installImageExecutor(name: string, user = "ubuntu"): Promise<void> {
  const dir = path.join(ROOT, "test/fixtures/flatlogic-app/executor");
  const files = ["executor.js", "telemetry.js"].map((f) => `printf %s ${Buffer.from(readFileSync(path.join(dir, f))).toString("base64")} | base64 -d > /home/${user}/executor/${f}`);
  await hostExec(name, [`install -d -m 0755 -o ${user} -g ${user} /home/${user}/executor`, ...files, `chown ${user}:${user} /home/${user}/executor/*.js`].join(" && "));
}
