/**
 * Shared blocks the MetaHuman OS topology added: cluster workers counted per instance (run against
 * a fake pm2 with the local shell), Health's command checks, and the optional unit.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { workersCheck, workersRun } from "../../components/blocks/pm2/workers";
import { checkScript, failures, parseHealth } from "../../components/host/kinds/health";
import { strict } from "../../components/host/quote";
import { convergeUnitScript, unit } from "../../components/host/kinds/unit";
import { localSession } from "./local-session";

let dir: string;
const home = () => path.join(dir, "home");
/** A pm2 that lists `instances` (pm_id and status) for jlist and logs every other call. */
function fakePm2(instances: [number, string][]): void {
  writeFileSync(path.join(dir, "jlist.json"), JSON.stringify([
    ...instances.map(([id, status]) => ({ name: "web", pm_id: id, pm2_env: { status, env: { SECRET: "never printed" } } })),
    { name: "other", pm_id: 9, pm2_env: { status: "errored" } },
  ]));
}
const args = (instances: number | "max") => ({ user: "root", home: home(), pm2Bin: path.join(dir, "pm2"), nodeBinDir: path.dirname(process.execPath), app: "web", instances });
const exec = (script: string) => localSession.exec(strict(script));

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "hostform-workers-"));
  mkdirSync(path.join(home(), ".pm2"), { recursive: true });
  writeFileSync(path.join(home(), ".pm2", "pm2.pid"), `${process.pid}\n`);
  writeFileSync(path.join(dir, "pm2"), `#!/bin/bash
if [ "$1" = jlist ]; then cat ${dir}/jlist.json; else echo "$*" >> ${dir}/calls; fi
`);
  chmodSync(path.join(dir, "pm2"), 0o755);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("cluster workers, per instance", () => {
  it("are in place when exactly the wanted instances run, all online", async () => {
    fakePm2([[0, "online"], [1, "online"]]);
    expect(await exec(workersCheck(args(2)))).toEqual({ code: 0, stdout: "", stderr: "" });
  });

  it("see a stopped worker behind a healthy one, and a missing one", async () => {
    fakePm2([[0, "online"], [1, "stopped"]]);
    expect(await exec(workersCheck(args(2)))).toMatchObject({ code: 1, stdout: "web: 1 of 2 workers online (pm_id 1 stopped)\n" });
    fakePm2([[0, "online"]]);
    expect(await exec(workersCheck(args(2)))).toMatchObject({ code: 1, stdout: "web: 1 of 2 workers online\n" });
  });

  it("count max as PM2 does: one per CPU", async () => {
    const cpus = (await import("node:os")).cpus().length;
    fakePm2(Array.from({ length: cpus }, (_, i) => [i, "online"] as [number, string]));
    expect((await exec(workersCheck(args("max")))).code).toBe(0);
  });

  it("are put back by restarting each instance that is not online, then scaling to the count", async () => {
    fakePm2([[0, "errored"], [1, "online"], [2, "stopped"]]);
    rmSync(path.join(dir, "calls"), { force: true });
    expect((await exec(workersRun(args(2)))).code).toBe(0);
    expect(readFileSync(path.join(dir, "calls"), "utf8")).toBe("restart 0\nrestart 2\nscale web 2\nsave --force\n");
  });

  it("are not scaled when they already number the count (PM2 would fail with \"Nothing to do\")", async () => {
    fakePm2([[0, "stopped"], [1, "online"]]);
    rmSync(path.join(dir, "calls"), { force: true });
    expect((await exec(workersRun(args(2)))).code).toBe(0);
    expect(readFileSync(path.join(dir, "calls"), "utf8")).toBe("restart 0\nsave --force\n");
  });

  it("say so when PM2 is not running", async () => {
    writeFileSync(path.join(home(), ".pm2", "pm2.pid"), "999999999\n");
    expect(await exec(workersCheck(args(1)))).toMatchObject({ code: 1, stdout: "web: PM2 is not running\n" });
    writeFileSync(path.join(home(), ".pm2", "pm2.pid"), `${process.pid}\n`);
  });
});

describe("Health command checks", () => {
  const i = {
    connection: { host: "h", port: 22, user: "root", hostKey: "k" }, checks: [],
    commands: [{ name: "fine", command: "true" }, { name: "agents", command: "echo checking\necho 'agents not active: a.service=failed'\nexit 1" }],
  };
  it("run each command on the host and keep its last line when it fails", async () => {
    const o = parseHealth((await localSession.exec(checkScript(i))).stdout);
    expect(o.commands).toEqual({ fine: "ok", agents: "agents not active: a.service=failed" });
    expect(failures(i, o)).toEqual(["agents: agents not active: a.service=failed"]);
  });
  it("count a command that did not report as failed", () => {
    expect(failures(i, { results: {}, apps: {}, commands: { fine: "ok" } })).toEqual(["agents: not run"]);
  });
});

describe("an optional unit", () => {
  const i = { connection: { host: "h", port: 22, user: "root", hostKey: "k" }, name: "tunnel.service", content: "[Service]\n", optional: true };
  it("that does not run is not drift", () => {
    expect(unit.drifted(i, { exists: true, sha256: "x", enabled: true, active: false })).toEqual(["content"]);
    expect(unit.drifted({ ...i, optional: false }, { exists: true, sha256: "x", enabled: true, active: false })).toEqual(["content", "active"]);
  });
  it("is given a fresh start, and a failed start is reported, not fatal", () => {
    const text = convergeUnitScript(i);
    expect(text).toContain(`if ! systemctl is-active --quiet -- "$u"; then systemctl reset-failed -- "$u" 2>/dev/null || :; systemctl start -- "$u" || :; started=yes\n`);
    expect(text).toContain(`  if ! systemctl is-active --quiet -- "$u"; then echo "optional unit $u is not running" >&2; fi\n`);
  });
});
