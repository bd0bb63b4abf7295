import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectionOf, hostExec, ROOT, run, sandbox, summary, TestStack } from "./harness";

// Issue 2: the project's own toolchain drives the main program (infra/) against a real host.
const HOST = "e2e-found";

describe("foundation: real Pulumi CLI against a sandbox host", () => {
  const stack = new TestStack(ROOT);

  beforeAll(async () => {
    const [h] = await sandbox.up([{ name: HOST, flavor: "systemd" }]);
    await stack.init();
    stack.setConfig({ "hostform:hosts": [{ name: HOST, flavor: "systemd", role: "none", address: h.address, ...pick(connectionOf(h)) }] });
  });
  afterAll(async () => {
    await sandbox.down([HOST]);
    stack.remove();
  });

  it("runs the installed CLI at the SDK's version", async () => {
    const r = await run("bash", ["scripts/pulumi.sh", "version"]);
    expect(r.stdout.trim()).toBe("v3.276.0");
  });

  it("up creates the managed file; a second up changes nothing; destroy removes it", async () => {
    const first = await stack.up();
    expect(first.code, first.all).toBe(0);
    expect(summary(first.all)).toEqual({ created: 2 });
    const onHost = JSON.parse(await hostExec(HOST, "cat /etc/hostform/host.json"));
    expect(onHost).toEqual({ managedBy: "hostform", stack: stack.name, host: HOST, flavor: "systemd" });

    const second = await stack.up();
    expect(second.code, second.all).toBe(0);
    expect(summary(second.all)).toEqual({ unchanged: 2 });
    const drift = await stack.drift();
    expect(drift.code, drift.all).toBe(0);

    const destroyed = await stack.destroy();
    expect(destroyed.code, destroyed.all).toBe(0);
    expect(await hostExec(HOST, "test -e /etc/hostform/host.json && echo present || echo absent")).toBe("absent\n");
  });
});

function pick(c: ReturnType<typeof connectionOf>) {
  return { port: c.port, user: c.user, hostKey: c.hostKey, privateKeyPath: c.privateKeyPath };
}
