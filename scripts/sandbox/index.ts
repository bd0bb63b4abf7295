// Public API of the local sandbox: Debian bookworm hosts under systemd-nspawn,
// each with its own overlay root, network namespace and SSH keys. Used by the
// CLI (scripts/sandbox.ts), the e2e tests and the demo.
import fs from "node:fs";
import { stopAptCache } from "./apt-cache.js";
import { bootHost, createHost, destroyHost, rebuildHost, stopHost, unmountHost, waitReady } from "./host.js";
import { withLock } from "./lock.js";
import { mountsUnder } from "./mounts.js";
import { DEFAULT_RELEASE, type Flavor, type Release, releaseOf, validateName } from "./naming.js";
import { listNetns, removeNatIfIdle, removeStrayVeths } from "./network.js";
import { hostPaths, hostsDir } from "./paths.js";
import { ensureRootfs } from "./rootfs.js";
import { log } from "./run.js";
import { sshCapture } from "./ssh.js";
import {
  type HostRecord, type SandboxHost, allRecords, claimHost, hostDirNames, isRunning, liveOtherOwner,
  readInventory, readRecord, runningPid, writeInventory,
} from "./state.js";

export type { Flavor, Release } from "./naming.js";
export type { SandboxHost } from "./state.js";
export { DEFAULT_HOSTS } from "./naming.js";
export { ensureRootfs } from "./rootfs.js";
export { publishRepo, type PublishedRepo } from "./git.js";

/**
 * Serialize everything done to one host across processes: two test workers
 * asking for the same default host must not both create (or one destroy) it.
 */
const hostLock = <T>(name: string, fn: () => Promise<T>) => withLock(`host-${name}`, fn);

