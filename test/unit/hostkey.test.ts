// The host-key pin compares key bytes (security review 3, previous 18).
import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { isPinned, parseHostKey } from "../../components/host/hostkey";

const str = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);

/** An ECDSA P-256 public key blob as SSH writes it (104 bytes, so its base64 ends in "="). */
function ecdsaBlob(): Buffer {
  const point = generateKeyPairSync("ec", { namedCurve: "prime256v1" }).publicKey.export({ format: "der", type: "spki" }).subarray(-65);
  return Buffer.concat([str(Buffer.from("ecdsa-sha2-nistp256")), str(Buffer.from("nistp256")), str(point)]);
}

describe("host key pin", () => {
  it("matches the presented key whether or not the pin kept its = padding", () => {
    const blob = ecdsaBlob();
    const b64 = blob.toString("base64");
    expect(b64.endsWith("=")).toBe(true);
    expect(isPinned(blob, parseHostKey(`ecdsa-sha2-nistp256 ${b64}`))).toBe(true);
    expect(isPinned(blob, parseHostKey(`ecdsa-sha2-nistp256 ${b64.replace(/=+$/, "")}`))).toBe(true);
  });

  it("refuses any other key", () => {
    expect(isPinned(ecdsaBlob(), parseHostKey(`ecdsa-sha2-nistp256 ${ecdsaBlob().toString("base64")}`))).toBe(false);
  });
});
