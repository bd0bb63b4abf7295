import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderEnvFile } from "../../components/host/envfile";
import { OBSERVER_JS, parsePm2, type Pm2Observed, pm2Problems } from "../../components/host/kinds/pm2-observe";
import { appsToReload, convergePm2Script, gracefulApps, pm2Apps, type Pm2AppsInputs, pm2Drift } from "../../components/host/kinds/pm2";
import { renderEcosystem } from "../../components/blocks/pm2/render";

// The PM2 read-back's host side, run locally: real processes, a real env file and git repository,
// a jlist answer as PM2 gives it.
const dir = fs.mkdtempSync(path.join(tmpdir(), "hostform-pm2-"));
const repo = path.join(dir, "app");
const envFile = path.join(dir, "app.env");
const eco = path.join(dir, "ecosystem.config.js");
const SECRET = "s3cr'et $x #y";
const git = (args: string[], env: Record<string, string> = {}) => execFileSync("git", ["-C", repo, ...args], {
  encoding: "utf8", env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@t", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@t", ...env },
}).trim();

let proc: ChildProcess;

function observe(jlist: unknown[], files: Record<string, string> = { web: envFile }): string {
  const r = spawnSync(process.execPath, ["-e", OBSERVER_JS, eco, JSON.stringify(files)], { input: JSON.stringify(jlist), encoding: "utf8" });
  expect(r.stderr).toBe("");
  return r.stdout;
}

const running = (extra: Record<string, unknown> = {}) => ({
  name: "web", pid: proc.pid,
  pm2_env: { status: "online", pm_exec_path: path.join(repo, "server.js"), pm_cwd: repo, pm_uptime: Date.now(), NODE_APP_INSTANCE: 0, ...extra },
});

beforeAll(() => {
  fs.mkdirSync(repo);
  fs.writeFileSync(path.join(repo, "server.js"), "setInterval(() => {}, 1000);\n");
  execFileSync("git", ["init", "-q", "-b", "main", repo]);
  git(["add", "-A"]);
  // The reflog takes its time from the committer date: the first checkout was a minute ago.
  git(["commit", "-q", "-m", "one"], { GIT_COMMITTER_DATE: `${Math.floor(Date.now() / 1000) - 60} +0000` });
  fs.writeFileSync(envFile, renderEnvFile({ DB_PASSWORD: SECRET }));
  fs.writeFileSync(eco, renderEcosystem([{ name: "web", cwd: repo, script: "server.js", env: { PORT: "3000" }, envFile }]));
  // What PM2 would start: the ecosystem's env on top of the daemon's own.
  proc = spawn(process.execPath, ["server.js"], { cwd: repo, env: { PATH: process.env.PATH, PORT: "3000", DB_PASSWORD: SECRET, pm_id: "0" }, stdio: "ignore" });
});
afterAll(() => proc.kill());

