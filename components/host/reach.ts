/**
 * Whether a host can be reached is a fact of the host, learned once per run (per provider process):
 * the first connection gets a short timeout and one retry; after that every resource of an
 * unreachable host fails at once with the same message, instead of each waiting for its own timeout.
 *
 * `npm run drift` and `npm run up` name a report file in HOSTFORM_UNREACHABLE_REPORT: each
 * unreachable host is written there (one JSON line), and a refresh of its resources keeps the last
 * known state instead of failing the whole run, so the other hosts are still read and converged.
 * The wrapper then lists the hosts it could not reach and exits with its own code.
 *
 * A host whose sudo refuses the login (sudo.ts) is the same kind of fact, with reason "sudo": it is
 * reached, but nothing can be done on it, so it is listed, kept and skipped the same way.
 */
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { loginOf, sudoFix, sudoRefusedMessage } from "./sudo";

/**
 * Seconds each connection attempt may take (TCP, SSH handshake, login). Default 5: with the one
 * retry a silent host is given up after about 10 s, so drift still reports within 30 s.
 */
export const CONNECT_TIMEOUT_ENV = "HOSTFORM_CONNECT_TIMEOUT";
export const DEFAULT_CONNECT_TIMEOUT_SECONDS = 5;
/** Pause before retrying a refused connection, for an sshd that is restarting. */
export const RETRY_PAUSE_MS = 1000;
/** A file the wrappers read: one JSON line per unreachable host. */
export const REPORT_ENV = "HOSTFORM_UNREACHABLE_REPORT";

/** Why: not answering, refusing the connection, another network error, or sudo refusing the login. */
export type Reason = "timeout" | "refused" | "other" | "sudo";

export interface Unreachable {
  /** The host's name in the stack, when the connection carries it. */
  readonly name?: string;
  /** user@address:port */
  readonly address: string;
  readonly reason: Reason;
  /** The last low-level error, e.g. "connect ECONNREFUSED 10.0.0.2:22", or what sudo said. */
  readonly detail: string;
}

