/** Every file the MetaHuman OS topology ships and every script it runs, as exact text (seeds/002). */
import { describe, expect, it } from "vitest";
import { envFreshCheck, envFreshRun, renderAgentUnit, unitsActiveCheck } from "../../components/blocks/init/agents";
import { CHECKOUT, deployedCheck, gitPrelude, RECORD_DEPLOYED } from "../../components/blocks/git/checkout";
import { renderLogrotate } from "../../components/blocks/logrotate/render";
import { renderEcosystem } from "../../components/blocks/pm2/render";
import { Problems } from "../../components/blocks/validate";
import { metahumanCodeCheck, metahumanCodeRun } from "../../components/topologies/metahuman/code";
import { homeClosedCheck, homeClosedRun, metahumanApps, renderStartScript, renderStopScript } from "../../components/topologies/metahuman/render";
import { metahumanSettings } from "../../components/topologies/metahuman/settings";

const settings = (v: Record<string, unknown>) => {
  const p = new Problems();
  const s = metahumanSettings({ repo: "https://git.example/metahuman.git", ...v }, p);
  return { s, problems: p.list };
};

describe("the web app's ecosystem", () => {
  it("is the plan's ecosystem.config.js, paths resolved against the checkout", () => {
    const { s } = settings({});
    expect(renderEcosystem(metahumanApps(s, s.checkout))).toBe(`// Written by hostform; changes made on the host are replaced on the next run.
"use strict";

module.exports = {
  apps: [
    {
      name: "metahuman-web",
      cwd: "/home/metahuman/metahuman/apps/site",
      script: "dist/server/entry.mjs",
      instances: 1,
      exec_mode: "cluster",
      restart_delay: 4000,
      max_memory_restart: "1G",
      min_uptime: "10s",
      max_restarts: 10,
      kill_timeout: 5000,
      listen_timeout: 10000,
      log_file: "/home/metahuman/metahuman/logs/pm2/combined.log",
      out_file: "/home/metahuman/metahuman/logs/pm2/out.log",
      error_file: "/home/metahuman/metahuman/logs/pm2/error.log",
      log_date_format: "YYYY-MM-DD HH:mm:ss Z",
      merge_logs: true,
      watch: false,
      env: {
        "NODE_ENV": "production",
        "PORT": "4321",
      },
    },
  ],
};
`);
  });

  it("reads the secrets from the env file and goes to max workers by one setting", () => {
    const { s } = settings({ instances: "max" });
    const text = renderEcosystem(metahumanApps(s, s.checkout, "/home/metahuman/metahuman.env"));
    expect(text).toContain('      instances: "max",\n');
    expect(text).toContain('      env: Object.assign({}, {\n        "NODE_ENV": "production",\n        "PORT": "4321",\n      }, loadEnv("/home/metahuman/metahuman.env")),\n');
  });
});

const UNIT_ARGS = {
  user: "metahuman", home: "/home/metahuman", workingDirectory: "/home/metahuman/metahuman", nodeBinDir: "/opt/hostform/node/bin",
  env: { NODE_ENV: "production" }, envFile: "/etc/hostform/metahuman.env", system: "MetaHuman OS",
};

