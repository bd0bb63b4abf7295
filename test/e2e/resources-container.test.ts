import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectionOf, hostExec, sandbox, summary, TestStack } from "./harness";

// Issue 3 on a host without systemd (a Vast.ai-like container): services run through their SysV
// scripts and a boot hook; drift and repair work the same way.
const PROGRAM = path.join(__dirname, "programs/resources");
const HOST = "e2e-res-ctr";

describe("host resources on a container host (no systemd)", () => {
  const stack = new TestStack(PROGRAM);

  beforeAll(async () => {
    const [h] = await sandbox.up([{ name: HOST, flavor: "container" }]);
    await stack.init();
    stack.setConfig({ "test:connection": connectionOf(h), "test:flavor": "container", "test:bulk": 0 });
    expect((await stack.pulumi("config", "set", "--secret", "test:token", "container-SECRET")).code).toBe(0);
  });
  afterAll(async () => {
    await sandbox.down([HOST]);
    stack.remove();
  });

  it("converges, runs the service through its init script with a boot hook, and repairs a stopped service", async () => {
    const first = await stack.up();
    expect(first.code, first.all).toBe(0);
    expect(await hostExec(HOST, "/etc/init.d/cron status >/dev/null && echo running; cat /etc/hostform/boot.d/50-cron")).toBe(
      "running\n#!/bin/sh\nexec /etc/init.d/cron start\n",
    );
    const second = await stack.up();
    expect(second.code, second.all).toBe(0);
    expect(summary(second.all)).toEqual({ unchanged: 9 });

    await hostExec(HOST, "/etc/init.d/cron stop >/dev/null; rm /etc/hostform/boot.d/50-cron");
    const drift = await stack.drift();
    expect(drift.code).toBe(7);
    expect(drift.all).toContain("~ running   : false => true");
    expect(drift.all).toContain("~ enabled   : false => true");
    expect((await stack.up()).code).toBe(0);
    expect(await hostExec(HOST, "/etc/init.d/cron status >/dev/null && echo running; test -x /etc/hostform/boot.d/50-cron && echo hooked")).toBe("running\nhooked\n");
    expect((await stack.drift()).code).toBe(0);
  });
});
