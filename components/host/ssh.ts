import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { NodeSSH } from "node-ssh";
import { watchEngine } from "./engine";
import { fingerprint, fingerprintOf, isPinned, parseHostKey } from "./hostkey";
import { connectTimeoutSeconds, HostUnreachable, knownUnreachable, markUnreachable, reasonOf, RETRY_PAUSE_MS } from "./reach";
import { sh } from "./quote";
import { sudoRefusal } from "./sudo";

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
  /** The host's name in the stack, for messages only: never compared, never part of the pool key. */
  readonly name?: string;
}

export interface ExecResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ExecOptions {
  /** The command is killed on the host after this long (`timeout`), and given up locally soon after. */
  readonly timeoutSeconds?: number;
  /** Run it again on a reopened connection when the connection drops under it (reads only). */
  readonly retryOnDrop?: boolean;
}

/** Remote scripts run under bash; the script is an argument, data (secrets included) goes on stdin. */
export interface Session {
  exec(script: string, stdin?: string, opts?: ExecOptions): Promise<ExecResult>;
  /** Like exec, but a non-zero exit is an error that names the step. */
  run(step: string, script: string, stdin?: string, opts?: ExecOptions): Promise<string>;
}

/** Reads (observations, checks) end within 5 minutes and are retried once on a reopened connection. */
export const READ_TIMEOUT_SECONDS = 300;
/** Changes may wait for a graceful restart (up to 2 h by settings); never retried: they may have run in part. */
export const CHANGE_TIMEOUT_SECONDS = 3 * 3600;

function withDefaults(s: Session, defaults: ExecOptions): Session {
  return {
    exec: (text, stdin, opts) => s.exec(text, stdin, { ...defaults, ...opts }),
    run: (step, text, stdin, opts) => s.run(step, text, stdin, { ...defaults, ...opts }),
  };
}

/** The session as observations use it. */
export const reading = (s: Session): Session => withDefaults(s, { timeoutSeconds: READ_TIMEOUT_SECONDS, retryOnDrop: true });
/** The session as converge and delete use it. */
export const changing = (s: Session): Session => withDefaults(s, { timeoutSeconds: CHANGE_TIMEOUT_SECONDS, retryOnDrop: false });

const MAX_CHANNELS = 8; // below sshd's MaxSessions default of 10

