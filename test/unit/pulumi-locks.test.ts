import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

// scripts/pulumi.sh removes the state lock a killed pulumi left in a file backend, and only that one.
const ROOT = path.resolve(__dirname, "../..");

describe("scripts/pulumi.sh and stale locks", () => {
  it("removes a lock whose process no longer runs on this machine, keeps a live one and another machine's", () => {
    const backend = mkdtempSync(path.join(tmpdir(), "hostform-locks-"));
    const dir = path.join(backend, ".pulumi/locks/organization/hostform/st");
    mkdirSync(dir, { recursive: true });
    const lock = (name: string, pid: number, host = hostname()) => {
      writeFileSync(path.join(dir, name), JSON.stringify({ pid, username: "root", hostname: host, timestamp: "2026-01-01T00:00:00Z" }));
      return path.join(dir, name);
    };
    const dead = lock("dead.json", 2 ** 22 + 1);
    const live = lock("live.json", process.pid);
    const elsewhere = lock("elsewhere.json", 2 ** 22 + 1, "another-machine");
    const r = spawnSync("bash", [path.join(ROOT, "scripts/pulumi.sh"), "preview", "--stack", "st", "--non-interactive"], {
      cwd: ROOT, encoding: "utf8", env: { ...process.env, PULUMI_BACKEND_URL: `file://${backend}?no_tmp_dir=true`, PULUMI_CONFIG_PASSPHRASE: "x" },
    });
    expect(r.stderr).toContain(`hostform: removed the lock of stack st left by pulumi pid ${2 ** 22 + 1}, which no longer runs`);
    expect([existsSync(dead), existsSync(live), existsSync(elsewhere)]).toEqual([false, true, true]);
  });
});
