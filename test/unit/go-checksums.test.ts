import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

// Security review, previous 17: the toolchain's Go builds keep the checksum database on. The
// install script runs here against a stand-in `go` that records the GOSUMDB it was given and fails,
// so nothing is built or installed.
const ROOT = path.resolve(__dirname, "../..");
const fake = mkdtempSync(path.join(tmpdir(), "hf-gosumdb-"));
const record = path.join(fake, "gosumdb");
writeFileSync(path.join(fake, "go"), `#!/bin/sh\nprintf '%s' "\${GOSUMDB-<unset>}" > "${record}"\nexit 3\n`);
chmodSync(path.join(fake, "go"), 0o755);
afterAll(() => rmSync(fake, { recursive: true, force: true }));

function gosumdbSeen(extra: Record<string, string>): { seen: string; stderr: string } {
  rmSync(record, { force: true });
  const env: Record<string, string> = { PATH: `${fake}:/usr/bin:/bin`, HOME: fake, ACTIONLINT_VERSION: "0.0.0-checksum-test", ...extra };
  const r = spawnSync("bash", [path.join(ROOT, "scripts/install-actionlint.sh")], { env, encoding: "utf8" });
  expect(r.status).toBe(3); // the stand-in go's exit: the script reached the build
  return { seen: readFileSync(record, "utf8"), stderr: r.stderr };
}

describe("Go builds keep the checksum database on", () => {
  it("does not set GOSUMDB by default", () => {
    const { seen, stderr } = gosumdbSeen({});
    expect(seen).toBe("<unset>");
    expect(stderr).not.toContain("WARNING");
  });

  it("turns it off only for HOSTFORM_GOSUMDB_OFF=1, with a warning", () => {
    const { seen, stderr } = gosumdbSeen({ HOSTFORM_GOSUMDB_OFF: "1" });
    expect(seen).toBe("off");
    expect(stderr).toContain("WARNING: HOSTFORM_GOSUMDB_OFF=1");
  });

  it("has no other place that turns it off", () => {
    const r = spawnSync("git", ["grep", "-n", "GOSUMDB=off", "--", ".", ":!test/unit/go-checksums.test.ts"], { cwd: ROOT, encoding: "utf8" });
    const lines = r.stdout.trim().split("\n").filter(Boolean);
    expect(lines.map((l) => l.split(":")[0]).sort()).toEqual(["scripts/install-actionlint.sh", "scripts/install-pulumi.sh"]);
    for (const l of lines) expect(l).toMatch(/export GOSUMDB=off$/);
  });
});