describe("renderAgentUnit", () => {
  it("runs a required agent in the foreground and never gives up restarting it", () => {
    expect(renderAgentUnit({ ...UNIT_ARGS, agent: { name: "scheduler-service", command: "./bin/mh start", optional: false } })).toBe(`[Unit]
Description=MetaHuman OS scheduler-service (outside PM2)
After=network-online.target
Wants=network-online.target
StartLimitIntervalSec=0

[Service]
Type=simple
User=metahuman
Group=metahuman
WorkingDirectory=/home/metahuman/metahuman
Environment=PATH=/opt/hostform/node/bin:/usr/local/bin:/usr/bin:/bin
Environment=NODE_ENV=production
EnvironmentFile=/etc/hostform/metahuman.env
UMask=0027
ExecStart=/home/metahuman/metahuman/bin/mh start
Restart=on-failure
RestartSec=5
TimeoutStopSec=10

[Install]
WantedBy=multi-user.target
`);
  });

  it("lets an optional agent give up, and follows a daemonizing script's pid file", () => {
    const text = renderAgentUnit({ ...UNIT_ARGS, agent: { name: "terminal-server", command: "bin/start-terminal", optional: true, pidFile: "logs/run/terminal.pid" } });
    expect(text).toBe(`[Unit]
Description=MetaHuman OS terminal-server (outside PM2; optional)
After=network-online.target
Wants=network-online.target
StartLimitIntervalSec=60
StartLimitBurst=3

[Service]
Type=forking
PIDFile=/home/metahuman/metahuman/logs/run/terminal.pid
User=metahuman
Group=metahuman
WorkingDirectory=/home/metahuman/metahuman
Environment=PATH=/opt/hostform/node/bin:/usr/local/bin:/usr/bin:/bin
Environment=NODE_ENV=production
EnvironmentFile=/etc/hostform/metahuman.env
UMask=0027
ExecStart=/home/metahuman/metahuman/bin/start-terminal
Restart=on-failure
RestartSec=1
TimeoutStopSec=10

[Install]
WantedBy=multi-user.target
`);
  });

  it("refuses what a unit file or a shell would read differently", () => {
    expect(() => renderAgentUnit({ ...UNIT_ARGS, agent: { name: "x", command: "bin/x %h $HOME", optional: false } }))
      .toThrow('agent x: command "bin/x %h $HOME" must be words of [A-Za-z0-9._+@/=:,-] (no quotes, $ or %)');
  });

  // Review N3: systemd reads EnvironmentFile= as root, before it becomes the user.
  it.each([
    ["the user's home", "/home/metahuman/metahuman.env", "the app user's home (/home/metahuman)"],
    ["a folder of the user's home", "/home/metahuman/.config/mh.env", "the app user's home (/home/metahuman)"],
    ["the checkout", "/srv/mh/.env", "the checkout (/srv/mh)"],
  ])("refuses an env file in %s", (_what, envFile, where) => {
    const args = { ...UNIT_ARGS, workingDirectory: envFile.startsWith("/srv/") ? "/srv/mh" : UNIT_ARGS.workingDirectory, envFile, agent: { name: "x", command: "bin/x", optional: false } };
    expect(() => renderAgentUnit(args)).toThrow(`envFile "${envFile}" is in ${where}, which metahuman can change, yet systemd reads it as root: give a root-owned copy such as /etc/hostform/<system>.env`);
  });

  it("takes an env file beside the home's name, which is not in it", () => {
    expect(renderAgentUnit({ ...UNIT_ARGS, envFile: "/home/metahuman.env", agent: { name: "x", command: "bin/x", optional: false } })).toContain("\nEnvironmentFile=/home/metahuman.env\n");
  });
});

describe("the agents' env file freshness", () => {
  const units = ["metahuman-scheduler-service.service", "metahuman-audio-organizer.service"];
  const loop = `stale=""
written=$(stat -c %.6Y -- /etc/hostform/metahuman.env 2>/dev/null | tr -d .) || written=""
for u in metahuman-scheduler-service.service metahuman-audio-organizer.service; do
  [ -n "$written" ] || break
  [ "$(systemctl is-active -- "$u" 2>/dev/null || :)" = active ] || continue
  since=$(systemctl show --timestamp=us -p ActiveEnterTimestamp --value -- "$u")
  [ -n "$since" ] || continue
  started=$(date -d "$since" +%s%6N)
  if [ "$started" -le "$written" ]; then stale="$stale $u"; fi
done
`;
  it("is checked on the host: an active agent that started before the file was written is stale", () => {
    expect(envFreshCheck(units, "/etc/hostform/metahuman.env")).toBe(`${loop}if [ -n "$stale" ]; then echo "started before /etc/hostform/metahuman.env changed:$stale"; exit 1; fi
`);
  });
  it("restarts only the stale ones", () => {
    expect(envFreshRun(units, "/etc/hostform/metahuman.env")).toBe(`${loop}if [ -n "$stale" ]; then systemctl try-restart -- $stale; fi
`);
  });
  it("refuses a unit name or a path the script would read differently", () => {
    expect(() => envFreshCheck(["x; reboot"], "/etc/a b")).toThrow('envFreshCheck: 2 problems:\n  - envFile "/etc/a b" must be an absolute path of [A-Za-z0-9._+@/-]\n  - units: "x; reboot" is not a service name');
  });
});

