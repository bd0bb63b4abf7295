// Writing a pinned key into a stack file (Pulumi.<stack>.yaml). The yaml Document API edits the
// values in place, so the template's comments and everything else stay as the operator left them.
import { isMap, isSeq, parseDocument, type YAMLMap } from "yaml";
import { fingerprintOf, parseHostKey } from "../../components/host/hostkey";

const HOSTS = ["config", "hostform:hosts"];

export class PinRefused extends Error {}

export interface PinTarget {
  /** hostform:hosts[i].name; without it, the one host whose address is `address`. */
  readonly host?: string;
  readonly address: string;
  readonly port: number;
}

export interface PinResult {
  readonly text: string;
  readonly host: string;
  readonly index: number;
  /** The key pinned before, when it was a real key (not a template placeholder). */
  readonly previous?: string;
  readonly changed: boolean;
}

/** A real pinned key, as opposed to a template's "<…>" or an older template's PLACEHOLDER key. */
function realKey(value: unknown): string | undefined {
  if (typeof value !== "string" || value.includes("PLACEHOLDER")) return undefined;
  try {
    const k = parseHostKey(value);
    return `${k.type} ${k.base64}`;
  } catch {
    return undefined;
  }
}

function findHost(entries: YAMLMap[], target: PinTarget, file: string): number {
  const names = entries.map((e) => String(e.get("name")));
  if (target.host !== undefined) {
    const i = names.indexOf(target.host);
    if (i < 0) throw new PinRefused(`${file} has no host named ${JSON.stringify(target.host)} (hosts: ${names.join(", ")})`);
    return i;
  }
  const matches = entries.flatMap((e, i) => (e.get("address") === target.address ? [i] : []));
  if (matches.length !== 1) {
    throw new PinRefused(`${matches.length ? "several hosts" : "no host"} in ${file} ${matches.length ? "have" : "has"} the address ${target.address}: name the host with --host (hosts: ${names.join(", ")})`);
  }
  return matches[0]!;
}

/**
 * Pins `hostKey` (and the address and port it was read from) for one host. A different real key
 * already pinned is refused unless `replace`: a changed key means a rebuilt host or someone in
 * between, and only the operator can tell which.
 */
export function pinInStackFile(text: string, file: string, target: PinTarget, hostKey: string, replace: boolean): PinResult {
  const doc = parseDocument(text);
  if (doc.errors.length) throw new PinRefused(`${file} is not valid YAML: ${doc.errors[0]!.message}`);
  const hosts = doc.getIn(HOSTS);
  if (!isSeq(hosts) || !hosts.items.every(isMap)) throw new PinRefused(`${file} has no list hostform:hosts under config: start from Pulumi.prod.yaml`);
  const entries = hosts.items as YAMLMap[];
  const index = findHost(entries, target, file);
  const entry = entries[index]!;
  const host = String(entry.get("name"));
  const previous = realKey(entry.get("hostKey"));
  const wanted = realKey(hostKey);
  if (!wanted) throw new Error(`not a host key: ${hostKey}`);
  if (previous !== undefined && previous !== wanted && !replace) {
    throw new PinRefused(
      `${file} already pins another key for ${host} (${fingerprintOf(parseHostKey(previous))}); the host now presents ${fingerprintOf(parseHostKey(wanted))}. ` +
        "If the host was rebuilt, check the new fingerprint on its console and pin it with --replace. Nothing was written.",
    );
  }
  const portBefore = entry.get("port") ?? 22;
  const changed = previous !== wanted || entry.get("address") !== target.address || portBefore !== target.port;
  entry.set("address", target.address);
  if (entry.has("port") || target.port !== 22) entry.set("port", target.port);
  entry.set("hostKey", wanted);
  // lineWidth 0: never fold long values (encrypted secrets) that were on one line.
  return { text: changed ? doc.toString({ lineWidth: 0 }) : text, host, index, ...(previous ? { previous } : {}), changed };
}