describe("PM2 read-back on the host (node, run locally)", () => {
  it("an instance with the ecosystem's environment, script, cwd and code is the same; no value is printed", () => {
    const out = observe([running()]);
    expect(out).not.toContain("s3cr");
    const o = parsePm2(`daemon=up\n${out}`, dir);
    expect(o.instances).toEqual([{ app: "web", instance: 0, status: "online", script: path.join(repo, "server.js"), cwd: repo, env: "same", code: "same" }]);
    expect(o.want).toEqual({ web: { instances: 1, script: path.join(repo, "server.js"), cwd: repo } });
    expect(pm2Problems(inputs, o)).toEqual([]);
  });

  it("a cluster-mode worker's environment is read from the pm2_env JSON it was forked with", async () => {
    const worker = (env: Record<string, string>) => spawn(process.execPath, ["server.js"], {
      cwd: repo, env: { PATH: process.env.PATH, PORT: "1", pm2_env: JSON.stringify({ ...env, status: "launching", instances: 2 }) }, stdio: "ignore",
    });
    const same = worker({ PORT: "3000", DB_PASSWORD: SECRET });
    const stale = worker({ PORT: "3000", DB_PASSWORD: "old" });
    try {
      await new Promise((r) => setTimeout(r, 200));
      const out = observe([{ ...running(), pid: same.pid }, { ...running({ NODE_APP_INSTANCE: 1 }), pid: stale.pid }]);
      expect(out).not.toContain("s3cr");
      expect(parsePm2(`daemon=up\n${out}`, dir).instances?.map((x) => x.env)).toEqual(["same", "differs"]);
    } finally {
      same.kill();
      stale.kill();
    }
  });

  it("a rotated secret is a stale environment, named by its file and not its value", () => {
    fs.writeFileSync(envFile, renderEnvFile({ DB_PASSWORD: "rotated" }));
    try {
      const out = observe([running()]);
      expect(out).not.toContain("rotated");
      expect(out).not.toContain("s3cr");
      const o = parsePm2(`daemon=up\n${out}`, dir);
      expect(pm2Problems(inputs, o).map((p) => p.message)).toEqual([`pm2:app web: environment differs from ${envFile}`]);
      // A plain setting changed in the ecosystem file itself is named by the ecosystem file.
      expect(parsePm2(`daemon=up\n${observe([running()], {})}`, dir).instances?.[0].envFrom).toBe(eco);
    } finally {
      fs.writeFileSync(envFile, renderEnvFile({ DB_PASSWORD: SECRET }));
    }
  });

  it("code checked out after the process started is drift: started from one commit, another checked out", () => {
    const first = git(["rev-parse", "HEAD"]);
    const started = Date.now() - 30_000;
    fs.writeFileSync(path.join(repo, "VERSION"), "2\n");
    git(["add", "-A"]);
    git(["commit", "-q", "-m", "two"]);
    const second = git(["rev-parse", "HEAD"]);
    const o = parsePm2(`daemon=up\n${observe([running({ pm_uptime: started })])}`, dir);
    expect(pm2Problems(inputs, o).map((p) => p.message)).toEqual([`pm2:app web: started from ${first.slice(0, 12)}, ${second.slice(0, 12)} is checked out`]);
    // Started after the commit: the same code.
    expect(parsePm2(`daemon=up\n${observe([running({ pm_uptime: Date.now() + 5_000 })])}`, dir).instances?.[0].code).toBe("same");
  });

  it("a process started in another directory than its cwd now points to (a switched release link) is drift", () => {
    const link = path.join(dir, "current");
    fs.symlinkSync(path.join(dir), link);
    fs.writeFileSync(eco, renderEcosystem([{ name: "web", cwd: link, script: path.join(repo, "server.js"), env: { PORT: "3000" }, envFile }]));
    try {
      const o = parsePm2(`daemon=up\n${observe([running()])}`, dir);
      expect(o.instances?.[0]).toMatchObject({ code: "differs", codeNote: `started in ${repo}, ${link} is now ${dir}` });
    } finally {
      fs.writeFileSync(eco, renderEcosystem([{ name: "web", cwd: repo, script: "server.js", env: { PORT: "3000" }, envFile }]));
      fs.unlinkSync(link);
    }
  });

  it("an ecosystem that does not load says why, without its text", () => {
    const broken = path.join(dir, "broken.config.js");
    fs.writeFileSync(broken, `module.exports = { apps: [{ name: "web", env: require("fs").readFileSync("${path.join(dir, "gone.env")}") }] };\n`);
    const r = spawnSync(process.execPath, ["-e", OBSERVER_JS, broken, "{}"], { input: "[]", encoding: "utf8" });
    expect(parsePm2(`daemon=up\n${r.stdout}`, dir).ecosystemError).toBe("ENOENT");
  });
});

const inputs: Pm2AppsInputs = {
  connection: { host: "h", hostKey: "ssh-ed25519 AAAA" }, user: "app", home: dir, pm2Bin: "/opt/pm2/bin/pm2", nodeBinDir: "/opt/node/bin",
  ecosystemPath: eco, envFiles: { web: envFile }, apps: ["web"], ecosystemSha256: "x", manager: "none",
};
const want = { web: { instances: 2, script: "/srv/web/server.js", cwd: "/srv/web" } };
const inst = (instance: number, extra: Record<string, unknown> = {}) => ({ app: "web", instance, status: "online", script: "/srv/web/server.js", cwd: "/srv/web", env: "same" as const, code: "same" as const, ...extra });
const cluster = (...instances: ReturnType<typeof inst>[]): Pm2Observed =>
  ({ daemon: true, apps: Object.fromEntries(instances.map((x) => [x.app, instances.find((y) => y.status !== "online")?.status ?? "online"])), modes: {}, instances, want });

