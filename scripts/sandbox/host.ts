// One host's lifecycle: overlay root, files written before boot, the
// detached systemd-nspawn process, readiness, stop and removal.
import { spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { APT_CONF_PATH, DETECT_PATH, aptCacheEnabled, aptConf, detectScript, ensureAptCache } from "./apt-cache.js";
import { authorize, knownHostsLine, makeClientKey, makeHostKey } from "./keys.js";
import { isMountPoint, mountOverlay, mountsUnder, unmountAll } from "./mounts.js";
import { type Flavor, gatewayAddress, guestAddress, netnsName, releaseOf } from "./naming.js";
import { netnsPids, setupHostNetwork, teardownHostNetwork } from "./network.js";
import { hostPaths, rootfsDir } from "./paths.js";
import { pidAlive, sleep } from "./run.js";
import { discard } from "./trash.js";
import { sshCapture } from "./ssh.js";
import { type HostRecord, type SandboxHost, runningPid, writeRecord } from "./state.js";

export const READY_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 20_000;

function writeInRoot(root: string, rel: string, content: string, mode = 0o644): void {
  const file = path.join(root, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content, { mode });
}

/** Network and root filesystem; both survive a restart untouched. */
async function attach(rec: HostRecord): Promise<void> {
  const p = hostPaths(rec.name);
  await setupHostNetwork(rec.name, rec.index);
  await mountOverlay(rootfsDir(releaseOf(rec)), p.upper, p.work, p.root);
  // The machine's resolver, refreshed at every boot like DHCP would.
  writeInRoot(p.root, "etc/resolv.conf", fs.readFileSync("/etc/resolv.conf", "utf8"));
  trustMachineCAs(p.root);
  if (aptCacheEnabled()) {
    await ensureAptCache();
    writeInRoot(p.root, APT_CONF_PATH, aptConf());
    writeInRoot(p.root, DETECT_PATH, detectScript(gatewayAddress(rec.index)), 0o755);
  }
}

/**
 * The machine reaches HTTPS registries through CAs of its own (an egress proxy's); hosts get the
 * same trust, like hosts built from a company image: the local CA files (kept by
 * update-ca-certificates when apt refreshes the bundle) and the current bundle itself.
 */
function trustMachineCAs(root: string): void {
  const local = "/usr/local/share/ca-certificates";
  if (!fs.existsSync(local)) return;
  for (const f of fs.readdirSync(local).filter((n) => n.endsWith(".crt"))) {
    writeInRoot(root, `usr/local/share/ca-certificates/${f}`, fs.readFileSync(`${local}/${f}`, "utf8"));
  }
  const bundle = "/etc/ssl/certs/ca-certificates.crt";
  if (!fs.existsSync(bundle)) return;
  writeInRoot(root, "etc/ssl/certs/ca-certificates.crt", fs.readFileSync(bundle, "utf8"));
  // Node.js does not read the system store: point it there, as this machine does.
  const env = path.join(root, "etc/environment");
  const current = fs.existsSync(env) ? fs.readFileSync(env, "utf8") : "";
  if (!current.includes("NODE_EXTRA_CA_CERTS=")) fs.appendFileSync(env, `NODE_EXTRA_CA_CERTS=${bundle}\n`);
  // sudo resets the environment: a login user that works through `sudo -n` keeps the pointer too.
  writeInRoot(root, "etc/sudoers.d/hostform-sandbox-ca", 'Defaults env_keep += "NODE_EXTRA_CA_CERTS"\n', 0o440);
}

/** First boot only: identity and fresh keys, all in place before sshd starts. */
async function provision(rec: HostRecord): Promise<SandboxHost> {
  const p = hostPaths(rec.name);
  writeInRoot(p.root, "etc/machine-id", crypto.randomBytes(16).toString("hex") + "\n", 0o444);
  writeInRoot(p.root, "etc/hostname", `${rec.name}\n`);
  writeInRoot(p.root, "etc/hosts", `127.0.0.1\tlocalhost\n127.0.1.1\t${rec.name}\n::1\tlocalhost ip6-localhost ip6-loopback\n`);
  authorize(p.root, await makeClientKey(p.privateKey, rec.name));
  const hostKey = await makeHostKey(p.root, rec.name);
  const host: SandboxHost = {
    name: rec.name,
    flavor: rec.flavor,
    address: guestAddress(rec.index),
    port: 22,
    user: "root",
    privateKeyPath: p.privateKey,
    ...hostKey,
  };
  fs.writeFileSync(p.knownHosts, knownHostsLine(host.address, host.port, host.hostPublicKey));
  return host;
}

// nspawn's empty tmpfs /run lacks what a Docker-style image ships and tmpfiles
// would create: /run/sshd (privilege separation), /run/lock (= /var/lock).
// Like Vast.ai, a container runs /root/onstart.sh (if present) at every start, beside sshd.
const CONTAINER_INIT = "mkdir -p /run/sshd /run/lock && chmod 1777 /run/lock && "
  + "{ if [ -x /root/onstart.sh ]; then /root/onstart.sh >/var/log/onstart.log 2>&1 & fi; } && exec /usr/sbin/sshd -D -e";

export function nspawnArgs(name: string, flavor: Flavor, root: string): string[] {
  const common = [
    "-D", root,
    "--register=no", "--keep-unit",
    `--machine=hf-${name}`, `--hostname=${name}`,
    `--network-namespace-path=/run/netns/${netnsName(name)}`,
    // We write /etc/resolv.conf ourselves; nspawn must not bind or replace it.
    "--resolv-conf=off", "--link-journal=no", "--console=read-only",
  ];
  if (flavor === "systemd") return [...common, "--boot"];
  // No init: sshd itself becomes PID 1, like a Docker image with CMD sshd -D.
  // Not --as-pid2: its stub init is the nspawn binary, and scripts that sniff
  // /proc/1/exe for "systemd" (apache2ctl) then call systemctl and fail.
  // sshd reaps orphans reparented to it, so background jobs do not pile up.
  return [...common, "--kill-signal=SIGTERM", "/bin/sh", "-c", CONTAINER_INIT]; // stop like docker stop
}

/** Start nspawn detached (own session) so it outlives this process. */
function launch(rec: HostRecord): number {
  const p = hostPaths(rec.name);
  const out = fs.openSync(p.console, "a");
  fs.writeSync(out, `\n=== ${new Date().toISOString()} starting ${rec.name} (${rec.flavor}) ===\n`);
  const child = spawn("systemd-nspawn", nspawnArgs(rec.name, rec.flavor, p.root), {
    detached: true, // setsid(): own session and process group, immune to our Ctrl-C
    stdio: ["ignore", out, out],
  });
  fs.closeSync(out);
  if (child.pid === undefined) throw new Error(`could not start systemd-nspawn for ${rec.name}`);
  child.unref();
  fs.writeFileSync(p.pidFile, `${child.pid}\n`);
  return child.pid;
}

function consoleTail(name: string, lines = 30): string {
  try {
    return fs.readFileSync(hostPaths(name).console, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no console.log)";
  }
}

function notReady(host: SandboxHost, why: string): Error {
  const tail = `--- tail of ${hostPaths(host.name).console} ---\n${consoleTail(host.name)}`;
  return new Error(`sandbox host ${host.name} not ready: ${why}\n${tail}`);
}

/** Wait for sshd (and, with systemd, for boot to finish). Quick when already up. */
export async function waitReady(host: SandboxHost, pid: number): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = "";
  for (;;) {
    if (!pidAlive(pid)) throw notReady(host, "systemd-nspawn exited");
    const r = await sshCapture(host, "true", 10_000);
    if (r.code === 0) break;
    last = r.stderr.trim();
    if (Date.now() > deadline) throw notReady(host, `no ssh after ${READY_TIMEOUT_MS / 1000} s (${last})`);
    await sleep(300);
  }
  if (host.flavor !== "systemd") return;
  const left = Math.max(deadline - Date.now(), 5_000);
  const r = await sshCapture(host, "systemctl is-system-running --wait", left);
  const state = r.stdout.trim();
  if (state !== "running" && state !== "degraded") {
    throw notReady(host, `systemctl is-system-running: "${state}" ${r.stderr.trim()}`);
  }
  if (state === "degraded") {
    const failed = await sshCapture(host, "systemctl --failed --no-legend --plain");
    process.stderr.write(`[sandbox] ${host.name} booted degraded:\n${failed.stdout}`);
  }
}