// Review N15: the checkout and the app's logs lie in the home, which Debian's useradd leaves 0755.
describe("the app user's home, closed to other users", () => {
  it("is checked on the host: a folder, not a link, with no bits for others", () => {
    expect(homeClosedCheck("metahuman", "/home/metahuman")).toBe(`test -d /home/metahuman && ! test -L /home/metahuman
mode=$(stat -c %a -- /home/metahuman)
[ $((8#$mode & 8#7)) = 0 ]
`);
  });
  it("takes the others' bits off as the home's owner", () => {
    expect(homeClosedRun("metahuman", "/home/metahuman")).toBe(`if ! test -d /home/metahuman || test -L /home/metahuman; then echo "/home/metahuman is not a folder" >&2; exit 3; fi
runuser -u metahuman -- chmod o-rwx -- /home/metahuman
`);
  });
  it("refuses a user or a home the script would read differently", () => {
    expect(() => homeClosedRun("x; id", "/home/a b")).toThrow('homeClosed: 2 problems:\n  - user "x; id" is not a user name\n  - home "/home/a b" must be an absolute path of [A-Za-z0-9._+@/-]');
  });
});

describe("renderLogrotate", () => {
  it("is PM2's logrotate template, acting as the app user", () => {
    expect(renderLogrotate({ user: "metahuman", paths: ["/home/metahuman/.pm2/pm2.log", "/home/metahuman/.pm2/logs/*.log", "/home/metahuman/metahuman/logs/pm2/*.log"], keep: 12, period: "weekly" }))
      .toBe(`# Written by hostform; changes made on the host are replaced on the next run.
/home/metahuman/.pm2/pm2.log /home/metahuman/.pm2/logs/*.log /home/metahuman/metahuman/logs/pm2/*.log {
        su metahuman metahuman
        rotate 12
        weekly
        missingok
        notifempty
        compress
        delaycompress
        copytruncate
}
`);
    expect(renderLogrotate({ user: "u", paths: ["/l/*.log"], keep: 3, period: "daily", maxSize: "10M" })).toContain("        daily\n        maxsize 10M\n");
  });
});

describe("metahuman-stop", () => {
  it("is the plan's stop-pm2: the web app out of PM2, then the agents' units", () => {
    expect(renderStopScript({ user: "metahuman", home: "/home/metahuman", pm2Bin: "/opt/pm2", nodeBinDir: "/opt/node/bin", units: ["metahuman-a.service", "metahuman-b.service"] })).toBe(`#!/bin/bash
# Written by hostform; changes made on the host are replaced on the next run.
# Stops MetaHuman OS (the plan's bin/stop-pm2) until the next \`pulumi up\` or reboot.
set -u
failed=0
echo "Stopping MetaHuman OS..."
pid=$(runuser -u metahuman -- timeout 5 head -c 32 -- /home/metahuman/.pm2/pm2.pid 2>/dev/null || :)
case "$pid" in *[!0-9]*) pid="" ;; esac
if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
  if (umask 077 && cd /home/metahuman && exec runuser -u metahuman -- env PM2_HOME=/home/metahuman/.pm2 PATH=/opt/node/bin:/usr/local/bin:/usr/bin:/bin /opt/pm2 describe metahuman-web) >/dev/null 2>&1; then
    (umask 077 && cd /home/metahuman && exec runuser -u metahuman -- env PM2_HOME=/home/metahuman/.pm2 PATH=/opt/node/bin:/usr/local/bin:/usr/bin:/bin /opt/pm2 stop metahuman-web) >/dev/null || { echo "pm2 stop metahuman-web failed" >&2; failed=1; }
    (umask 077 && cd /home/metahuman && exec runuser -u metahuman -- env PM2_HOME=/home/metahuman/.pm2 PATH=/opt/node/bin:/usr/local/bin:/usr/bin:/bin /opt/pm2 delete metahuman-web) >/dev/null || { echo "pm2 delete metahuman-web failed" >&2; failed=1; }
  fi
fi
systemctl stop -- metahuman-a.service metahuman-b.service || { echo "stopping the agents failed" >&2; failed=1; }
if [ "$failed" = 0 ]; then echo "MetaHuman OS stopped (drift reports it; the next up or a reboot starts it again)"; fi
exit "$failed"
`);
  });
});

