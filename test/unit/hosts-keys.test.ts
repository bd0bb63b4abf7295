import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { chooseKey, consoleFile, describeKey, fingerprintLine, hostKeyText, scanName, type ScannedKey } from "../../scripts/hosts/keys";

const dir = mkdtempSync(path.join(tmpdir(), "hf-keys-"));
/** A fresh key of each kind ssh-keygen makes, as its public line "type base64 comment". */
function keygen(name: string, ...args: string[]): { type: string; base64: string } {
  const file = path.join(dir, name);
  execFileSync("ssh-keygen", ["-q", "-N", "", "-C", `root@${name}`, "-f", file, ...args]);
  const [type, base64] = readFileSync(`${file}.pub`, "utf8").split(" ");
  return { type: type!, base64: base64! };
}
/** What `ssh-keyscan HOST | ssh-keygen -lf -` prints for this key. */
const keygenLine = (name: string, k: { type: string; base64: string }) =>
  execFileSync("ssh-keygen", ["-lf", "-"], { input: `${name} ${k.type} ${k.base64}\n` }).toString().trim();

describe("host key fingerprints", () => {
  const kinds: [string, string[]][] = [
    ["ed25519", ["-t", "ed25519"]], ["ecdsa256", ["-t", "ecdsa", "-b", "256"]], ["ecdsa384", ["-t", "ecdsa", "-b", "384"]],
    ["ecdsa521", ["-t", "ecdsa", "-b", "521"]], ["rsa2048", ["-t", "rsa", "-b", "2048"]], ["rsa1025", ["-t", "rsa", "-b", "1025"]],
  ];
  it.each(kinds)("%s: the line is the one ssh-keygen -lf prints, on port 22 and off it", (name, args) => {
    const k = keygen(name, ...args);
    const key = describeKey(Buffer.from(k.base64, "base64"));
    expect(key.type).toBe(k.type);
    expect(hostKeyText(key)).toBe(`${k.type} ${k.base64}`);
    expect(fingerprintLine(key, scanName("203.0.113.10", 22))).toBe(keygenLine("203.0.113.10", k));
    expect(fingerprintLine(key, scanName("203.0.113.10", 2222))).toBe(keygenLine("[203.0.113.10]:2222", k));
  });

  it("names the console file that shows the same key", () => {
    const ed = describeKey(Buffer.from(keygen("c-ed", "-t", "ed25519").base64, "base64"));
    expect(consoleFile(ed)).toBe("/etc/ssh/ssh_host_ed25519_key.pub");
    expect(consoleFile({ ...ed, label: "ECDSA" })).toBe("/etc/ssh/ssh_host_ecdsa_key.pub");
  });

  it("refuses a key type hostform cannot pin", () => {
    const blob = Buffer.concat([Buffer.from([0, 0, 0, 7]), Buffer.from("ssh-dss"), Buffer.from([0, 0, 0, 1, 5])]);
    expect(() => describeKey(blob)).toThrow('unsupported host key type "ssh-dss"');
  });
});

describe("chooseKey", () => {
  const key = (label: string, fingerprint: string): ScannedKey => ({ type: label, base64: "AAAA", bits: 256, label, fingerprint });
  const keys = [key("RSA", "SHA256:r"), key("ECDSA", "SHA256:e"), key("ED25519", "SHA256:d")];

  it("prefers ed25519, then ECDSA, then RSA", () => {
    expect(chooseKey(keys).label).toBe("ED25519");
    expect(chooseKey(keys.slice(0, 2)).label).toBe("ECDSA");
    expect(chooseKey(keys.slice(0, 1)).label).toBe("RSA");
  });

  it("takes the key whose fingerprint the operator read, and refuses one the host does not present", () => {
    expect(chooseKey(keys, "SHA256:r").label).toBe("RSA");
    expect(() => chooseKey(keys, "SHA256:x")).toThrow(
      "none of the host's keys has the fingerprint SHA256:x (it presents SHA256:r, SHA256:e, SHA256:d): this is not the host whose console you read, or its key changed. Nothing was written.",
    );
    expect(() => chooseKey([])).toThrow("the host presented no host key hostform can pin");
  });
});