/** Fresh host: network, overlay, keys, boot. The record must have been claimed. */
export async function createHost(rec: HostRecord): Promise<SandboxHost> {
  await attach(rec);
  rec.host = await provision(rec);
  writeRecord(rec);
  await waitReady(rec.host, launch(rec));
  return rec.host;
}

/**
 * A rebuilt instance, as a cloud provider hands one back: the same index and address, an empty
 * root (the base image only) and fresh keys, the host's and the client's.
 */
export async function rebuildHost(rec: HostRecord): Promise<SandboxHost> {
  const p = hostPaths(rec.name);
  await stopHost(rec.name);
  await unmountAll(p.root);
  for (const d of [p.upper, p.work]) fs.rmSync(d, { recursive: true, force: true });
  return createHost(rec);
}

/** Boot an existing host again: same upper dir, keys, index and address. */
export async function bootHost(rec: HostRecord): Promise<SandboxHost> {
  if (!rec.host) throw new Error(`sandbox host ${rec.name} was never provisioned; run down and up`);
  await attach(rec);
  await waitReady(rec.host, launch(rec));
  return rec.host;
}

async function waitGone(pids: () => Promise<number[]> | number[], ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while ((await pids()).length > 0) {
    if (Date.now() > deadline) return false;
    await sleep(200);
  }
  return true;
}

