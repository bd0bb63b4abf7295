// Reads a host's public keys over the network, like ssh-keyscan: one handshake per key algorithm,
// the key captured by the host verifier, which then refuses it, so no login is ever attempted.
import { NodeSSH } from "node-ssh";
import { describeKey, type ScannedKey } from "./keys";

/** One algorithm per key type; rsa-sha2-512 since OpenSSH no longer signs with ssh-rsa (SHA-1). */
const ALGORITHMS = ["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "rsa-sha2-512"];

async function presented(address: string, port: number, algorithm: string): Promise<Buffer | undefined> {
  let key: Buffer | undefined;
  const ssh = new NodeSSH();
  try {
    await ssh.connect({
      host: address,
      port,
      username: "hostform-keyscan",
      readyTimeout: 15_000,
      algorithms: { serverHostKey: [algorithm] as never },
      hostVerifier: (blob: Buffer) => {
        key = Buffer.from(blob);
        return false;
      },
    });
  } catch (e) {
    const m = (e as Error).message;
    // The host has no key of this type: the handshake fails before the verifier runs.
    if (!key && !/no matching host key format/.test(m)) throw new Error(`cannot read the host keys of ${address}:${port}: ${m}`);
  } finally {
    ssh.dispose();
  }
  return key;
}

export async function scanHostKeys(address: string, port: number): Promise<ScannedKey[]> {
  const keys: ScannedKey[] = [];
  for (const algorithm of ALGORITHMS) {
    const blob = await presented(address, port, algorithm);
    if (blob) keys.push(describeKey(blob));
  }
  return keys;
}
