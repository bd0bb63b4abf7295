/**
 * The repository's own shell scripts (set-up, CI, wrappers) pass shellcheck at warning level.
 * Golden host-script fixtures are fragments pinned by exact-text tests, not run here.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

const scripts = execFileSync("git", ["ls-files", "*.sh", ".ci/run"], { encoding: "utf8" })
  .split("\n").filter((f) => f && !f.startsWith("test/fixtures/"));

describe("shell scripts", () => {
  it("are found (the list is not empty)", () => {
    expect(scripts).toContain("scripts/setup.sh");
    expect(scripts).toContain(".ci/run");
  });

  it("pass shellcheck -S warning (setup.sh installs shellcheck)", () => {
    const r = spawnSync("shellcheck", ["-S", "warning", "-f", "gcc", ...scripts], { encoding: "utf8" });
    expect(r.error, "shellcheck is not installed: run `npm run setup`").toBeUndefined();
    expect(r.stdout).toBe("");
    expect(r.status).toBe(0);
  });
});