/** Pool shared by every dynamic provider deserialized in this process (they are separate closures). */
interface Pool { sessions: Map<string, Promise<Session>>; opened: number; attempts: number }
function pool(): Pool {
  const g = globalThis as { __hostformPool?: Pool };
  return (g.__hostformPool ??= { sessions: new Map(), opened: 0, attempts: 0 });
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

/** How many times this process has tried to open an SSH connection, failed tries too (the tests count retries). */
export function connectAttempts(): number {
  return pool().attempts;
}

export async function closeAll(): Promise<void> {
  const p = pool();
  const all = [...p.sessions.values()];
  p.sessions.clear();
  await Promise.all(all.map(async (s) => ((await s.catch(() => undefined)) as { dispose?: () => void } | undefined)?.dispose?.()));
}

/** One connection per host per process, opened on first use and reused by every resource of the host. */
export function session(c: Connection): Promise<Session> {
  const down = knownUnreachable(where(c));
  if (down) return Promise.reject(down.again());
  const p = pool();
  const key = connectionKey(c);
  const s = p.sessions.get(key);
  if (s) {
    // Another resource is opening it: an unreachable host is told in full to that one only.
    return s.catch((e: unknown) => {
      throw e instanceof HostUnreachable ? e.again() : e;
    });
  }
  watchEngine(closeAll);
  const opened = connect(c).then((ssh) => {
    // node-ssh stops listening for errors once the connection is up, so a reset socket later (a host
    // rebooted, a cut network) would be an uncaught exception that ends the whole process. The drop
    // is still seen: the connection closes, and wrap() reopens it once for reads or says it dropped.
    ssh.connection?.on("error", () => {});
    return wrap(c, ssh);
  });
  p.sessions.set(key, opened);
  opened.catch(() => p.sessions.delete(key));
  return opened;
}

function where(c: Connection): string {
  return `${c.user ?? "root"}@${c.host}:${c.port ?? 22}`;
}

async function connect(c: Connection): Promise<NodeSSH> {
  const pinned = parseHostKey(c.hostKey);
  const timeout = connectTimeoutSeconds();
  let lastError: Error | undefined;
  // One retry: a host that did not answer twice is unreachable for the rest of the run (reach.ts).
  for (let attempt = 0; attempt < 2; attempt++) {
    let presented: string | undefined;
    const ssh = new NodeSSH();
    pool().attempts++;
    try {
      await ssh.connect({
        host: c.host,
        port: c.port ?? 22,
        username: c.user ?? "root",
        privateKey: c.privateKey ?? readFileSync(expandHome(requirePath(c)), "utf8"),
        readyTimeout: timeout * 1000,
        // A silent network cut is noticed after about 30 s (3 keepalives unanswered).
        keepaliveInterval: 10_000,
        keepaliveCountMax: 3,
        // OpenSSH 8.8+ no longer signs with ssh-rsa (SHA-1): a pinned RSA key is checked over SHA-2.
        algorithms: { serverHostKey: (pinned.type === "ssh-rsa" ? ["rsa-sha2-512", "rsa-sha2-256"] : [pinned.type]) as never },
        hostVerifier: (key: Buffer) => {
          presented = fingerprint(key);
          return isPinned(key, pinned);
        },
      });
      pool().opened++;
      return ssh;
    } catch (e) {
      ssh.dispose();
      if (presented && presented !== fingerprintOf(pinned)) {
        throw new Error(
          `host key mismatch for ${where(c)}: the host presented ${presented} but the stack pins ${fingerprintOf(pinned)}. ` +
            `Nothing was changed on the host. If the host was rebuilt, check its new key on its console and pin it ` +
            `(npm run hosts -- pin ${c.host} --port ${c.port ?? 22} --stack <stack> --replace): the next up and drift use it.`,
        );
      }
      lastError = e as Error;
      if (/authentication methods failed/i.test(lastError.message)) throw classify(lastError, where(c));
      if (attempt === 0 && reasonOf(lastError.message) !== "timeout") await sleep(RETRY_PAUSE_MS);
    }
  }
  const reason = reasonOf(lastError!.message);
  if (reason) throw markUnreachable(HostUnreachable.first({ ...(c.name ? { name: c.name } : {}), address: where(c), reason, detail: lastError!.message }, timeout));
  throw classify(lastError!, where(c));
}

/**
 * Runs on the host around every script. A watchdog kills the script's whole process tree (TERM,
 * then KILL 5 s later) when its timeout is up, or when the SSH connection it came in on is gone
 * (the client was killed, the network cut): no half-watched change goes on beside the next run.
 * The tree, not the process group: `runuser` starts each command in a session of its own. The
 * connection's sshd process is the nearest sshd ancestor. The watchdog holds no pipe of the
 * channel, which closes as soon as the script ends. Args: the script, the timeout in s.
 */
export const RUNNER = `exec 3<&0
p=$PPID
while [ "$p" -gt 1 ]; do
  c=; read -r c < "/proc/$p/comm" || :
  case "$c" in sshd*) break ;; esac
  st=; read -r st < "/proc/$p/stat" || :
  st=\${st##*) }; pp=\${st#* }; pp=\${pp%% *}
  case "$pp" in ""|*[!0-9]*) pp=1 ;; esac
  p=$pp
done
bash -c "$1" <&3 3<&- &
cmd=$!
exec 3<&-
tree() {
  local s st pp
  for s in /proc/[0-9]*/stat; do
    st=; read -r st < "$s" 2>/dev/null || continue
    st=\${st##*) }; pp=\${st#* }; pp=\${pp%% *}
    if [ "$pp" = "$1" ]; then s=\${s#/proc/}; tree "\${s%/stat}"; fi
  done
  echo "$1"
}
( end=$((SECONDS + $2))
  while kill -0 "$cmd" 2>/dev/null; do
    if [ "$SECONDS" -ge "$end" ] || { [ "$p" -gt 1 ] && ! kill -0 "$p" 2>/dev/null; }; then
      pids=$(tree "$cmd"); kill -TERM $pids 2>/dev/null; sleep 5; kill -KILL $pids 2>/dev/null; exit 0
    fi
    sleep 1
  done ) </dev/null >/dev/null 2>&1 &
watch=$!
rc=0; wait "$cmd" || rc=$?
if [ "$SECONDS" -ge "$2" ]; then
  wait "$watch" || :
  echo "hostform: timed out after $2 s on the host" >&2
  exit 124
fi
kill "$watch" 2>/dev/null || :
exit "$rc"
`;

/** The command line of one exec: the script and its timeout as RUNNER's arguments (data goes on stdin). */
export function remoteCommand(text: string, timeoutSeconds: number, sudo: boolean): string {
  return `${sudo ? "sudo -n " : ""}bash -c ${sh(RUNNER, true)} hostform ${sh(text, true)} ${Math.ceil(timeoutSeconds)}`;
}

/**
 * The result of a script run through sudo, or, when sudo refused it, the host's failure: in full
 * for the first script of the run that meets it, in one line for the others (reach.ts).
 */
export function sudoChecked(at: string, name: string | undefined, r: ExecResult): ExecResult {
  const said = sudoRefusal(r);
  if (said === undefined) return r;
  const known = knownUnreachable(at);
  if (known) throw known.again();
  throw markUnreachable(HostUnreachable.first({ ...(name ? { name } : {}), address: at, reason: "sudo", detail: said }, 0));
}

class ConnectionLost extends Error {}

function wrap(c: Connection, first: NodeSSH): Session & { dispose(): void } {
  const at = where(c);
  const sudo = (c.user ?? "root") !== "root";
  let ssh = first;
  let generation = 0;
  let reopening: Promise<void> | undefined;
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
  /** A dropped connection is reopened once per run (per provider process); a second drop is an error. */
  const reopen = (seen: number): Promise<void> => {
    if (seen !== generation) return Promise.resolve();
    if (!reopening) {
      reopening = (async () => {
        ssh.dispose();
        ssh = await connect(c);
        generation++;
      })();
      return reopening;
    }
    return reopening.then(() => {
      if (seen === generation - 1) return;
      throw new Error(`the SSH connection to ${at} dropped again: it is reopened once per run. Check the host and the network, then run up again.`);
    });
  };
  const once = async (text: string, stdin: string, timeoutSeconds: number): Promise<ExecResult> => {
    const seen = generation;
    if (!ssh.isConnected()) {
      await reopen(seen);
      return once(text, stdin, timeoutSeconds);
    }
    // Never node-ssh's `cwd` (it runs the command even when cd fails): scripts cd themselves under set -e.
    const command = remoteCommand(text, timeoutSeconds, sudo);
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<never>((_, reject) => {
      // The host kills the command at its timeout; no answer some time after that means the connection hangs.
      timer = setTimeout(() => {
        ssh.dispose();
        reject(new Error(`timed out after ${timeoutSeconds} s without an answer from ${at}`));
      }, (timeoutSeconds + 30) * 1000);
    });
    try {
      // noTrim: node-ssh trims output by default, which would eat a file's trailing newline.
      const running = ssh.execCommand(command, { stdin, noTrim: true });
      running.catch(() => undefined); // settles after a timeout too: never an unhandled rejection
      const r = await Promise.race([running, hung]);
      if (r.code === null && r.signal === null) {
        await sleep(50); // the connection's close event follows its channels' close
        if (!ssh.isConnected()) throw new ConnectionLost(`the SSH connection to ${at} dropped`);
      }
      return { code: r.code ?? -1, stdout: r.stdout, stderr: r.stderr };
    } catch (e) {
      if (e instanceof ConnectionLost || !ssh.isConnected()) {
        await reopen(seen);
        throw new ConnectionLost((e as Error).message);
      }
      throw e;
    } finally {
      clearTimeout(timer);
    }
  };
  const attempt = async (text: string, stdin?: string, opts?: ExecOptions): Promise<ExecResult> => {
    await acquire();
    try {
      const timeoutSeconds = opts?.timeoutSeconds ?? CHANGE_TIMEOUT_SECONDS;
      try {
        return await once(text, stdin ?? "", timeoutSeconds);
      } catch (e) {
        if (!(e instanceof ConnectionLost)) throw e;
        if (opts?.retryOnDrop) return await once(text, stdin ?? "", timeoutSeconds);
        throw new Error(`${e.message} while a change was running; it was reopened for the rest of this run. The change may have run in part: the next up reads the host and converges it.`);
      }
    } finally {
      release();
    }
  };
  /** Under sudo, a refusal is the host's (sudo.ts): said in full once, then one line for every later script. */
  const exec = async (text: string, stdin?: string, opts?: ExecOptions): Promise<ExecResult> => {
    if (!sudo) return attempt(text, stdin, opts);
    const before = knownUnreachable(at);
    if (before) throw before.again();
    return sudoChecked(at, c.name, await attempt(text, stdin, opts));
  };
  return {
    exec,
    async run(step, text, stdin, opts) {
      let r: ExecResult;
      try {
        r = await exec(text, stdin, opts);
      } catch (e) {
        if (e instanceof HostUnreachable) throw e; // the host's failure, not the step's: the same line for every resource
        throw new Error(`${step} on ${at}: ${(e as Error).message}`);
      }
      if (r.code !== 0) {
        throw new Error(`${step} failed on ${at} (exit ${r.code}): ${lastLines(r.stderr || r.stdout)}`);
      }
      return r.stdout;
    },
    dispose: () => ssh.dispose(),
  };
}

/**
 * What a failed step's error keeps of its output: the last `n` lines, or, when the script printed
 * an app's log block ("last log lines of <app> …:" and the lines after it), the line that says why
 * (the one before the block) and the whole block, up to `max` lines.
 */
export function lastLines(text: string, n = 8, max = 40): string {
  const lines = text.trim().split("\n");
  const block = lines.findIndex((l) => /^last log lines of \S+ /.test(l));
  if (block < 0) return lines.slice(-n).join("\n");
  return lines.slice(Math.max(0, block - 1)).slice(0, max).join("\n");
}

function classify(e: Error, where: string): Error {
  const m = e.message;
  if (/authentication methods failed/i.test(m)) return new Error(`SSH auth refused by ${where}: the key was not accepted. Check the user and the private key configured for this host.`);
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
