import { describe, expect, it } from "vitest";
import { knownHostsLine, parseFingerprint, stripKeyComment } from "../../scripts/sandbox/keys";

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA400bpYgarO7hBQ5+HyZhTk26Wtle15Kn1cN4IF3aGw";

describe("stripKeyComment", () => {
  it("drops the comment and trailing newline", () => {
    expect(stripKeyComment(`${KEY} root@flatlogic\n`)).toBe(KEY);
    expect(stripKeyComment(KEY)).toBe(KEY);
  });

  it("rejects things that are not public keys", () => {
    expect(() => stripKeyComment("")).toThrow(/not an OpenSSH public key/);
    expect(() => stripKeyComment("ssh-ed25519")).toThrow(/not an OpenSSH public key/);
    expect(() => stripKeyComment("ssh-ed25519 not*base64")).toThrow(/not an OpenSSH public key/);
  });
});

describe("parseFingerprint", () => {
  it("takes the SHA256 field of ssh-keygen -lf", () => {
    expect(parseFingerprint("256 SHA256:78TQdBDqZoKimLJSnxAM8pW3e0GxvyQuIQNNGSiHPEk root@flatlogic (ED25519)\n"))
      .toBe("SHA256:78TQdBDqZoKimLJSnxAM8pW3e0GxvyQuIQNNGSiHPEk");
  });

  it("refuses MD5 or garbage", () => {
    expect(() => parseFingerprint("256 MD5:aa:bb x (ED25519)")).toThrow(/unexpected ssh-keygen/);
    expect(() => parseFingerprint("")).toThrow(/unexpected ssh-keygen/);
  });
});

describe("knownHostsLine", () => {
  it("uses the bare address on port 22 and [addr]:port otherwise", () => {
    expect(knownHostsLine("10.231.1.2", 22, KEY)).toBe(`10.231.1.2 ${KEY}\n`);
    expect(knownHostsLine("10.231.1.2", 2222, KEY)).toBe(`[10.231.1.2]:2222 ${KEY}\n`);
  });
});
