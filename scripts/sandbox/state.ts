// What the sandbox remembers about each host (.sandbox/hosts/<name>/host.json)
// and the inventory the Pulumi sandbox stack reads (.sandbox/inventory.json).
import fs from "node:fs";
import { withLock } from "./lock.js";
import { DEFAULT_RELEASE, type Flavor, type Release, allocateIndex, preferredIndex } from "./naming.js";
import { hostPaths, hostsDir, inventoryPath } from "./paths.js";
import { processStartTime } from "./run.js";

export interface SandboxHost {
  name: string;
  flavor: Flavor;
  address: string;
  port: number;
  user: "root";
  privateKeyPath: string;
  /** "ssh-ed25519 AAAA..." exactly as a known_hosts key (no comment). */
  hostPublicKey: string;
  /** "SHA256:..." as printed by ssh-keygen -lf. */
  hostKeyFingerprint: string;
}

/** host.json: the index is kept so restart reuses the same veth and address. */
export interface HostRecord {
  name: string;
  flavor: Flavor;
  /** Absent in records from before releases: bookworm. */
  release?: Release;
  index: number;
  host?: SandboxHost;
  /** Process that called up (pid + start time): a plain `down` spares hosts a live test still uses. */
  owner?: { pid: number; start: string };
}

function writeJsonAtomic(file: string, value: unknown): void {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(value, null, 2) + "\n");
  fs.renameSync(tmp, file);
}

export function readRecord(name: string): HostRecord | undefined {
  try {
    return JSON.parse(fs.readFileSync(hostPaths(name).record, "utf8")) as HostRecord;
  } catch {
    return undefined;
  }
}

export function writeRecord(rec: HostRecord): void {
  writeJsonAtomic(hostPaths(rec.name).record, rec);
}

/** Names of every host directory, complete or not. */
export function hostDirNames(): string[] {
  if (!fs.existsSync(hostsDir)) return [];
  return fs.readdirSync(hostsDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
}

export function allRecords(): HostRecord[] {
  return hostDirNames().flatMap((n) => readRecord(n) ?? []);
}

/** Indexes of the sandbox veth links present on the machine, whoever made them. */
function indexesInUse(): number[] {
  const links = fs.existsSync("/sys/class/net") ? fs.readdirSync("/sys/class/net") : [];
  return links.flatMap((l) => /^hfv(\d+)$/.exec(l)?.[1] ?? []).map(Number);
}

/** Claim the host dir and the lowest free index in one step, under a lock. */
export async function claimHost(name: string, flavor: Flavor, release: Release = DEFAULT_RELEASE): Promise<HostRecord> {
  return withLock("hosts", async () => {
    // Another checkout on this machine (a CI clone) has its own records but shares the network:
    // the hfv<index> links that exist are taken too.
    const used = [...allRecords().filter((r) => r.name !== name).map((r) => r.index), ...indexesInUse()];
    const owner = { pid: process.pid, start: processStartTime(process.pid) ?? "" };
    const rec: HostRecord = { name, flavor, ...(release === DEFAULT_RELEASE ? {} : { release }), index: allocateIndex(used, preferredIndex(name)), owner };
    fs.mkdirSync(hostPaths(name).dir, { recursive: true });
    writeRecord(rec);
    return rec;
  });
}

/** The nspawn pid from the pid file, if that process is still our nspawn. */
export function runningPid(name: string): number | undefined {
  const p = hostPaths(name);
  let pid: number;
  try {
    pid = Number(fs.readFileSync(p.pidFile, "utf8").trim());
  } catch {
    return undefined;
  }
  // Guard against pid reuse after a crash: the process must be nspawn on our root.
  try {
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    return argv.some((a) => a.endsWith("systemd-nspawn")) && argv.includes(p.root) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Pid of another, still running process that brought this host up (a test using it). */
export function liveOtherOwner(name: string): number | undefined {
  const owner = readRecord(name)?.owner;
  if (!owner || owner.pid === process.pid) return undefined;
  return processStartTime(owner.pid) === owner.start ? owner.pid : undefined;
}

export const isRunning = (name: string) => runningPid(name) !== undefined;

/** Rewrite inventory.json from the records of hosts that are running now. */
export async function writeInventory(): Promise<Record<string, SandboxHost>> {
  return withLock("inventory", async () => {
    const hosts: Record<string, SandboxHost> = {};
    for (const rec of allRecords().sort((a, b) => a.index - b.index)) {
      if (rec.host && isRunning(rec.name)) hosts[rec.name] = rec.host;
    }
    fs.mkdirSync(hostsDir, { recursive: true });
    writeJsonAtomic(inventoryPath, { hosts });
    return hosts;
  });
}

export function readInventory(): Record<string, SandboxHost> {
  try {
    return (JSON.parse(fs.readFileSync(inventoryPath, "utf8")) as { hosts?: Record<string, SandboxHost> }).hosts ?? {};
  } catch {
    return {};
  }
}
