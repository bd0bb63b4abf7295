/**
 * Issue 25: an app that PM2 runs but that fails its health check (hung) is named by drift and
 * restarted by `up` through its graceful path; when that does not help, `up` fails naming the app
 * with its last log lines, redacted. The rendered restart scripts are pinned as text; converge runs
 * against a session that plays the host (no waiting: timeoutSeconds 0 reads once).
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { failures, health, type HealthInputs, hungApps, parseHealth, restartScript } from "../../components/host/kinds/health";
import type { Session } from "../../components/host/ssh";
import { gracefulRestartScript, type GracefulRestartArgs, hungRestartScript } from "../../components/topologies/duel/restart";

const connection = { host: "h", hostKey: "ssh-ed25519 AAAA" };
const pm2 = { user: "ubuntu", home: "/home/ubuntu", pm2Bin: "/opt/pm2/bin/pm2", nodeBinDir: "/opt/node/bin", apps: ["backend-dev", "frontend-dev"] };
const inputs: HealthInputs = {
  connection, pm2, timeoutSeconds: 0, secretValues: ["hunter2-SECRET"],
  checks: [
    { name: "frontend", url: "http://127.0.0.1:3001/", status: 200, app: "frontend-dev" },
    { name: "api-auth", url: "http://127.0.0.1:3000/api/auth/me", status: 401, app: "backend-dev" },
    { name: "apache", url: "http://127.0.0.1:80/", status: 200 },
  ],
};
const read = (api: string, backend = "online") =>
  `check frontend 200\ncheck api-auth ${api}\ncheck apache 200\ndaemon=up\ninst {"app":"frontend-dev","instance":0,"status":"online"}\ninst {"app":"backend-dev","instance":0,"status":"${backend}"}\n`;

/** A host whose backend answers `api` until a restart, then what `afterRestart` says; it records the scripts run. */
function host(api: string, afterRestart: string, restartFails = false, backend = "online") {
  const ran: string[] = [];
  let restarted = false;
  const exec = async (text: string) => {
    if (text.includes("printf 'check %s")) return { code: 0, stdout: read(restarted ? afterRestart : api, backend), stderr: "" };
    if (text.includes(" logs backend-dev ")) return { code: 0, stdout: "connecting with DB_PASSWORD=hunter2-SECRET\nlistening on 3000\n", stderr: "" };
    ran.push(text);
    restarted = true;
    return restartFails ? { code: 5, stdout: "", stderr: "the duel did not end" } : { code: 0, stdout: "", stderr: "" };
  };
  const s: Session = {
    exec,
    async run(step, text) {
      const r = await exec(text);
      if (r.code !== 0) throw new Error(`${step} failed on h (exit ${r.code}): ${r.stderr}`);
      return r.stdout;
    },
  };
  return { s, ran };
}

