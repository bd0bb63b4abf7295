/**
 * Hashes of secret material kept in state are keyed: HMAC-SHA256 under a random key that lives in
 * the same state as a Pulumi secret (encrypted with the stack's secrets provider). A plain sha256
 * of a weak database password could be guessed offline from a copy of the state file; the keyed
 * hash cannot without the stack's secrets. The host only ever reports a file's plain sha256, so
 * the HMAC is taken over that hex digest, on the operator's machine: the key never reaches a host.
 */
import { createHash, createHmac, randomBytes } from "node:crypto";

export function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** HMAC-SHA256 (hex) of a sha256 hex digest under `key` (64 hex characters). */
export function keyedDigest(key: string, sha256Hex: string): string {
  return createHmac("sha256", Buffer.from(key, "hex")).update(sha256Hex, "utf8").digest("hex");
}

/** The keyed hash of some secret text. */
export function keyedHash(key: string, text: string): string {
  return keyedDigest(key, sha256(text));
}

/** A fresh key: 32 random bytes as hex. */
export function newHashKey(): string {
  return randomBytes(32).toString("hex");
}

export const isHashKey = (value: unknown): value is string => typeof value === "string" && /^[0-9a-f]{64}$/.test(value);
