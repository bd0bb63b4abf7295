import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeAll, openedConnections, session } from "../../components/host/ssh";
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
    const started = Date.now();
    await expect(session({ ...connectionOf(h), privateKeyPath: path.join(dir, "k") })).rejects.toThrow(/SSH auth refused by root@[\d.]+:22/);
    expect(Date.now() - started).toBeLessThan(5000); // no retries: another try cannot succeed
  });

  it("retries an unreachable host with backoff, then says it is unreachable", async () => {
    const started = Date.now();
    await expect(session({ ...connectionOf(h), port: 2 })).rejects.toThrow(/SSH host unreachable: root@[\d.]+:2 .*ECONNREFUSED/);
    expect(Date.now() - started).toBeGreaterThan(7000); // 0.5 + 1 + 2 + 4 s of backoff
  });
});
