import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

// scripts/use-node.sh (sourced by setup.sh, test.sh, pulumi.sh, demo.sh): hostform runs on Node 24,
// or on the machine's node when that is 22 or 24; on a machine whose node is 20 (Debian's) the
// project's Node 24 from install-node.sh goes first on PATH. A stand-in install-node.sh records
// its call and prints a folder whose `node` says v24; stand-in machine nodes say other versions.
const ROOT = path.resolve(__dirname, "../..");
const dir = mkdtempSync(path.join(tmpdir(), "hostform-use-node-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
mkdirSync(path.join(dir, "scripts"));
copyFileSync(path.join(ROOT, "scripts/use-node.sh"), path.join(dir, "scripts/use-node.sh"));
const installed = path.join(dir, "installed");
const fakeNode = (bin: string, version: string) => {
  mkdirSync(bin, { recursive: true });
  writeFileSync(path.join(bin, "node"), `#!/bin/sh\necho ${version}\n`);
  chmodSync(path.join(bin, "node"), 0o755);
};
fakeNode(installed, "v24.22.3");
writeFileSync(path.join(dir, "scripts/install-node.sh"), `echo called >> "${dir}/install-calls"\necho "${installed}"\n`);

/** `node --version` after sourcing use-node.sh with `machine`'s node on PATH (none: no node), and whether it installed. */
function after(machine: string | null): { version: string; installed: boolean } {
  const bin = path.join(dir, `machine-${machine ?? "none"}`);
  if (machine) fakeNode(bin, machine);
  else mkdirSync(bin, { recursive: true });
  rmSync(path.join(dir, "install-calls"), { force: true });
  const script = `set -euo pipefail; source "${dir}/scripts/use-node.sh"; node --version; [ -e "${dir}/install-calls" ] && echo installed || echo kept`;
  const r = spawnSync("/bin/bash", ["-c", script], { encoding: "utf8", env: { PATH: `${bin}:/usr/bin:/bin`, HOME: dir } });
  expect(r.status, r.stderr).toBe(0);
  const [version, what] = r.stdout.trim().split("\n");
  return { version, installed: what === "installed" };
}

describe("scripts/use-node.sh", () => {
  it("puts the project's Node 24 first where the machine's node is 20, or where there is none", () => {
    expect(after("v20.20.2")).toEqual({ version: "v24.22.3", installed: true });
    expect(after(null)).toEqual({ version: "v24.22.3", installed: true });
  });

  it("keeps the machine's node when it is 22 or 24, and installs nothing", () => {
    expect(after("v22.23.3")).toEqual({ version: "v22.23.3", installed: false });
    expect(after("v24.1.0")).toEqual({ version: "v24.1.0", installed: false });
  });
});
