import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectionOf, hostExec, sandbox, summary, TestStack } from "./harness";

// Issue 21, stage 1 (docs/go-provider.md): the Go provider plugin serves one kind, Directory,
// through the real CLI against a sandbox host: create, no-op, drift and its repair, a refused
// host key, destroy.
const PROGRAM = path.join(__dirname, "programs/go-provider");
const HOST = "gp-dir";
const DIR = "/srv/gp dir";

describe("the Go provider plugin (hostform-ssh:host:Directory)", () => {
  const stack = new TestStack(PROGRAM);
  let h: sandbox.SandboxHost;

  beforeAll(async () => {
    [h] = await sandbox.up([{ name: HOST, flavor: "container" }]);
    await stack.init();
    stack.setConfig({ "test:connection": connectionOf(h) });
  });
  afterAll(async () => {
    await sandbox.down([HOST]);
    stack.remove();
  });

  const stat = () => hostExec(HOST, `stat -c '%a %U %G' '${DIR}'`);

  it("up creates the directory through the plugin; a second up and drift change nothing", async () => {
    const first = await stack.up();
    expect(first.code, first.all).toBe(0);
    expect(await stat()).toBe("750 root adm\n");

    const exported = await stack.pulumi("stack", "export");
    const resources = JSON.parse(exported.stdout).deployment.resources as { type: string; urn: string }[];
    expect(resources.map((r) => r.type).sort()).toEqual(["hostform-ssh:host:Directory", "pulumi:providers:hostform-ssh", "pulumi:pulumi:Stack"]);

    const again = await stack.pulumi("preview", "--expect-no-changes");
    expect(again.code, again.all).toBe(0);
    const second = await stack.up();
    expect(second.code, second.all).toBe(0);
    expect(summary(second.all)).toEqual({ unchanged: 2 });
    const drift = await stack.drift();
    expect(drift.code, drift.all).toBe(0);
  });

  it("a change on the host is drift, and the next up repairs it", async () => {
    await hostExec(HOST, `chmod 0777 '${DIR}' && chgrp root '${DIR}'`);
    const drift = await stack.drift();
    expect(drift.code, drift.all).toBe(7); // --expect-no-changes with changes proposed
    // The refreshed state on the left, the code on the right: only the keys the provider's diff names.
    expect(drift.all).toContain(`~ group: "root" => "adm"\n      ~ mode : "0777" => "0750"\n`);

    const repair = await stack.up();
    expect(repair.code, repair.all).toBe(0);
    expect(await stat()).toBe("750 root adm\n");
    const clean = await stack.drift();
    expect(clean.code, clean.all).toBe(0);

    // Removed by hand: drift says so, up creates it again.
    await hostExec(HOST, `rmdir '${DIR}'`);
    const gone = await stack.drift();
    expect(gone.code, gone.all).toBe(7);
    expect(gone.all).toContain(`~ mode: "(missing on the host)" => "0750"`);
    const again = await stack.up();
    expect(again.code, again.all).toBe(0);
    expect(await stat()).toBe("750 root adm\n");
  });

  it("a host presenting a key the stack does not pin is refused, and nothing is changed on it", async () => {
    const keys = mkdtempSync(path.join(tmpdir(), "gp-key-"));
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path.join(keys, "k")]);
    const otherKey = readFileSync(path.join(keys, "k.pub"), "utf8").trim();
    await hostExec(HOST, `chmod 0700 '${DIR}'`);
    stack.setConfig({ "test:connection": { ...connectionOf(h), hostKey: otherKey } });
    const refused = await stack.up();
    expect(refused.code).not.toBe(0);
    expect(refused.all).toMatch(/host key mismatch for \S+: the host presented SHA256:\S+ but the stack pins SHA256:\S+\. Nothing was changed on the host\./);
    expect(await stat()).toBe("700 root adm\n");

    stack.setConfig({ "test:connection": connectionOf(h) });
    const repair = await stack.up();
    expect(repair.code, repair.all).toBe(0);
    expect(await stat()).toBe("750 root adm\n");
  });

  it("a private key given as a secret is used, and stays out of the state file and the output", async () => {
    const key = readFileSync(h.privateKeyPath, "utf8");
    const { privateKeyPath: _path, ...withoutPath } = connectionOf(h);
    stack.setConfig({ "test:connection": withoutPath });
    const set = await stack.pulumiWithInput(key, "config", "set", "--secret", "test:privateKey");
    expect(set.code, set.all).toBe(0);
    await hostExec(HOST, `chmod 0700 '${DIR}'`);
    const r = await stack.up();
    expect(r.code, r.all).toBe(0);
    expect(await stat()).toBe("750 root adm\n");

    const exported = await stack.pulumi("stack", "export");
    const body = key.split("\n").filter((l) => l && !l.startsWith("-----")).slice(1, 3);
    expect(body.length).toBe(2);
    const dir = (JSON.parse(exported.stdout).deployment.resources as { type: string; inputs: Record<string, unknown>; outputs: Record<string, unknown> }[])
      .find((x) => x.type === "hostform-ssh:host:Directory")!;
    // The whole connection is a secret in state (ciphertext), inputs and outputs alike.
    expect(Object.keys(dir.outputs.connection as object)).toEqual(["4dabf18193072939515e22adb298388d", "ciphertext"]);
    expect(Object.keys(dir.inputs.connection as object)).toEqual(["4dabf18193072939515e22adb298388d", "ciphertext"]);
    for (const line of body) {
      expect(exported.stdout).not.toContain(line);
      expect(stack.output).not.toContain(line);
    }
    const drift = await stack.drift();
    expect(drift.code, drift.all).toBe(0);
  });

  it("destroy removes the directory and its manager record", async () => {
    const r = await stack.destroy();
    expect(r.code, r.all).toBe(0);
    expect(await hostExec(HOST, `if [ -e '${DIR}' ]; then echo present; else echo absent; fi; ls -A /var/lib/hostform/owners | wc -l`)).toBe("absent\n0\n");
  });
});
