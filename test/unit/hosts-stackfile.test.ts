import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { rawFromPulumiJson, stackFile } from "../../scripts/hosts/stack";
import { pinInStackFile } from "../../scripts/hosts/stackfile";

const ROOT = path.resolve(__dirname, "../..");
const TEMPLATE = readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8");
const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA400bpYgarO7hBQ5+HyZhTk26Wtle15Kn1cN4IF3aGw";
const OTHER = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKn6S8jWm0sOkxQeiRwKa3rG3fH7ZpKmFf3bUZyTtD7R";

/** Lines of `after` that are not in `before`, and the reverse. */
function changedLines(before: string, after: string) {
  const a = before.split("\n");
  const b = after.split("\n");
  return { removed: a.filter((l) => !b.includes(l)), added: b.filter((l) => !a.includes(l)) };
}

describe("pinning a key into a stack file", () => {
  it("writes hostKey and the address it was read from; every comment and other line stays", () => {
    const r = pinInStackFile(TEMPLATE, "Pulumi.prod.yaml", { host: "flatlogic-1", address: "198.18.0.10", port: 22 }, KEY, false);
    expect(r).toMatchObject({ host: "flatlogic-1", index: 0, changed: true });
    expect(r).not.toHaveProperty("previous");
    expect(changedLines(TEMPLATE, r.text)).toEqual({
      removed: ["      address: <the VM's IP address or DNS name>", "      hostKey: <npm run hosts -- pin ADDRESS --stack prod --host flatlogic-1>"],
      added: ["      address: 198.18.0.10", `      hostKey: ${KEY}`],
    });
    expect(parse(r.text).config["hostform:hosts"][0]).toMatchObject({ address: "198.18.0.10", port: 22, hostKey: KEY });
  });

  it("writes the port when the host listens elsewhere", () => {
    const r = pinInStackFile(TEMPLATE, "f", { host: "duel-1", address: "198.18.0.20", port: 40022 }, KEY, false);
    expect(parse(r.text).config["hostform:hosts"][1]).toMatchObject({ address: "198.18.0.20", port: 40022, hostKey: KEY });
  });

  it("re-pinning the same key changes nothing; another key is refused unless replace is said", () => {
    const once = pinInStackFile(TEMPLATE, "f", { host: "flatlogic-1", address: "198.18.0.10", port: 22 }, KEY, false).text;
    const again = pinInStackFile(once, "f", { address: "198.18.0.10", port: 22 }, KEY, false);
    expect(again).toMatchObject({ changed: false, text: once, host: "flatlogic-1", previous: KEY });
    expect(() => pinInStackFile(once, "f", { address: "198.18.0.10", port: 22 }, OTHER, false)).toThrow(
      "f already pins another key for flatlogic-1 (SHA256:78TQdBDqZoKimLJSnxAM8pW3e0GxvyQuIQNNGSiHPEk); the host now presents SHA256:",
    );
    const replaced = pinInStackFile(once, "f", { address: "198.18.0.10", port: 22 }, OTHER, true);
    expect(replaced).toMatchObject({ changed: true, previous: KEY });
    expect(parse(replaced.text).config["hostform:hosts"][0].hostKey).toBe(OTHER);
  });

  it("keeps encrypted values on their single line", () => {
    const secure = `v1:${"A".repeat(120)}`;
    const text = `encryptionsalt: v1:abc\nconfig:\n  hostform:hosts:\n    - name: a\n      role: none\n      address: h\n  hostform:sshPrivateKey:\n    secure: ${secure}\n`;
    const r = pinInStackFile(text, "f", { address: "h", port: 22 }, KEY, false);
    expect(r.text).toBe(text.replace("      address: h\n", `      address: h\n      hostKey: ${KEY}\n`));
  });

  it("finds the host by name or by its one address, and says when it cannot", () => {
    expect(() => pinInStackFile(TEMPLATE, "f", { host: "web", address: "h", port: 22 }, KEY, false)).toThrow('f has no host named "web" (hosts: flatlogic-1, duel-1)');
    expect(() => pinInStackFile(TEMPLATE, "f", { address: "198.18.0.99", port: 22 }, KEY, false)).toThrow(
      "no host in f has the address 198.18.0.99: name the host with --host (hosts: flatlogic-1, duel-1)",
    );
    expect(() => pinInStackFile("config: {}\n", "f", { address: "h", port: 22 }, KEY, false)).toThrow("f has no list hostform:hosts under config");
  });
});

describe("the stack's config for hosts check", () => {
  it("reads pulumi config --json as the program sees it: objects as JSON text, secrets decrypted", () => {
    const raw = rawFromPulumiJson(JSON.stringify({
      "hostform:hosts": { value: '[{"name":"a"}]', objectValue: [{ name: "a" }], secret: false },
      "hostform:sshPrivateKey": { value: "KEY", secret: true },
      "other:x": { value: "y", secret: false },
    }));
    expect(raw.get("hosts")).toBe('[{"name":"a"}]');
    expect(raw.getSecret?.("sshPrivateKey")).toBe("KEY");
    expect(raw.get("x")).toBeUndefined();
  });

  it("a stack's file is Pulumi.<stack>.yaml beside Pulumi.yaml, unless --config-file says otherwise", () => {
    expect(stackFile({ stack: "prod" })).toBe(path.join(ROOT, "Pulumi.prod.yaml"));
    expect(stackFile({ stack: "prod", configFile: "/tmp/p.yaml" })).toBe("/tmp/p.yaml");
  });
});
