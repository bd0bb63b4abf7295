// Pure mapping from a host's name and small index to everything the kernel
// needs a name or an address for. Kept free of side effects so it is unit
// tested (test/unit/sandbox-naming.test.ts).

export type Flavor = "systemd" | "container";
export const FLAVORS: readonly Flavor[] = ["systemd", "container"];

/**
 * The distribution a host runs: Debian 12 (the default), or Ubuntu 24.04 as the Flatlogic VM and
 * Vast.ai images run it (built only where this machine reaches archive.ubuntu.com).
 */
export type Release = "bookworm" | "noble";
export const RELEASES: readonly Release[] = ["bookworm", "noble"];
export const DEFAULT_RELEASE: Release = "bookworm";

export function isRelease(s: string): s is Release {
  return (RELEASES as readonly string[]).includes(s);
}

/** A host's release: records and specs from before releases name none, which means bookworm. */
export const releaseOf = (h: { release?: Release }): Release => h.release ?? DEFAULT_RELEASE;

/** Hosts `up` starts when given no arguments. */
export const DEFAULT_HOSTS: readonly { name: string; flavor: Flavor }[] = [
  { name: "flatlogic", flavor: "systemd" },
  { name: "duel", flavor: "container" },
  { name: "metahuman", flavor: "systemd" },
];

/** 10.231.<index>.0/24 per host, so the index must fit one octet (0 and 255 are avoided). */
export const SUBNET = "10.231.0.0/16";
export const MIN_INDEX = 1;
export const MAX_INDEX = 254;

// Names end up as hostnames, netns names (hf-<name>) and directory names,
// so keep them to DNS-label characters.
const NAME_RE = /^[a-z][a-z0-9-]{0,30}[a-z0-9]$|^[a-z]$/;

export function validateName(name: string): string {
  if (!NAME_RE.test(name)) {
    throw new Error(`invalid sandbox host name "${name}": use 1-32 of [a-z0-9-], starting with a letter, not ending with '-'`);
  }
  return name;
}

export function isFlavor(s: string): s is Flavor {
  return (FLAVORS as readonly string[]).includes(s);
}

/** Network namespace of a host; `down` treats every hf-* netns as ours. */
export const netnsName = (name: string) => `hf-${name}`;
export const NETNS_PREFIX = "hf-";

/** Host-side veth: derived from the index because interface names max out at 15 chars. */
export const vethName = (index: number) => `hfv${index}`;
/** Guest side keeps a familiar name; it lives alone in the host's netns. */
export const GUEST_IFACE = "eth0";

function checkIndex(index: number): number {
  if (!Number.isInteger(index) || index < MIN_INDEX || index > MAX_INDEX) {
    throw new Error(`sandbox host index ${index} out of range ${MIN_INDEX}-${MAX_INDEX}`);
  }
  return index;
}

/** Address of the machine's end of the veth (the guest's default gateway). */
export const gatewayAddress = (index: number) => `10.231.${checkIndex(index)}.1`;
/** Address sshd and every service of the host listen on. */
export const guestAddress = (index: number) => `10.231.${checkIndex(index)}.2`;
export const PREFIX_LEN = 24;

/** Default hosts keep fixed indexes (flatlogic 1, duel 2, metahuman 3) so their addresses are stable for docs and demos. */
export function preferredIndex(name: string): number | undefined {
  const i = DEFAULT_HOSTS.findIndex((h) => h.name === name);
  return i === -1 ? undefined : i + 1;
}

/** Other hosts start here, leaving the low indexes to the default hosts. */
export const FIRST_DYNAMIC_INDEX = 10;

/** The host's preferred index if free, else the lowest free from 10 up, else any free one. */
export function allocateIndex(used: Iterable<number>, preferred?: number): number {
  const taken = new Set(used);
  if (preferred !== undefined && !taken.has(preferred)) return checkIndex(preferred);
  for (let i = FIRST_DYNAMIC_INDEX; i <= MAX_INDEX; i++) if (!taken.has(i)) return i;
  for (let i = MIN_INDEX; i < FIRST_DYNAMIC_INDEX; i++) if (!taken.has(i)) return i;
  throw new Error(`no free sandbox host index (${MAX_INDEX} hosts in use)`);
}

/** Index encoded in a host-side veth name, or undefined for other interfaces. */
export function indexFromVeth(iface: string): number | undefined {
  const m = /^hfv(\d+)$/.exec(iface);
  return m ? Number(m[1]) : undefined;
}

/** Host names owning a hf-* netns, from `ip netns list` output ("hf-a (id: 3)"). */
export function parseNetnsList(output: string): string[] {
  return output
    .split("\n")
    .map((l) => l.trim().split(/\s+/)[0] ?? "")
    .filter((n) => n.startsWith(NETNS_PREFIX))
    .map((n) => n.slice(NETNS_PREFIX.length));
}
