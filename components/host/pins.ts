import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { isPinned, parseHostKey } from "./hostkey";
import type { Connection } from "./ssh";

/**
 * The host keys the stack's config pins now. A refresh (and a delete) works with the connection
 * kept in each resource's state: after a rebuilt host is pinned again (`hosts pin --replace`), that
 * key is stale and the host would be refused until the state changed, which only a successful
 * refresh does. So the provider trusts the key the config pins now for the same address and port,
 * and only that one: a host presenting another key is still refused.
 */
export interface Pin {
  readonly address: string;
  readonly port: number;
  readonly hostKey: string;
}

interface InventoryHost { address?: unknown; port?: unknown; hostPublicKey?: unknown }

/**
 * Each host of `hostform:hosts` with its address, port and key, resolved as infra/config.ts does:
 * what the entry leaves out comes from the sandbox inventory. Entries without all three are skipped.
 */
export function pinsOf(config: Readonly<Record<string, unknown>>, inventory?: { hosts?: Record<string, InventoryHost> }): Pin[] {
  const hosts = config["hostform:hosts"];
  if (!Array.isArray(hosts)) return [];
  const pins: Pin[] = [];
  for (const h of hosts as Record<string, unknown>[]) {
    if (typeof h !== "object" || h === null) continue;
    const inv = typeof h.name === "string" ? inventory?.hosts?.[h.name] : undefined;
    const address = h.address ?? inv?.address;
    const port = Number(h.port ?? inv?.port ?? 22);
    const hostKey = h.hostKey ?? inv?.hostPublicKey;
    if (typeof address === "string" && typeof hostKey === "string" && Number.isInteger(port)) pins.push({ address, port, hostKey });
  }
  return pins;
}

/** The same key bytes (hostkey.ts's compare: a pin without its "=" padding is the same key). */
const sameKey = (a: string, b: string): boolean => {
  try {
    return isPinned(Buffer.from(parseHostKey(a).base64, "base64"), parseHostKey(b));
  } catch {
    return a.trim() === b.trim();
  }
};

/** The connection with the key the config pins now for its address and port, when that is one key. */
export function withCurrentPin(c: Connection, pins: readonly Pin[]): Connection {
  const keys = pins.filter((p) => p.address === c.host && p.port === (c.port ?? 22)).map((p) => p.hostKey);
  const current = keys[0];
  if (current === undefined || keys.some((k) => !sameKey(k, current)) || sameKey(current, c.hostKey)) return c;
  return { ...c, hostKey: current };
}

const read = new Map<string, Pin[]>();

/**
 * The pins of the stack config file scripts/pulumi.sh names in HOSTFORM_STACK_CONFIG (read once per
 * process; the inventory file relative to the program's folder, as the program reads it).
 * None when it is not set or cannot be read: then the state's key is the only one trusted.
 */
export function currentPins(env: NodeJS.ProcessEnv = process.env): Pin[] {
  const file = env.HOSTFORM_STACK_CONFIG;
  if (!file) return [];
  let pins = read.get(file);
  if (!pins) read.set(file, (pins = pinsIn(file, env.HOSTFORM_PROGRAM_DIR ?? process.cwd())));
  return pins;
}

function pinsIn(file: string, programDir: string): Pin[] {
  let config: Record<string, unknown>;
  try {
    config = (parse(readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null)?.config ?? {};
  } catch {
    return [];
  }
  const inventoryFile = config["hostform:inventoryFile"];
  let inventory: { hosts?: Record<string, InventoryHost> } | undefined;
  if (typeof inventoryFile === "string") {
    try {
      inventory = JSON.parse(readFileSync(path.resolve(programDir, inventoryFile), "utf8"));
    } catch {
      inventory = undefined;
    }
  }
  return pinsOf(config, inventory);
}

/**
 * A host presenting a key pinned nowhere, said in full for the first resource of the host that
 * meets it and in one line for the others. The dynamic provider also logs `${e}: ${e.stack}` of
 * every failed call, which the CLI prints again under the stack: for this error that copy is one
 * line, without a stack trace (the message says all there is).
 */
export class HostKeyRefused extends Error {
  constructor(message: string, private readonly short: string) {
    super(message);
    this.stack = "";
  }

  override toString(): string {
    return this.short;
  }
}

const refused = new Set<string>();

/** Opens the session; a host key mismatch is refused once per host and run, and not tried again. */
export async function openPinned<S>(c: Connection, open: (c: Connection) => Promise<S>): Promise<S> {
  const where = `${c.user ?? "root"}@${c.host}:${c.port ?? 22}`;
  const key = `${where}#${c.hostKey}`;
  const short = `host key mismatch for ${where}: refused (see the first error of this host)`;
  if (refused.has(key)) throw new HostKeyRefused(short, short);
  try {
    return await open(c);
  } catch (e) {
    const message = (e as Error).message;
    if (!message.startsWith("host key mismatch")) throw e;
    const first = !refused.has(key);
    refused.add(key);
    throw new HostKeyRefused(first ? message : short, short);
  }
}