describe("a hung app: running in PM2, not answering", () => {
  it("drift names the app that runs but does not answer, and the one that answers wrongly", () => {
    expect(failures(inputs, parseHealth(read("000"), pm2.home))).toEqual([
      "api-auth: http://127.0.0.1:3000/api/auth/me answered nothing, expected 401 (PM2 app backend-dev is online but does not answer)",
    ]);
    expect(failures(inputs, parseHealth(read("502"), pm2.home))).toEqual([
      "api-auth: http://127.0.0.1:3000/api/auth/me answered 502, expected 401 (PM2 app backend-dev is online)",
    ]);
    // Not online: PM2's own state says it, and nothing is hung.
    const errored = parseHealth(read("000", "errored"), pm2.home);
    expect(failures(inputs, errored)).toEqual(["api-auth: http://127.0.0.1:3000/api/auth/me answered nothing, expected 401", "pm2 app backend-dev is errored"]);
    expect(hungApps(inputs, errored)).toEqual([]);
    expect(hungApps(inputs, parseHealth(read("000"), pm2.home))).toEqual(["backend-dev"]);
    expect(hungApps(inputs, parseHealth(read("401"), pm2.home))).toEqual([]);
  });

  it("is restarted with pm2 reload as the app user, or through the topology's own restart", () => {
    expect(restartScript(inputs, "backend-dev")).toBe(
      "set -euo pipefail\n(umask 077 && cd /home/ubuntu && exec runuser -u ubuntu -- env PM2_HOME=/home/ubuntu/.pm2 PATH=/opt/node/bin:/usr/local/bin:/usr/bin:/bin /opt/pm2/bin/pm2 reload backend-dev) >/dev/null\n",
    );
    expect(restartScript({ ...inputs, restarts: { "backend-dev": "graceful_restart\n" } }, "backend-dev")).toBe("set -euo pipefail\ngraceful_restart\n");
  });

  it("up restarts it and returns once it answers", async () => {
    const { s, ran } = host("000", "401");
    await health.converge(s, inputs, parseHealth(read("000"), pm2.home), false);
    expect(ran).toEqual([restartScript(inputs, "backend-dev")]);
  });

  it("up fails naming the app, its restart and its last log lines (redacted) when the restart does not help", async () => {
    const { s, ran } = host("000", "000");
    await expect(health.converge(s, inputs, parseHealth(read("000"), pm2.home), false)).rejects.toThrow(new Error([
      "unhealthy after 0 s, then restarted and still unhealthy 0 s later:",
      "  backend-dev ran in PM2 but failed its check: restarted (pm2 reload)",
      "still failing:",
      "  api-auth: http://127.0.0.1:3000/api/auth/me answered nothing, expected 401 (PM2 app backend-dev is online but does not answer)",
      "last log lines of backend-dev (secrets redacted):",
      "connecting with DB_PASSWORD=[redacted]",
      "listening on 3000",
      "",
    ].join("\n")));
    expect(ran).toHaveLength(1);
  });

  it("a restart that fails is said, with its reason, and the app's logs follow", async () => {
    const { s } = host("000", "000", true);
    const restarts = { "backend-dev": "graceful_restart\n" };
    await expect(health.converge(s, { ...inputs, restarts }, parseHealth(read("000"), pm2.home), true)).rejects.toThrow(
      "  backend-dev ran in PM2 but failed its check, and its restart (its graceful restart) failed: restart of backend-dev (its graceful restart) failed on h (exit 5): the duel did not end\nstill failing:\n",
    );
  });

  it("an app that is not online is not restarted here (the PM2 resource starts it): up fails with its state and logs", async () => {
    const { s, ran } = host("000", "000", false, "errored");
    await expect(health.converge(s, inputs, parseHealth(read("000", "errored"), pm2.home), false)).rejects.toThrow(new Error([
      "unhealthy after 0 s:",
      "  api-auth: http://127.0.0.1:3000/api/auth/me answered nothing, expected 401",
      "  pm2 app backend-dev is errored",
      "last log lines of backend-dev (secrets redacted):",
      "connecting with DB_PASSWORD=[redacted]",
      "listening on 3000",
      "",
    ].join("\n")));
    expect(ran).toEqual([]);
  });
});

describe("the duel server's restart when it runs but fails its health check", () => {
  const a: GracefulRestartArgs = {
    pm2: { user: "hyper", home: "/home/hyper", pm2Bin: "/opt/pm2/bin/pm2", nodeBinDir: "/opt/node/bin" },
    ecosystemPath: "/home/hyper/ecosystem.config.js", app: "duel-arena", serverPort: 5555, secretsFile: "/etc/hyperscape/secrets.env",
    gracefulTimeoutSeconds: 600, healthTimeoutSeconds: 120,
  };
  const tail = hungRestartScript(a).slice(gracefulRestartScript(a).length);

  it("is the graceful restart, and a PM2 restart from the ecosystem file when the server does not answer the restart API", () => {
    expect(hungRestartScript(a).startsWith(gracefulRestartScript(a))).toBe(true);
    expect(gracefulRestartScript(a)).toContain(`      000|"") kill "$watch" 2>/dev/null || :; rm -f -- "$out"; restart_fail 7 "the server did not answer the graceful restart request within 10 s" ;;\n`);
    expect(tail).toBe(`set +e
( set -e; graceful_restart )
rc=$?
set -e
if [ "$rc" = 7 ]; then
  echo 'duel-arena did not answer its restart API: restarting it through PM2' >&2
  (umask 077 && cd /home/hyper && exec runuser -u hyper -- env PM2_HOME=/home/hyper/.pm2 PATH=/opt/node/bin:/usr/local/bin:/usr/bin:/bin /opt/pm2/bin/pm2 startOrReload /home/hyper/ecosystem.config.js --only duel-arena --update-env) >/dev/null
  (umask 077 && cd /home/hyper && exec runuser -u hyper -- env PM2_HOME=/home/hyper/.pm2 PATH=/opt/node/bin:/usr/local/bin:/usr/bin:/bin /opt/pm2/bin/pm2 save --force) >/dev/null
elif [ "$rc" != 0 ]; then
  exit "$rc"
fi
`);
  });

  it("keeps errexit inside the graceful restart and passes its failures on (a refused restart, a duel that does not end)", () => {
    const run = (body: string) => spawnSync("bash", ["-c", `set -euo pipefail\ngraceful_restart() {\n${body}\n}\n${tail}echo done`], { encoding: "utf8" });
    expect(run("  return 0")).toMatchObject({ status: 0, stdout: "done\n" });
    expect(run("  false\n  echo went on")).toMatchObject({ status: 1, stdout: "" });
    expect(run("  exit 5")).toMatchObject({ status: 5, stdout: "" });
  });
});