function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    /* already gone */
  }
}

/**
 * What nspawn leaves in the machine's /run when it is SIGKILLed (normally it
 * removes them itself): its image lock, named after the root's dev:inode, so
 * computed while the overlay is still mounted, and its propagation directory.
 */
function nspawnLeftovers(name: string): string[] {
  const paths = [`/run/systemd/nspawn/propagate/${netnsName(name)}`];
  const root = hostPaths(name).root;
  if (isMountPoint(root)) {
    const st = fs.statSync(root);
    paths.push(`/run/systemd/nspawn/locks/inode-${st.dev}:${st.ino}`);
  }
  return paths;
}

function removeLeftovers(paths: string[]): void {
  for (const p of paths) if (mountsUnder(p).length === 0) fs.rmSync(p, { recursive: true, force: true });
}

/**
 * Stop the container. SIGTERM makes nspawn send its --kill-signal to the
 * container: an orderly shutdown for --boot, SIGTERM to sshd for the container
 * flavor. Anything still in the host's netns afterwards is killed too, which
 * also catches processes orphaned by a crashed nspawn.
 */
export async function stopHost(name: string): Promise<void> {
  const leftovers = nspawnLeftovers(name);
  const pid = runningPid(name);
  if (pid !== undefined) {
    kill(pid, "SIGTERM");
    const nspawnGone = () => waitGone(() => (pidAlive(pid) ? [pid] : []), STOP_TIMEOUT_MS);
    if (!(await nspawnGone())) {
      kill(pid, "SIGKILL");
      await nspawnGone();
    }
  }
  for (const p of await netnsPids(name)) kill(p, "SIGKILL");
  if (!(await waitGone(() => netnsPids(name), 10_000))) throw new Error(`processes of ${name} survive SIGKILL`);
  removeLeftovers(leftovers);
  fs.rmSync(hostPaths(name).pidFile, { force: true });
}

/** Unmount the root (nspawn may have left mounts below it if it crashed). */
export async function unmountHost(name: string): Promise<void> {
  await unmountAll(hostPaths(name).root);
}

/** Remove everything of a host: processes, mounts, netns/veth, its directory. */
export async function destroyHost(name: string): Promise<void> {
  const p = hostPaths(name);
  await stopHost(name);
  await unmountAll(p.dir);
  const left = mountsUnder(p.dir);
  if (left.length > 0) throw new Error(`still mounted, not deleting ${p.dir}: ${left.join(", ")}`);
  await teardownHostNetwork(name);
  // Nothing is mounted below it any more: renamed away now, deleted in the background.
  discard(p.dir);
}
