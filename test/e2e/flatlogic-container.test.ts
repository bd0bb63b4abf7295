import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectionOf, hostExec, ROOT, sandbox, summary, TestStack, until } from "./harness";

// Issue 8: the init flavor is one block. A Flatlogic host without an init system (a container)
// gets /root/onstart.sh, which brings Apache and PM2 back after a restart.
const HOST = "e2e-flat-ctr";

describe("Flatlogic VM topology on a container host", () => {
  const stack = new TestStack(ROOT);
  let h: sandbox.SandboxHost;

  beforeAll(async () => {
    [h] = await sandbox.up([{ name: HOST, flavor: "container" }]);
    const repo = sandbox.publishRepo(h, path.join(ROOT, "test/fixtures/flatlogic-app"), "/srv/git/app.git");
    await stack.init();
    const c = connectionOf(h);
    stack.setConfig({
      "hostform:hosts": [{ name: HOST, flavor: "container", role: "flatlogic", address: c.host, port: c.port, user: c.user, hostKey: c.hostKey, privateKeyPath: c.privateKeyPath }],
      "hostform:flatlogic": { repo: repo.remote, serverName: "app.example.test", node: { source: "npm-registry" }, executorFrom: "workspace", healthTimeoutSeconds: 60 },
    });
  });
  afterAll(async () => {
    await sandbox.down([HOST]);
    stack.remove();
  });

  it("converges, and after a container restart Apache and the PM2 apps are back through onstart.sh", async () => {
    const up = await stack.up();
    expect(up.code, up.all).toBe(0);
    const again = await stack.up();
    expect(again.code, again.all).toBe(0);
    expect(Object.keys(summary(again.all))).toEqual(["unchanged"]);
    expect(await hostExec(HOST, "stat -c '%a %U' /root/onstart.sh; test -x /etc/hostform/boot.d/50-apache2 && echo apache-hook")).toBe("755 root\napache-hook\n");

    await sandbox.restart(HOST);
    const served = () => hostExec(HOST, "curl -s -o /dev/null -o /dev/null -w '%{http_code} ' http://127.0.0.1/ http://127.0.0.1:3000/api/auth/me || :");
    expect(await until(served, (s) => s === "200 401 ", 90)).toBe("200 401 ");
    expect((await stack.drift()).code).toBe(0);
  });

  it("rotates PM2's logs: cron, brought back at boot, runs logrotate daily; a forced rotation rotates the app user's PM2 logs as that user", async () => {
    // After the restart above, cron is running again through its boot hook (no systemd timer here).
    expect(await hostExec(HOST, "test -x /etc/hostform/boot.d/50-cron && pgrep -x cron >/dev/null && test -x /etc/cron.daily/logrotate && echo cron")).toBe("cron\n");
    expect(await hostExec(HOST, "logrotate -f /etc/logrotate.d/flatlogic-pm2 && stat -c '%U' /home/ubuntu/.pm2/pm2.log.1 && ls /home/ubuntu/.pm2/logs | grep -c '\\.log\\.1$'")).toMatch(/^ubuntu\n[1-9][0-9]*\n$/);
    expect((await stack.drift()).code).toBe(0);
  });
});
