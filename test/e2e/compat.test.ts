import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectionOf, hostExec, ROOT, sandbox, TestStack } from "./harness";

// Dynamic providers keep their serialized code in state and refresh runs that code. State written
// by hostform 0.1.0 (its serialized shim, recorded in test/fixtures, and the outputs' shape before
// schema 1) must be read, diffed and repaired by the code installed now.
const HOST = "e2e-compat";
const OLD_SHIM = readFileSync(path.join(__dirname, "../fixtures/provider-0.1.0-file.txt"), "utf8");

describe("state written by an older hostform", () => {
  const stack = new TestStack(ROOT);

  beforeAll(async () => {
    const [h] = await sandbox.up([{ name: HOST, flavor: "container" }]);
    await stack.init();
    const c = connectionOf(h);
    stack.setConfig({ "hostform:hosts": [{ name: HOST, flavor: "container", role: "none", address: c.host, port: c.port, user: c.user, hostKey: c.hostKey, privateKeyPath: c.privateKeyPath }] });
  });
  afterAll(async () => {
    await sandbox.down([HOST]);
    stack.remove();
  });

  it("refreshes, reports no drift, then sees and repairs drift", async () => {
    expect((await stack.up()).code).toBe(0);

    // Rewrite the state as 0.1.0 left it: its shim, and `state` where outputs now say `observed`.
    const file = path.join(stack.dir, "old.json");
    const exported = await stack.pulumi("stack", "export", "--file", file);
    expect(exported.code, exported.all).toBe(0);
    const deployment = JSON.parse(readFileSync(file, "utf8"));
    let rewritten = 0;
    for (const r of deployment.deployment.resources) {
      if (!String(r.type).startsWith("pulumi-nodejs:dynamic")) continue;
      r.inputs.__provider = OLD_SHIM;
      r.outputs.__provider = OLD_SHIM;
      r.outputs.state = r.outputs.observed;
      delete r.outputs.observed;
      delete r.outputs.hostformSchema;
      rewritten++;
    }
    expect(rewritten).toBe(1);
    writeFileSync(file, JSON.stringify(deployment));
    expect((await stack.pulumi("stack", "import", "--file", file)).code).toBe(0);

    const refresh = await stack.refresh();
    expect(refresh.code, refresh.all).toBe(0);
    const clean = await stack.drift();
    expect(clean.code, clean.all).toBe(0);

    await hostExec(HOST, "echo '{}' > /etc/hostform/host.json");
    const drift = await stack.drift();
    expect(drift.code).toBe(7);
    expect(drift.all).toContain(`+ host     : "${HOST}"`); // Pulumi shows JSON content as a structured diff
    expect((await stack.up("--refresh")).code).toBe(0);
    expect(JSON.parse(await hostExec(HOST, "cat /etc/hostform/host.json")).host).toBe(HOST);
  });
});