describe("PM2 drift, per instance", () => {
  it("an errored instance of a cluster is drift even when another one is online", () => {
    const o = cluster(inst(0), inst(1, { status: "errored" }));
    expect(o.apps).toEqual({ web: "errored" });
    expect(pm2Problems(inputs, o).map((p) => p.message)).toEqual(["pm2:app web: instance 1 is errored"]);
    expect(pm2Drift(inputs.apps, o, pm2Problems(inputs, o))).toEqual(["apps", "processes"]);
    expect(pm2Apps.asInputs(inputs, o).processes).toEqual(["pm2:app web: instance 1 is errored"]);
  });

  it("a missing instance, another script or cwd, and an extra app each show", () => {
    const o = cluster(inst(0, { cwd: "/srv/old" }));
    const withExtra = { ...o, apps: { ...o.apps, stray: "online" }, instances: [...o.instances!, { ...inst(0), app: "stray" }] };
    expect(pm2Problems(inputs, withExtra).map((p) => p.message)).toEqual([
      "pm2:app stray: not in the ecosystem",
      "pm2:app web: 1 of 2 instances",
      "pm2:app web: runs /srv/web/server.js in /srv/old, the ecosystem says /srv/web/server.js in /srv/web",
    ]);
  });

  it("a stopped daemon is one problem, and state written before per-instance read-back is no drift by itself", () => {
    expect(pm2Problems(inputs, { daemon: false, apps: {}, modes: {} }).map((p) => p.message)).toEqual(["pm2:app: the PM2 daemon is not running"]);
    expect(pm2Apps.drifted(inputs, { daemon: true, apps: { web: "online" }, modes: { ".pm2": "0700" } })).toEqual([]);
  });
});

describe("PM2 converge", () => {
  const pm2 = (args: string) => `(umask 077 && cd ${dir} && exec runuser -u app -- env PM2_HOME=${dir}/.pm2 PATH=/opt/node/bin:/usr/local/bin:/usr/bin:/bin /opt/pm2/bin/pm2 ${args})`;
  // ~/.pm2's modes, set as the app user after a check that neither it nor a dump is a link.
  const tail = `ph=${dir}/.pm2; links=$(find -P "$ph" -maxdepth 1 \\( -path "$ph" -o -name 'dump.pm2*' \\) -type l)
if [ -n "$links" ]; then echo "hostform: refusing to set modes in $ph: $(echo $links) is a symbolic link, which hostform does not follow; remove it and run up again" >&2; exit 6; fi
cd /
runuser -u app -- chmod 0700 "$ph"
runuser -u app -- find -P "$ph" -maxdepth 1 -name 'dump.pm2*' -type f -exec chmod 0600 {} +
`;

  it("a stopped daemon is started through its unit, then every app started from the ecosystem, a stray app deleted, the list saved", () => {
    const s = convergePm2Script({ ...inputs, manager: "systemd", apps: ["a"] }, { daemon: false, apps: { old: "online" }, modes: {} }, false);
    expect(s).toBe(`set -euo pipefail
systemctl reset-failed -- pm2-app.service 2>/dev/null || :
systemctl start -- pm2-app.service
${pm2(`startOrReload ${eco} --only a --update-env`)} >/dev/null
${pm2("save --force")} >/dev/null
${tail}`);
  });

  it("reloads only what differs: a stale environment with --update-env, a wrong cwd deleted first, a short cluster scaled", () => {
    const o = cluster(inst(0, { env: "differs", envFrom: envFile }), inst(1, { env: "differs", envFrom: envFile }));
    expect(appsToReload(inputs, o, false)).toEqual(["web"]);
    expect(convergePm2Script(inputs, o, false)).toBe(`set -euo pipefail
${pm2(`startOrReload ${eco} --only web --update-env`)} >/dev/null
${pm2("save --force")} >/dev/null
${tail}`);
    const moved = cluster(inst(0, { cwd: "/srv/old" }));
    expect(convergePm2Script(inputs, moved, false)).toBe(`set -euo pipefail
${pm2("delete web")} >/dev/null
${pm2(`startOrReload ${eco} --only web --update-env`)} >/dev/null
${pm2("save --force")} >/dev/null
${tail}`);
    expect(convergePm2Script(inputs, cluster(inst(0)), false)).toContain(`${pm2("scale web 2")} >/dev/null`);
    expect(convergePm2Script(inputs, cluster(inst(0), inst(1)), false)).toBe(`set -euo pipefail\n${tail}`);
  });

  it("an app with a reload command goes through it and never through pm2 reload", () => {
    const graceful = { ...inputs, reloadCommands: { web: "graceful_restart" } };
    const o = cluster(inst(0, { env: "differs" }), inst(1, { env: "differs" }));
    expect(gracefulApps(graceful, o, false)).toEqual(["web"]);
    expect(convergePm2Script(graceful, o, false)).not.toContain("startOrReload");
    // Not running at all: nothing to be graceful about, it is started.
    expect(gracefulApps(graceful, { ...o, apps: {}, instances: [] }, false)).toEqual([]);
    expect(pm2Apps.validate({ ...inputs, reloadCommands: { other: "x" } })).toEqual([{ property: "reloadCommands", reason: "names apps the ecosystem does not define: other" }]);
  });
});
