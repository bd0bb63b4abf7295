import { spawn } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

// scripts/pulumi.sh puts the sandbox passphrase's salt into Pulumi.sandbox.yaml only while the CLI
// runs. drift runs two previews at once: the file must hold the salt exactly once while any run
// lasts, and lose it when the last one ends.
const ROOT = path.resolve(__dirname, "../..");
const SALT = "encryptionsalt: v1:c2FsdA==:v1:aXY=:Y3Q=";

/** A checkout with scripts/pulumi.sh and a fake pulumi that records what each run saw. */
function fakeCheckout(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "hostform-salt-"));
  mkdirSync(path.join(dir, "scripts"));
  copyFileSync(path.join(ROOT, "scripts/pulumi.sh"), path.join(dir, "scripts/pulumi.sh"));
  mkdirSync(path.join(dir, ".toolchain/bin"), { recursive: true });
  mkdirSync(path.join(dir, ".state"));
  writeFileSync(path.join(dir, ".state/sandbox.salt"), `${SALT}\n`);
  writeFileSync(path.join(dir, "Pulumi.sandbox.yaml"), "config:\n  hostform:x: 1\n");
  const fake = path.join(dir, ".toolchain/bin/pulumi");
  writeFileSync(fake, `#!/bin/sh\nsleep "$2"\ngrep -c '^encryptionsalt:' "${dir}/Pulumi.sandbox.yaml" >> "${dir}/seen"\n`);
  chmodSync(fake, 0o755);
  return dir;
}

const run = (dir: string, seconds: string) => new Promise<number | null>((resolve) => {
  // No passphrase of the caller's: the sandbox's own is used, which is what brings the salt in.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("PULUMI_CONFIG_PASSPHRASE")));
  spawn("bash", [path.join(dir, "scripts/pulumi.sh"), "wait", seconds, "--stack", "sandbox"], { env, stdio: "ignore" }).on("exit", resolve);
});

describe("scripts/pulumi.sh: the sandbox salt under runs at the same time", () => {
  it("every run sees the salt once; after the last one the file has none and .state keeps it", async () => {
    const dir = fakeCheckout();
    expect(await Promise.all(["0.6", "0.1", "0.3", "0.2", "0.5"].map((s) => run(dir, s)))).toEqual([0, 0, 0, 0, 0]);
    expect(readFileSync(path.join(dir, "seen"), "utf8")).toBe("1\n1\n1\n1\n1\n");
    expect(readFileSync(path.join(dir, "Pulumi.sandbox.yaml"), "utf8")).toBe("config:\n  hostform:x: 1\n");
    expect(readFileSync(path.join(dir, ".state/sandbox.salt"), "utf8")).toBe(`${SALT}\n`);
  });
});