describe("metahuman-start", () => {
  const args = {
    user: "metahuman", home: "/home/metahuman", pm2Bin: "/opt/pm2", nodeBinDir: "/opt/node/bin", ecosystemPath: "/home/metahuman/ecosystem.config.js",
    pm2Unit: "pm2-metahuman.service", units: ["metahuman-a.service", "metahuman-b.service"], optionalUnits: ["metahuman-c.service"], port: 4321,
  };
  it("is the plan's start-pm2, metahuman-stop's counterpart: the agents' units, PM2's unit when its daemon is down, the web app from the ecosystem file, saved", () => {
    expect(renderStartScript(args)).toBe(`#!/bin/bash
# Written by hostform; changes made on the host are replaced on the next run.
# Starts MetaHuman OS again after metahuman-stop (the plan's bin/start-pm2): what the last \`pulumi up\` deployed.
set -u
failed=0
echo "Starting MetaHuman OS..."
systemctl start -- metahuman-a.service metahuman-b.service || { echo 'starting the agents failed: systemctl status metahuman-a.service metahuman-b.service' >&2; failed=1; }
systemctl start -- metahuman-c.service || echo 'optional agent metahuman-c.service did not start: journalctl -u metahuman-c.service' >&2
pid=$(runuser -u metahuman -- timeout 5 head -c 32 -- /home/metahuman/.pm2/pm2.pid 2>/dev/null || :)
case "$pid" in *[!0-9]*) pid="" ;; esac
if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
  systemctl start -- pm2-metahuman.service || { echo 'starting pm2-metahuman.service failed: systemctl status pm2-metahuman.service' >&2; exit 1; }
fi
(umask 077 && cd /home/metahuman && exec runuser -u metahuman -- env PM2_HOME=/home/metahuman/.pm2 PATH=/opt/node/bin:/usr/local/bin:/usr/bin:/bin /opt/pm2 startOrReload /home/metahuman/ecosystem.config.js --only metahuman-web --update-env) >/dev/null || { echo "pm2 could not start metahuman-web: pm2 logs metahuman-web" >&2; exit 1; }
(umask 077 && cd /home/metahuman && exec runuser -u metahuman -- env PM2_HOME=/home/metahuman/.pm2 PATH=/opt/node/bin:/usr/local/bin:/usr/bin:/bin /opt/pm2 save --force) >/dev/null || { echo "pm2 save failed: a reboot may not bring metahuman-web back" >&2; failed=1; }
if [ "$failed" = 0 ]; then echo "MetaHuman OS started: http://localhost:4321/ (pm2 status; metahuman-stop stops it)"; fi
exit "$failed"
`);
  });

  it("leaves out the agents' lines when there are none, and refuses bad values", () => {
    const text = renderStartScript({ ...args, units: [], optionalUnits: [] });
    expect(text).not.toContain("systemctl start -- metahuman-");
    expect(() => renderStartScript({ ...args, units: ["x; reboot"], port: 0, ecosystemPath: "eco.js" })).toThrow(/ecosystemPath.*\n?[\s\S]*units: "x; reboot" is not a service name[\s\S]*port 0 is not a port/);
  });
});