/** Bring one host up, or return it untouched if it already runs with that flavor and release. */
async function upOne(name: string, flavor: Flavor, release: Release): Promise<SandboxHost> {
  const rec = readRecord(name);
  const pid = runningPid(name);
  if (rec?.host && pid !== undefined) {
    if (rec.flavor !== flavor) throw new Error(`sandbox host ${name} already runs as ${rec.flavor}; down it first`);
    if (releaseOf(rec) !== release) throw new Error(`sandbox host ${name} already runs ${releaseOf(rec)}; down it first`);
    // Left as it is, but an up killed mid-boot may have left it booting: wait for it.
    await waitReady(rec.host, pid);
    return rec.host;
  }
  // Whatever is left of a previous run (crash, half-done up) is not trusted.
  if (fs.existsSync(hostPaths(name).dir) || (await listNetns()).includes(name)) {
    log(`${name}: removing leftovers of a previous run`);
    await destroyHost(name);
  }
  const started = Date.now();
  try {
    const host = await createHost(await claimHost(name, flavor, release));
    log(`${name} (${flavor}${release === DEFAULT_RELEASE ? "" : `, ${release}`}) up at ${host.address} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return host;
  } catch (e) {
    if (!process.env.HOSTFORM_SANDBOX_KEEP_FAILED) await destroyHost(name).catch(() => undefined);
    throw e;
  }
}

let upMs = 0;
/** Milliseconds this process has spent in up() so far: the e2e timing table's "host start". */
export const upTime = (): number => upMs;

/**
 * Start hosts (in parallel) and wait until each answers ssh. Idempotent:
 * running hosts are left as they are, keys included. Updates inventory.json.
 */
export async function up(hosts: { name: string; flavor: Flavor; release?: Release }[]): Promise<SandboxHost[]> {
  const started = Date.now();
  try {
    return await upHosts(hosts);
  } finally {
    upMs += Date.now() - started;
  }
}

async function upHosts(hosts: { name: string; flavor: Flavor; release?: Release }[]): Promise<SandboxHost[]> {
  hosts.forEach((h) => validateName(h.name));
  for (const r of new Set(hosts.map(releaseOf))) await ensureRootfs(r);
  const results = await Promise.allSettled(hosts.map((h) => hostLock(h.name, () => upOne(h.name, h.flavor, releaseOf(h)))));
  await writeInventory();
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed.length > 0) {
    throw new AggregateError(failed.map((f) => f.reason as unknown), failed.map((f) => String(f.reason)).join("\n\n"));
  }
  return results.map((r) => (r as PromiseFulfilledResult<SandboxHost>).value);
}

function spareLiveOwner(name: string): boolean {
  const pid = liveOtherOwner(name);
  if (pid !== undefined) log(`${name}: left up, still used by pid ${pid} (down ${name}, or down --all)`);
  return pid !== undefined;
}

async function timed<T>(what: string, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const result = await fn();
  log(`${what} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return result;
}

/** Every host name we can find a trace of: directories, hf-* netns, overlay mounts. */
async function knownNames(): Promise<string[]> {
  const names = new Set([...hostDirNames(), ...(await listNetns())]);
  for (const m of mountsUnder(hostsDir)) {
    const name = m.slice(hostsDir.length + 1).split("/")[0];
    if (name) names.add(name);
  }
  return [...names];
}

/**
 * Stop and remove the named hosts. Without names: every host and every
 * leftover of a crashed run, except hosts a still-running process (an e2e
 * test in another worker or session) brought up itself, unless `all` is set.
 */
export async function down(names?: string[], opts: { all?: boolean } = {}): Promise<void> {
  names?.forEach(validateName);
  const targets = names ?? (await knownNames()).filter((n) => opts.all || !spareLiveOwner(n));
  const results = await Promise.allSettled(targets.map((n) => hostLock(n, () => timed(`${n} down`, () => destroyHost(n)))));
  if (!names) await removeStrayVeths(new Set(allRecords().map((r) => r.index)));
  await removeNatIfIdle();
  if ((await listNetns()).length === 0) await stopAptCache();
  await writeInventory();
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed.length > 0) throw new AggregateError(failed.map((f) => f.reason as unknown), "sandbox down failed");
}

function recordOf(name: string): HostRecord & { host: SandboxHost } {
  const rec = readRecord(validateName(name));
  if (!rec?.host) throw new Error(`no sandbox host "${name}" (run up first)`);
  return rec as HostRecord & { host: SandboxHost };
}

/** Reboot a host: stop it, unmount and remount its root, boot it again (same keys and address). */
export async function restart(name: string): Promise<SandboxHost> {
  const started = Date.now();
  const host = await hostLock(name, async () => {
    const rec = recordOf(name);
    await stopHost(name);
    await unmountHost(name);
    return bootHost(rec);
  });
  await writeInventory();
  log(`${name} restarted in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return host;
}

/** Rebuild a host: same name, flavor and address; an empty root and new host and client keys. */
export async function rebuild(name: string): Promise<SandboxHost> {
  const started = Date.now();
  const host = await hostLock(name, () => rebuildHost(recordOf(name)));
  await writeInventory();
  log(`${name} rebuilt at ${host.address} in ${((Date.now() - started) / 1000).toFixed(1)} s, host key ${host.hostKeyFingerprint}`);
  return host;
}

/** Run a shell command in a host over ssh (pinned host key), capturing its output. */
export async function exec(name: string, command: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return sshCapture(recordOf(name).host, command);
}

/** Running hosts as recorded in .sandbox/inventory.json. */
export function inventory(): Record<string, SandboxHost> {
  return readInventory();
}

export interface HostStatus {
  name: string;
  flavor: Flavor | "?";
  state: "running" | "stopped";
  host?: SandboxHost;
}

/** Every host with a directory or a netns, and whether its nspawn runs. */
export async function status(): Promise<HostStatus[]> {
  const names = (await knownNames()).sort();
  return names.map((name) => {
    const rec = readRecord(name);
    return { name, flavor: rec?.flavor ?? "?", state: isRunning(name) ? "running" : "stopped", host: rec?.host };
  });
}

/** Look up a host for the CLI's exec (which streams instead of capturing). */
export function hostOf(name: string): SandboxHost {
  return recordOf(name).host;
}
