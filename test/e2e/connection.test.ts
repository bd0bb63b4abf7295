import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeAll, connectAttempts, openedConnections, session } from "../../components/host/ssh";
import { connectionOf, sandbox } from "./harness";

// The SSH layer on its own, against a real sshd: reuse, pinning, failures that say what to do.
const HOST = "e2e-conn";

describe("SSH connections", () => {
  let h: sandbox.SandboxHost;
  beforeAll(async () => {
    [h] = await sandbox.up([{ name: HOST, flavor: "container" }]);
  });
  afterAll(async () => {
    await closeAll();
    await sandbox.down([HOST]);
  });

  it("opens one connection per host and runs many commands over it, in parallel", async () => {
    const before = openedConnections();
    const results = await Promise.all(Array.from({ length: 40 }, async (_, n) => (await session(connectionOf(h))).run(`echo ${n}`, `echo ${n}`)));
    expect(results).toEqual(Array.from({ length: 40 }, (_, n) => `${n}\n`));
    expect(openedConnections() - before).toBe(1);
  });

  it("reports a failing command with its exit code and step instead of resolving quietly", async () => {
    const s = await session(connectionOf(h));
    expect(await s.exec("exit 3")).toEqual({ code: 3, stdout: "", stderr: "" });
    await expect(s.run("read config", "cd /nonexistent && echo ran")).rejects.toThrow(/read config failed on root@[\d.]+:22 \(exit 1\): .*nonexistent/);
  });

  it("passes stdin through untouched, so secrets never need a command line", async () => {
    const s = await session(connectionOf(h));
    expect(await s.run("cat", "cat", "a 'b' $(c)\n")).toBe("a 'b' $(c)\n");
  });

  it("refuses a wrong private key at once, naming the host", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "hf-key-"));
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path.join(dir, "k")]);
    const before = connectAttempts();
    await expect(session({ ...connectionOf(h), privateKeyPath: path.join(dir, "k") })).rejects.toThrow(/SSH auth refused by root@[\d.]+:22/);
    expect(connectAttempts() - before).toBe(1); // no retry: another try cannot succeed
  });

  it("retries a refused host once, says it refuses, and fails every later use of it at once (issue 25)", async () => {
    const started = Date.now();
    const before = connectAttempts();
    const c = { ...connectionOf(h), port: 2, name: "conn-refused" };
    await expect(session(c)).rejects.toThrow(new RegExp(`^host conn-refused \\(root@${h.address}:2\\) refused the SSH connection: the machine answers but nothing listens on port 2 `));
    expect(connectAttempts() - before).toBe(2); // the one retry,
    expect(Date.now() - started).toBeGreaterThan(1000); // after a pause (a lower bound: load cannot break it)
    const again = connectAttempts();
    await expect(session(c)).rejects.toThrow(`host conn-refused (root@${h.address}:2) is unreachable in this run (connection refused (sshd not listening)): skipped`);
    expect(connectAttempts()).toBe(again); // at once: no new try
  });
});