describe("the code step", () => {
  const a = {
    user: "metahuman", home: "/home/metahuman", nodeBinDir: "/opt/node/bin", repo: "/srv/git/mh.git", ref: "main", workspace: "/home/metahuman/metahuman",
    cwd: "apps/site", script: "dist/server/entry.mjs", logDir: "logs/pm2", pm2Bin: "/opt/pm2", app: "metahuman-web", units: ["metahuman-a.service"],
  };
  // The shared checkout (path guard, user, ref resolution, marker) is pinned by its own tests; here it is only composed.
  const prelude = (commit?: string) => gitPrelude({ user: a.user, home: a.home, nodeBinDir: a.nodeBinDir, workspace: a.workspace, repo: a.repo, ref: a.ref },
    { entry: `${a.workspace}/apps/site/dist/server/entry.mjs`, site: `${a.workspace}/apps/site`, ...(commit ? { commit } : {}) });
  it("is in place only when the wanted commit was deployed to the end and the entry exists", () => {
    expect(metahumanCodeCheck(a)).toBe(`${prelude()}${deployedCheck()}test -f "$entry"
`);
    expect(metahumanCodeCheck({ ...a, commit: "0123456789ab" })).toBe(`${prelude("0123456789ab")}want=$(g -C "$ws" rev-parse -q --verify "$commit^{commit}" 2>/dev/null) || exit 1
test "$(cat "$marker" 2>/dev/null)" = "$want"
test -f "$entry"
`);
  });

  it("checks out the commit, builds with pnpm when the entry is missing or the commit changed, reloads the workers and restarts the agents", () => {
    expect(metahumanCodeRun({ ...a, commit: "0123456789ab" })).toBe(`${prelude("0123456789ab")}prev=$(cat "$marker" 2>/dev/null || :)
${CHECKOUT}g -C "$ws" checkout -q --force "$commit" || { echo "commit $commit is not in the history of $ref" >&2; exit 3; }
as_user mkdir -p "$ws"/logs/pm2
head=$(g -C "$ws" rev-parse HEAD)
if [ ! -f "$entry" ] || [ "$head" != "$prev" ]; then
  if [ -f "$ws/pnpm-lock.yaml" ]; then frozen=--frozen-lockfile; else frozen=; fi
  # CI=true: pnpm never stops to ask (a modules folder to rebuild) without a terminal.
  (cd "$ws" && as_user env CI=true pnpm install $frozen --reporter=append-only >/dev/null)
  (cd "$site" && as_user env CI=true pnpm run build >/dev/null)
  test -f "$entry" || { echo "pnpm run build in $site did not write $entry" >&2; exit 3; }
fi
pid=$(runuser -u metahuman -- timeout 5 head -c 32 -- /home/metahuman/.pm2/pm2.pid 2>/dev/null || :)
case "$pid" in *[!0-9]*) pid="" ;; esac
if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && (umask 077 && cd /home/metahuman && exec runuser -u metahuman -- env PM2_HOME=/home/metahuman/.pm2 PATH=/opt/node/bin:/usr/local/bin:/usr/bin:/bin /opt/pm2 describe metahuman-web) >/dev/null 2>&1; then
  (umask 077 && cd /home/metahuman && exec runuser -u metahuman -- env PM2_HOME=/home/metahuman/.pm2 PATH=/opt/node/bin:/usr/local/bin:/usr/bin:/bin /opt/pm2 reload metahuman-web) >/dev/null
  (umask 077 && cd /home/metahuman && exec runuser -u metahuman -- env PM2_HOME=/home/metahuman/.pm2 PATH=/opt/node/bin:/usr/local/bin:/usr/bin:/bin /opt/pm2 save --force) >/dev/null
fi
if [ -n "$prev" ] && [ "$head" != "$prev" ]; then systemctl try-restart -- metahuman-a.service; fi
${RECORD_DEPLOYED}`);
  });

  it("without a pinned commit or agents, follows ref's newest and restarts nothing", () => {
    const run = metahumanCodeRun({ ...a, units: [] });
    expect(run).not.toContain("$commit");
    expect(run).not.toContain("systemctl");
    expect(run).toContain('g -C "$ws" checkout -q --force FETCH_HEAD\nfi\nas_user mkdir -p "$ws"/logs/pm2\n');
  });
});

describe("unitsActiveCheck", () => {
  it("names each unit that is not active", () => {
    expect(unitsActiveCheck(["a.service", "b.service"])).toBe(`bad=""
for u in a.service b.service; do
  s=$(systemctl is-active -- "$u" 2>/dev/null || :)
  if [ "$s" != active ]; then bad="$bad $u=\${s:-unknown}"; fi
done
if [ -n "$bad" ]; then echo "agents not active:$bad"; exit 1; fi
`);
  });
});
