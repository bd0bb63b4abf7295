import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

// scripts/demo.sh converges the sandbox stack, whose hosts come from .sandbox/inventory.json
// (Pulumi.sandbox.yaml). A sandbox kept elsewhere would start hosts the stack never sees: the demo
// refuses it before it installs or starts anything.
const ROOT = path.resolve(__dirname, "../..");

describe("scripts/demo.sh and HOSTFORM_SANDBOX_DIR", () => {
  it("refuses a sandbox directory the sandbox stack does not read, saying what to do", () => {
    const r = spawnSync("bash", [path.join(ROOT, "scripts/demo.sh")], { env: { ...process.env, HOSTFORM_SANDBOX_DIR: "/nonexistent/elsewhere" }, encoding: "utf8", timeout: 20_000 });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe("[demo] HOSTFORM_SANDBOX_DIR=/nonexistent/elsewhere: the demo's stack reads .sandbox/inventory.json (Pulumi.sandbox.yaml); unset HOSTFORM_SANDBOX_DIR and run it again\n");
  });
});
