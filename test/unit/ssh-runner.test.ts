import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { RUNNER } from "../../components/host/ssh";

// The wrapper every remote script runs in, run by the local bash (no sshd ancestor here, so only
// its timeout acts).
const runner = (script: string, timeout: number, input = "") =>
  spawnSync("bash", ["-c", RUNNER, "hostform", script, String(timeout)], { input, encoding: "utf8" });

describe("remote command runner", () => {
  it("passes stdin, stdout, stderr and the exit status through untouched, and ends with the script", () => {
    const started = Date.now();
    const r = runner("cat; echo err >&2; exit 3", 60, "a 'b' $(c)\n");
    expect([r.status, r.stdout, r.stderr]).toEqual([3, "a 'b' $(c)\n", "err\n"]);
    // The watchdog sleeps in 1 s steps: holding the output open would delay every command.
    expect(Date.now() - started).toBeLessThan(900);
  });

  it("kills the whole tree at the timeout, a child in a session of its own too (runuser does that), and says so", () => {
    const pidFile = path.join(mkdtempSync(path.join(tmpdir(), "hostform-runner-")), "pid");
    const started = Date.now();
    const r = runner(`setsid sleep 120 & echo $! > ${pidFile}; sleep 120`, 1);
    expect(r.status).toBe(124);
    expect(r.stderr).toBe("hostform: timed out after 1 s on the host\n");
    expect(Date.now() - started).toBeLessThan(12_000);
    const pid = readFileSync(pidFile, "utf8").trim();
    expect(spawnSync("kill", ["-0", pid]).status).not.toBe(0);
  });
});
