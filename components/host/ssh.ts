import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { NodeSSH } from "node-ssh";
import { fingerprint, fingerprintOf, parseHostKey } from "./hostkey";
import { sh } from "./quote";

/** How to reach one host. The host key is always pinned; there is no trust on first use. */
export interface Connection {
  readonly host: string;
  readonly port?: number;
  readonly user?: string;
  /** The host's public key, "ssh-ed25519 AAAA…". A host presenting another key is refused. */
  readonly hostKey: string;
  /** Private key text (a secret), or a path to it; the path keeps the key out of state. */
  readonly privateKey?: string;
  readonly privateKeyPath?: string;
}

export interface ExecResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Remote scripts run under bash; the script is an argument, data (secrets included) goes on stdin. */
export interface Session {
  exec(script: string, stdin?: string): Promise<ExecResult>;
  /** Like exec, but a non-zero exit is an error that names the step. */
  run(step: string, script: string, stdin?: string): Promise<string>;
}

const MAX_CHANNELS = 8; // below sshd's MaxSessions default of 10
const RETRIES = [500, 1000, 2000, 4000];

/** Pool shared by every dynamic provider deserialized in this process (they are separate closures). */
interface Pool { sessions: Map<string, Promise<Session>>; opened: number }
function pool(): Pool {
  const g = globalThis as { __hostformPool?: Pool };
  return (g.__hostformPool ??= { sessions: new Map(), opened: 0 });
}

/** Pool key: the same host reached with another key or user is another connection. */
export function connectionKey(c: Connection): string {
  const credential = c.privateKey !== undefined ? createHash("sha256").update(c.privateKey).digest("hex") : `path:${c.privateKeyPath}`;
  return `${c.user ?? "root"}@${c.host}:${c.port ?? 22}#${c.hostKey.trim().split(/\s+/)[1] ?? ""}#${credential}`;
}

/** How many SSH connections this process has opened (the tests count them). */
export function openedConnections(): number {
  return pool().opened;
}

export async function closeAll(): Promise<void> {
  const p = pool();
  const all = [...p.sessions.values()];
  p.sessions.clear();
  await Promise.all(all.map(async (s) => ((await s.catch(() => undefined)) as { dispose?: () => void } | undefined)?.dispose?.()));
}

/** One connection per host per process, opened on first use and reused by every resource of the host. */
export function session(c: Connection): Promise<Session> {
  const p = pool();
  const key = connectionKey(c);
  let s = p.sessions.get(key);
  if (!s) {
    s = open(c);
    p.sessions.set(key, s);
    s.catch(() => p.sessions.delete(key));
  }
  return s;
}

async function open(c: Connection): Promise<Session> {
  const pinned = parseHostKey(c.hostKey);
  const where = `${c.user ?? "root"}@${c.host}:${c.port ?? 22}`;
  let lastError: Error | undefined;
  for (let attempt = 0; attempt <= RETRIES.length; attempt++) {
    let presented: string | undefined;
    const ssh = new NodeSSH();
    try {
      await ssh.connect({
        host: c.host,
        port: c.port ?? 22,
        username: c.user ?? "root",
        privateKey: c.privateKey ?? readFileSync(expandHome(requirePath(c)), "utf8"),
        readyTimeout: 15_000,
        keepaliveInterval: 10_000,
        algorithms: { serverHostKey: [pinned.type] as never },
        hostVerifier: (key: Buffer) => {
          presented = fingerprint(key);
          return key.toString("base64") === pinned.base64;
        },
      });
      pool().opened++;
      return wrap(ssh, where, (c.user ?? "root") !== "root");
    } catch (e) {
      ssh.dispose();
      if (presented && presented !== fingerprintOf(pinned)) {
        throw new Error(
          `host key mismatch for ${where}: the host presented ${presented} but the stack pins ${fingerprintOf(pinned)}. ` +
            `Nothing was changed on the host. If the host was rebuilt, verify the new key out of band and update the pinned hostKey.`,
        );
      }
      lastError = classify(e as Error, where);
      if (/auth refused/.test(lastError.message)) throw lastError;
      if (attempt < RETRIES.length) await sleep(RETRIES[attempt]);
    }
  }
  throw lastError!;
}

function wrap(ssh: NodeSSH, where: string, sudo: boolean): Session & { dispose(): void } {
  let active = 0;
  const waiting: (() => void)[] = [];
  const acquire = async () => {
    while (active >= MAX_CHANNELS) await new Promise<void>((r) => waiting.push(r));
    active++;
  };
  const release = () => {
    active--;
    waiting.shift()?.();
  };
  const exec = async (text: string, stdin?: string): Promise<ExecResult> => {
    await acquire();
    try {
      // Never node-ssh's `cwd` (it runs the command even when cd fails): scripts cd themselves under set -e.
      const command = `${sudo ? "sudo -n " : ""}bash -c ${sh(text, true)}`;
      // noTrim: node-ssh trims output by default, which would eat a file's trailing newline.
      const r = await ssh.execCommand(command, { stdin: stdin ?? "", noTrim: true });
      return { code: r.code ?? -1, stdout: r.stdout, stderr: r.stderr };
    } finally {
      release();
    }
  };
  return {
    exec,
    async run(step, text, stdin) {
      const r = await exec(text, stdin);
      if (r.code !== 0) {
        throw new Error(`${step} failed on ${where} (exit ${r.code}): ${lastLines(r.stderr || r.stdout)}`);
      }
      return r.stdout;
    },
    dispose: () => ssh.dispose(),
  };
}

function lastLines(text: string, n = 8): string {
  return text.trim().split("\n").slice(-n).join("\n");
}

function classify(e: Error, where: string): Error {
  const m = e.message;
  if (/authentication methods failed/i.test(m)) return new Error(`SSH auth refused by ${where}: the key was not accepted. Check the user and the private key configured for this host.`);
  if (/ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|ENOTFOUND/.test(m)) return new Error(`SSH host unreachable: ${where} (${m}). Check the address, port and that sshd runs.`);
  if (/timed out|ETIMEDOUT/i.test(m)) return new Error(`SSH connection to ${where} timed out (${m}).`);
  return new Error(`SSH connection to ${where} failed: ${m}`);
}

function requirePath(c: Connection): string {
  if (!c.privateKeyPath) throw new Error(`no SSH private key for ${c.host}: set privateKey (secret) or privateKeyPath`);
  return c.privateKeyPath;
}

function expandHome(p: string): string {
  return p.startsWith("~/") ? `${process.env.HOME}/${p.slice(2)}` : p;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