export function connectTimeoutSeconds(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[CONNECT_TIMEOUT_ENV];
  if (raw === undefined || raw === "") return DEFAULT_CONNECT_TIMEOUT_SECONDS;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${CONNECT_TIMEOUT_ENV} must be a number of seconds above 0, got ${JSON.stringify(raw)}`);
  return n;
}

/** What a connection error says about the host; undefined when it is not about reaching it (auth, host key). */
export function reasonOf(message: string): Reason | undefined {
  if (/ECONNREFUSED/.test(message)) return "refused";
  if (/timed out|ETIMEDOUT/i.test(message)) return "timeout";
  if (/EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|ECONNRESET|EPIPE|Connection lost before handshake/i.test(message)) return "other";
  return undefined;
}

export function hostLabel(u: Pick<Unreachable, "name" | "address">): string {
  return u.name ? `${u.name} (${u.address})` : u.address;
}

/** The one message every resource of the host fails with. */
export function unreachableMessage(u: Unreachable, timeoutSeconds: number): string {
  const port = u.address.slice(u.address.lastIndexOf(":") + 1);
  const rest = "Every resource of this host is skipped in this run; the other hosts go on.";
  switch (u.reason) {
    case "timeout":
      return `host ${hostLabel(u)} is unreachable: no SSH answer within ${timeoutSeconds} s, twice (the machine is down, or a firewall drops port ${port}). ${rest} `
        + `Check that the machine runs and that its address and port are right.`;
    case "refused":
      return `host ${hostLabel(u)} refused the SSH connection: the machine answers but nothing listens on port ${port} (sshd stopped, or another port). ${rest} `
        + `Start sshd on the host or fix the port in the stack.`;
    case "sudo":
      return sudoRefusedMessage(hostLabel(u), loginOf(u.address), u.detail);
    default:
      return `host ${hostLabel(u)} is unreachable: ${u.detail}. ${rest} Check the address and the network.`;
  }
}

/** What every later resource of the host fails with: one line, the full message was given once. */
export function skippedMessage(u: Unreachable): string {
  if (u.reason === "sudo") return `host ${hostLabel(u)}: sudo refused for ${loginOf(u.address)} in this run (${u.detail}): skipped`;
  return `host ${hostLabel(u)} is unreachable in this run (${REASONS[u.reason]}): skipped`;
}

export class HostUnreachable extends Error {
  constructor(readonly facts: Unreachable, message: string) {
    super(message);
    this.name = "HostUnreachable";
    // The dynamic provider logs `${e}: ${e.stack}` of a failed read or delete: one line, no trace.
    this.stack = "";
  }

  override toString(): string {
    return skippedMessage(this.facts);
  }

  static first(facts: Unreachable, timeoutSeconds: number): HostUnreachable {
    return new HostUnreachable(facts, unreachableMessage(facts, timeoutSeconds));
  }

  /** The same failure for another resource of the host. */
  again(): HostUnreachable {
    return new HostUnreachable(this.facts, skippedMessage(this.facts));
  }
}

interface Memo { hosts: Map<string, HostUnreachable> }
function memo(): Memo {
  const g = globalThis as { __hostformReach?: Memo };
  return (g.__hostformReach ??= { hosts: new Map() });
}

/**
 * The host's failure if this run already found it unreachable: this process, or, under a wrapper,
 * another process of the same run (`up` runs a preview, a refresh and the update, each with
 * providers of its own).
 */
export function knownUnreachable(address: string): HostUnreachable | undefined {
  const m = memo();
  const known = m.hosts.get(address);
  if (known) return known;
  const file = process.env[REPORT_ENV];
  const reported = file ? readUnreachable(file).find((u) => u.address === address) : undefined;
  if (!reported) return undefined;
  const e = new HostUnreachable(reported, skippedMessage(reported));
  m.hosts.set(address, e);
  return e;
}

/** Remembers the host as unreachable for the rest of the run and, under a wrapper, reports it once. */
export function markUnreachable(e: HostUnreachable): HostUnreachable {
  const m = memo();
  if (m.hosts.has(e.facts.address)) return m.hosts.get(e.facts.address)!;
  m.hosts.set(e.facts.address, e);
  const file = process.env[REPORT_ENV];
  if (file) appendFileSync(file, `${JSON.stringify(e.facts)}\n`);
  return e;
}

/** Under a wrapper (drift, up), a read of an unreachable host keeps the last known state: the host is listed instead. */
export function keepsStateWhenUnreachable(e: unknown): boolean {
  return e instanceof HostUnreachable && Boolean(process.env[REPORT_ENV]);
}

/** The hosts in a report file, once each (several provider processes may have written one). */
export function readUnreachable(file: string): Unreachable[] {
  if (!existsSync(file)) return [];
  const byAddress = new Map<string, Unreachable>();
  for (const line of readFileSync(file, "utf8").split("\n")) {
    let u: Unreachable;
    try {
      u = JSON.parse(line) as Unreachable;
    } catch {
      continue; // empty, or being written by another process
    }
    if (!byAddress.has(u.address)) byAddress.set(u.address, u);
  }
  return [...byAddress.values()].sort((a, b) => hostLabel(a).localeCompare(hostLabel(b)));
}

/** The reason in a few words, for reports. */
export const REASONS: Record<Reason, string> = {
  timeout: "no SSH answer (timed out)",
  refused: "connection refused (sshd not listening)",
  other: "unreachable",
  sudo: "sudo refused",
};

/** Whether every host of the list is one that was not reached (none that sudo refused): the reports say "reached" then. */
export const allUnreached = (list: readonly Unreachable[]): boolean => list.every((u) => u.reason !== "sudo");

/** One line per host, for the text report and the end of `up`. */
export function describeUnreachable(u: Unreachable): string {
  if (u.reason === "sudo") return `${hostLabel(u)}: sudo refused for ${loginOf(u.address)} (${u.detail}): ${sudoFix(loginOf(u.address))}`;
  return `${hostLabel(u)}: ${REASONS[u.reason]}${u.reason === "other" ? `: ${u.detail}` : ""}`;
}
