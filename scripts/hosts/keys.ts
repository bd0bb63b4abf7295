// A host's public keys as `ssh-keyscan HOST | ssh-keygen -lf -` shows them, from the raw key blobs
// the SSH handshake presents. Pure, unit tested against ssh-keygen itself.
import { fingerprint } from "../../components/host/hostkey";

export interface ScannedKey {
  /** The key's type as known_hosts writes it: ssh-ed25519, ecdsa-sha2-nistp256, ssh-rsa… */
  readonly type: string;
  readonly base64: string;
  readonly bits: number;
  /** What ssh-keygen prints in parentheses: ED25519, ECDSA, RSA. */
  readonly label: string;
  readonly fingerprint: string;
}

/** The strings and mpints of an SSH wire-format blob (RFC 4251: uint32 length, then bytes). */
function fields(blob: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at + 4 <= blob.length;) {
    const len = blob.readUInt32BE(at);
    out.push(blob.subarray(at + 4, at + 4 + len));
    at += 4 + len;
  }
  return out;
}

/** Bit length of an unsigned big-endian integer (an mpint may carry a leading zero byte). */
function bitLength(n: Buffer): number {
  let i = 0;
  while (i < n.length && n[i] === 0) i++;
  if (i === n.length) return 0;
  return (n.length - i - 1) * 8 + n[i]!.toString(2).length;
}

export function describeKey(blob: Buffer): ScannedKey {
  const [typeField, ...rest] = fields(blob);
  const type = typeField?.toString("latin1") ?? "";
  const base = { type, base64: blob.toString("base64"), fingerprint: fingerprint(blob) };
  if (type === "ssh-ed25519") return { ...base, bits: 256, label: "ED25519" };
  const ecdsa = /^ecdsa-sha2-nistp(256|384|521)$/.exec(type);
  if (ecdsa) return { ...base, bits: Number(ecdsa[1]), label: "ECDSA" };
  // ssh-rsa: e, then n; the size is n's.
  if (type === "ssh-rsa" && rest[1]) return { ...base, bits: bitLength(rest[1]), label: "RSA" };
  throw new Error(`unsupported host key type ${JSON.stringify(type)}`);
}

/** The name ssh-keyscan gives a host, and so the comment ssh-keygen -lf prints: [addr]:port off port 22. */
export function scanName(address: string, port: number): string {
  return port === 22 ? address : `[${address}]:${port}`;
}

/** One line as `ssh-keygen -lf` prints it: "256 SHA256:… 203.0.113.10 (ED25519)". */
export function fingerprintLine(key: ScannedKey, comment: string): string {
  return `${key.bits} ${key.fingerprint} ${comment} (${key.label})`;
}

/** The file on the host whose `ssh-keygen -lf` shows the same key. */
export function consoleFile(key: ScannedKey): string {
  return `/etc/ssh/ssh_host_${key.label.toLowerCase()}_key.pub`;
}

/** hostform pins one key: ed25519 when the host has one, then ECDSA, then RSA. */
const PREFERENCE = ["ED25519", "ECDSA", "RSA"];

/**
 * The key to pin: the one whose fingerprint the operator read on the console, or else the
 * preferred one. A fingerprint that no presented key has is refused.
 */
export function chooseKey(keys: readonly ScannedKey[], expect?: string): ScannedKey {
  if (keys.length === 0) throw new Error("the host presented no host key hostform can pin (ed25519, ECDSA or RSA)");
  if (expect !== undefined) {
    const match = keys.find((k) => k.fingerprint === expect);
    if (!match) {
      throw new Error(
        `none of the host's keys has the fingerprint ${expect} (it presents ${keys.map((k) => k.fingerprint).join(", ")}): ` +
          "this is not the host whose console you read, or its key changed. Nothing was written.",
      );
    }
    return match;
  }
  return [...keys].sort((a, b) => PREFERENCE.indexOf(a.label) - PREFERENCE.indexOf(b.label))[0]!;
}

/** The known_hosts form the stack pins: "<type> <base64>". */
export function hostKeyText(key: ScannedKey): string {
  return `${key.type} ${key.base64}`;
}
