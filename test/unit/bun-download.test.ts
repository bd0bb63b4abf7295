// bun's tarball is checked against the registry's dist.integrity before root unpacks or runs it
// (security review 3, N9), run against the local shell with a file:// registry.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BUN_ROOT, bunInstall } from "../../components/blocks/base/bun";

describe("bun download", () => {
  it("names the version document whose sha512 the tarball must match", () => {
    expect(bunInstall("1.4.5", "x86_64", "https://registry.npmjs.org")).toContain(
      "hf_fetch_npm https://registry.npmjs.org/@oven/bun-linux-x64/-/bun-linux-x64-1.4.5.tgz https://registry.npmjs.org/@oven/bun-linux-x64/1.4.5 \"$tmp/bun.tgz\"",
    );
  });

  it("refuses a tarball that does not match, before anything is unpacked, installed or run", () => {
    const reg = mkdtempSync(join(tmpdir(), "hf-bun-"));
    const version = "0.0.0-hftest";
    const pkg = join(reg, "@oven", "bun-linux-x64");
    mkdirSync(join(pkg, "-"), { recursive: true });
    writeFileSync(join(pkg, "-", `bun-linux-x64-${version}.tgz`), "a tampered tarball");
    const integrity = `sha512-${createHash("sha512").update("the real tarball").digest("base64")}`;
    writeFileSync(join(pkg, version), JSON.stringify({ dist: { integrity } }));
    const r = spawnSync("bash", ["-c", `set -euo pipefail\n${bunInstall(version, "x86_64", `file://${reg}`)}`], { encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("does not match the registry's dist.integrity");
    expect(existsSync(`${BUN_ROOT}-v${version}`)).toBe(false);
    expect(existsSync(`${BUN_ROOT}-v${version}.new`)).toBe(false);
  });
});
