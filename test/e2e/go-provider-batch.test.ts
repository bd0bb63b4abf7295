import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectionOf, hostExec, sandbox, summary, TestStack, until } from "./harness";

// Issue 21, stage 3 (docs/go-provider.md, "One exec per host for a read"): a refresh reads all of a
// host's resources through the Go provider in one SSH exec, counted on the host: sshd runs every
// command through a wrapper (ForceCommand) that logs one line per exec of hostform's runner.
const PROGRAM = path.join(__dirname, "programs/go-provider-batch");
const HOST = "gb-batch";
const ROOT = "/srv/gb batch";
const RESOURCES = 7; // 4 directories, 3 files
const LOG = "/var/log/gb-execs";

// The runner's command line is `bash -c '<runner>' hostform '<script>' <timeout>`; the harness's own
// commands are not counted.
const WRAPPER = `#!/bin/sh
case "$SSH_ORIGINAL_COMMAND" in *"' hostform '"*) echo "$(date +%s.%N)" >> ${LOG} ;; esac
exec /bin/bash -c "$SSH_ORIGINAL_COMMAND"
`;

describe("the Go provider reads a host in one exec per refresh", () => {
  const stack = new TestStack(PROGRAM);
  const execs = async () => Number((await hostExec(HOST, `if [ -f ${LOG} ]; then wc -l < ${LOG}; else echo 0; fi`)).trim());
  /** What `npm run drift` runs, and how many execs of the runner the host saw meanwhile. */
  async function counted(...extra: string[]) {
    const before = await execs();
    const r = await stack.pulumi("preview", "--refresh", "--expect-no-changes", "--diff", ...extra);
    return { ...r, execs: (await execs()) - before };
  }

  beforeAll(async () => {
    const [h] = await sandbox.up([{ name: HOST, flavor: "container" }]);
    // sshd is the container's PID 1: SIGHUP makes it read its configuration again.
    await hostExec(HOST, `cat > /usr/local/sbin/gb-exec-log <<'EOF'\n${WRAPPER}EOF
chmod 0755 /usr/local/sbin/gb-exec-log
echo 'ForceCommand /usr/local/sbin/gb-exec-log' > /etc/ssh/sshd_config.d/00-gb-exec-log.conf
kill -HUP 1`);
    const ready = await until(() => sandbox.exec(HOST, "sshd -T 2>/dev/null | grep -i '^forcecommand'"), (r) => r.code === 0, 30);
    expect(ready.stdout.trim()).toBe("forcecommand /usr/local/sbin/gb-exec-log");
    await stack.init();
    stack.setConfig({ "test:connection": connectionOf(h) });
    const set = await stack.pulumi("config", "set", "--secret", "test:token", "gb-token");
    expect(set.code, set.all).toBe(0);
  });
  afterAll(async () => {
    await sandbox.down([HOST]);
    stack.remove();
  });

  it("up creates them all; a refresh with raised parallelism then reads the host in one exec", async () => {
    const up = await stack.up();
    expect(up.code, up.all).toBe(0);
    expect(await hostExec(HOST, `cd '${ROOT}' && stat -c '%a %U %G %n' . a b c a/secret.env b/app.conf c/app.conf && cat b/app.conf`))
      .toBe("755 root root .\n750 root adm a\n750 root adm b\n750 root adm c\n600 root root a/secret.env\n640 root root b/app.conf\n640 root root c/app.conf\nname b\n");
    expect(await execs()).toBeGreaterThan(RESOURCES); // the wrapper counts: up ran reads and writes

    for (let n = 0; n < 2; n++) {
      const drift = await counted("--parallel", "32");
      expect(drift.code, drift.all).toBe(0);
      expect(drift.execs, drift.all).toBe(1);
    }
  });

  it("with --parallel 1 the reads come one at a time, each a batch of one, and drift still passes", async () => {
    const drift = await counted("--parallel", "1");
    expect(drift.code, drift.all).toBe(0);
    expect(drift.execs).toBe(RESOURCES);
  });

  it("each resource gets its own result from the batch: drift names what changed, and up repairs it", async () => {
    await hostExec(HOST, `cd '${ROOT}' && chmod 0700 b && echo 'name x' > c/app.conf && echo 'TOKEN=tampered' > a/secret.env`);
    const drift = await counted("--parallel", "32");
    expect(drift.code, drift.all).toBe(7); // --expect-no-changes with changes proposed
    expect(drift.execs, drift.all).toBe(1);
    expect(drift.all).toContain(`~ mode: "0700" => "0750"`);
    expect(drift.all).toContain("- name x");
    expect(drift.all).toContain("(secret content changed on the host)");
    expect(summary(drift.all)).toEqual({ "to update": 3, unchanged: RESOURCES - 3 + 1 });

    const repair = await stack.up();
    expect(repair.code, repair.all).toBe(0);
    const clean = await counted("--parallel", "32");
    expect(clean.code, clean.all).toBe(0);
    expect(clean.execs).toBe(1);
  });

  it("destroy removes them all", async () => {
    const r = await stack.destroy();
    expect(r.code, r.all).toBe(0);
    expect(await hostExec(HOST, `if [ -e '${ROOT}' ]; then echo present; else echo absent; fi; ls -A /var/lib/hostform/owners | wc -l`)).toBe("absent\n0\n");
  });
});
