import { createHash } from "node:crypto";

/** A pinned host key as it appears in known_hosts: "<type> <base64>" (a trailing comment is ignored). */
export interface HostKey {
  readonly type: string;
  readonly base64: string;
}

export function parseHostKey(text: string): HostKey {
  const [type, base64] = text.trim().split(/\s+/);
  if (!type || !base64 || !/^(ssh-(ed25519|rsa)|ecdsa-sha2-nistp(256|384|521))$/.test(type) || !/^[A-Za-z0-9+/]+=*$/.test(base64)) {
    throw new Error(`not an SSH public host key: expected "ssh-ed25519 AAAA…" (as in known_hosts or ssh-keyscan output), got ${JSON.stringify(text.slice(0, 40))}`);
  }
  return { type, base64 };
}

/** OpenSSH's SHA256 fingerprint of a raw public key blob. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

export function fingerprintOf(key: HostKey): string {
  return fingerprint(Buffer.from(key.base64, "base64"));
}

/** Whether the key a host presents is the pinned one: bytes, not text, so a pin copied without its "=" padding still matches. */
export function isPinned(blob: Buffer, key: HostKey): boolean {
  return blob.equals(Buffer.from(key.base64, "base64"));
}
