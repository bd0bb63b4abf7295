// SSH keys. Every `up` of a host makes a fresh client key pair and fresh host
// keys written into the host's root *before* it boots, so the host key is
// known (and pinned by the stacks) before anyone connects.
import fs from "node:fs";
import path from "node:path";
import { run } from "./run.js";

/** "ssh-ed25519 AAAA... comment" -> "ssh-ed25519 AAAA..." (the known_hosts form). */
export function stripKeyComment(publicKeyLine: string): string {
  const [type, b64] = publicKeyLine.trim().split(/\s+/);
  if (!type || !b64 || !/^[A-Za-z0-9+/]+=*$/.test(b64)) throw new Error(`not an OpenSSH public key: "${publicKeyLine}"`);
  return `${type} ${b64}`;
}

/** Fingerprint from `ssh-keygen -lf` output ("256 SHA256:abc comment (ED25519)"). */
export function parseFingerprint(output: string): string {
  const fp = output.trim().split(/\s+/)[1];
  if (!fp?.startsWith("SHA256:")) throw new Error(`unexpected ssh-keygen -lf output: "${output.trim()}"`);
  return fp;
}

/** known_hosts entry; non-22 ports need the [addr]:port form. */
export function knownHostsLine(address: string, port: number, hostPublicKey: string): string {
  const host = port === 22 ? address : `[${address}]:${port}`;
  return `${host} ${hostPublicKey}\n`;
}

async function keygen(file: string, comment: string): Promise<void> {
  fs.rmSync(file, { force: true });
  fs.rmSync(`${file}.pub`, { force: true });
  await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", file]);
  fs.chmodSync(file, 0o600);
}

/** Fresh client key pair for logging in as root; returns the public key line. */
export async function makeClientKey(file: string, hostName: string): Promise<string> {
  await keygen(file, `hostform-sandbox@${hostName}`);
  return fs.readFileSync(`${file}.pub`, "utf8").trim();
}

/** Fresh ed25519 host key inside the host's root; returns key and fingerprint. */
export async function makeHostKey(root: string, hostName: string) {
  const file = path.join(root, "etc/ssh/ssh_host_ed25519_key");
  await keygen(file, `root@${hostName}`);
  const hostPublicKey = stripKeyComment(fs.readFileSync(`${file}.pub`, "utf8"));
  const hostKeyFingerprint = parseFingerprint(await run("ssh-keygen", ["-E", "sha256", "-lf", `${file}.pub`]));
  return { hostPublicKey, hostKeyFingerprint };
}

/** Let the client key log in as root (sshd's StrictModes wants 0700/0600). */
export function authorize(root: string, clientPublicKey: string): void {
  const dir = path.join(root, "root/.ssh");
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
  fs.writeFileSync(path.join(dir, "authorized_keys"), `${clientPublicKey}\n`, { mode: 0o600 });
}
