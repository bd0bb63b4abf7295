// Per-host network namespaces. Every host gets its own netns so services of
// different hosts can bind the same fixed ports (80, 3000, 3001, 5432 in the
// topologies) on their own address, without port remapping, for a fleet of
// ten or more hosts. A veth pair links it to the machine; NAT lets apt reach
// the Debian mirror.
import fs from "node:fs";
import { withLock } from "./lock.js";
import {
  GUEST_IFACE, PREFIX_LEN, SUBNET, gatewayAddress, guestAddress, indexFromVeth, netnsName, parseNetnsList, vethName,
} from "./naming.js";
import { sandboxDir } from "./paths.js";
import { run, tryRun } from "./run.js";

const COMMENT = ["-m", "comment", "--comment", "hostform-sandbox"];
// NAT to the outside, but traffic between hosts keeps its source address.
const NAT_RULE = ["POSTROUTING", "-s", SUBNET, "!", "-d", SUBNET, ...COMMENT, "-j", "MASQUERADE"];
// Only matters where FORWARD defaults to DROP (e.g. next to Docker).
const FORWARD_RULES = [
  ["FORWARD", "-s", SUBNET, ...COMMENT, "-j", "ACCEPT"],
  ["FORWARD", "-d", SUBNET, ...COMMENT, "-j", "ACCEPT"],
];
const IP_FORWARD = "/proc/sys/net/ipv4/ip_forward";
const savedForwardFile = `${sandboxDir}/ip_forward.saved`;

export async function listNetns(): Promise<string[]> {
  return parseNetnsList((await tryRun("ip", ["netns", "list"])).stdout);
}

async function linkExists(iface: string, netns?: string): Promise<boolean> {
  const args = netns ? ["-n", netns, "link", "show", iface] : ["link", "show", iface];
  return (await tryRun("ip", args)).code === 0;
}

/** Netns, veth pair, addresses, routes. Idempotent, so restart reuses it as is. */
export async function setupHostNetwork(name: string, index: number): Promise<void> {
  const ns = netnsName(name);
  const veth = vethName(index);
  if (!(await listNetns()).includes(name)) await run("ip", ["netns", "add", ns]);
  if (!(await linkExists(GUEST_IFACE, ns))) {
    await tryRun("ip", ["link", "del", veth]); // a stale one would block the add
    await run("ip", ["link", "add", veth, "type", "veth", "peer", "name", GUEST_IFACE, "netns", ns]);
  }
  await run("ip", ["addr", "replace", `${gatewayAddress(index)}/${PREFIX_LEN}`, "dev", veth]);
  await run("ip", ["link", "set", veth, "up"]);
  await run("ip", ["-n", ns, "link", "set", "lo", "up"]);
  await run("ip", ["-n", ns, "addr", "replace", `${guestAddress(index)}/${PREFIX_LEN}`, "dev", GUEST_IFACE]);
  await run("ip", ["-n", ns, "link", "set", GUEST_IFACE, "up"]);
  await run("ip", ["-n", ns, "route", "replace", "default", "via", gatewayAddress(index)]);
  await ensureNat();
}

/** Deleting the netns also deletes the guest end, which takes the host end with it. */
export async function teardownHostNetwork(name: string): Promise<void> {
  const ns = netnsName(name);
  if ((await listNetns()).includes(name)) await run("ip", ["netns", "del", ns]);
}

/** Pids of every process living in the host's netns (all of its container). */
export async function netnsPids(name: string): Promise<number[]> {
  const r = await tryRun("ip", ["netns", "pids", netnsName(name)]);
  return r.stdout.split(/\s+/).filter(Boolean).map(Number);
}

async function hasRule(table: string, rule: string[]): Promise<boolean> {
  return (await tryRun("iptables", ["-t", table, "-C", ...rule])).code === 0;
}

/** Forwarding + masquerade, shared by all hosts; added once. */
async function ensureNat(): Promise<void> {
  await withLock("nat", async () => {
    if (!fs.existsSync(savedForwardFile)) fs.writeFileSync(savedForwardFile, fs.readFileSync(IP_FORWARD, "utf8"));
    fs.writeFileSync(IP_FORWARD, "1\n");
    if (!(await hasRule("nat", NAT_RULE))) await run("iptables", ["-t", "nat", "-A", ...NAT_RULE]);
    for (const rule of FORWARD_RULES) {
      if (!(await hasRule("filter", rule))) await run("iptables", ["-I", ...rule]);
    }
  });
}

/** Undo ensureNat once no host is left (restores ip_forward as it was). */
export async function removeNatIfIdle(): Promise<void> {
  await withLock("nat", async () => {
    if ((await listNetns()).length > 0) return;
    while (await hasRule("nat", NAT_RULE)) await run("iptables", ["-t", "nat", "-D", ...NAT_RULE]);
    for (const rule of FORWARD_RULES) {
      while (await hasRule("filter", rule)) await run("iptables", ["-D", ...rule]);
    }
    if (fs.existsSync(savedForwardFile)) {
      fs.writeFileSync(IP_FORWARD, fs.readFileSync(savedForwardFile, "utf8"));
      fs.rmSync(savedForwardFile);
    }
  });
}

/** Host-side veths of no remaining host (a crashed run's, kept alive by a stray process). */
export async function removeStrayVeths(keepIndexes: Set<number>): Promise<void> {
  const out = (await tryRun("ip", ["-o", "link", "show", "type", "veth"])).stdout;
  for (const m of out.matchAll(/^\d+:\s+(hfv\d+)[@:]/gm)) {
    const index = indexFromVeth(m[1]!);
    if (index !== undefined && !keepIndexes.has(index)) await tryRun("ip", ["link", "del", m[1]!]);
  }
}
