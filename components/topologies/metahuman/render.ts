/**
 * Pure renderers of the MetaHuman OS topology (seeds/002): its PM2 app as the plan's
 * ecosystem.config.js defines it, and the operator's stop and start commands (the plan's
 * bin/stop-pm2 and bin/start-pm2).
 */
import { pm2As } from "../../host/kinds/pm2";
import { readPm2Pid } from "../../host/kinds/pm2-observe";
import { script } from "../../host/quote";
import type { Pm2App } from "../../blocks/pm2/render";
import { checkPaths, isUserName, Problems, show } from "../../blocks/validate";
import type { WebSettings } from "./settings";

export const WEB_APP = "metahuman-web";
/**
 * The agents' secrets: root's copy of hostform:metahumanEnv, which systemd reads (as root) for
 * each agent's unit. The app user's ~/metahuman.env holds the same values for PM2, which reads it
 * as that user (review N3).
 */
export const AGENTS_ENV = "/etc/hostform/metahuman.env";
/** Where the operator's stop command is installed. */
export const STOP_COMMAND = "/usr/local/sbin/metahuman-stop";
/** Where its counterpart, the start command, is installed. */
export const START_COMMAND = "/usr/local/sbin/metahuman-start";
/** The rotation of PM2's logs (components/blocks/logrotate/): /etc/logrotate.d/<LOGROTATE_FILE>. */
export const LOGROTATE_FILE = "metahuman-pm2";
export const LOGROTATE_CONFIG = `/etc/logrotate.d/${LOGROTATE_FILE}`;

/** The plan's `metahuman-web`, its relative paths resolved against the checkout. */
export function metahumanApps(w: WebSettings, checkout: string, envFile?: string): Pm2App[] {
  const logs = `${checkout}/${w.logDir}`;
  return [{
    name: WEB_APP,
    cwd: `${checkout}/${w.cwd}`,
    script: w.script,
    instances: w.instances,
    execMode: w.execMode,
    env: { NODE_ENV: w.nodeEnv, PORT: String(w.port) },
    ...(envFile !== undefined ? { envFile } : {}),
    maxMemoryRestart: w.maxMemoryRestart,
    minUptime: w.minUptime,
    maxRestarts: w.maxRestarts,
    restartDelay: w.restartDelay,
    logFile: `${logs}/combined.log`,
    outFile: `${logs}/out.log`,
    errorFile: `${logs}/error.log`,
    logDateFormat: w.logDateFormat,
    mergeLogs: w.mergeLogs,
    killTimeout: w.killTimeout,
    listenTimeout: w.listenTimeout,
    watch: w.watch,
  }];
}

export interface StopArgs {
  readonly user: string;
  readonly home: string;
  readonly pm2Bin: string;
  readonly nodeBinDir: string;
  /** The agents' units, stopped after the web app. */
  readonly units: readonly string[];
}

/**
 * metahuman-stop: the plan's bin/stop-pm2 for a host hostform manages. The web app leaves PM2
 * (stop, then delete, unsaved: a reboot resurrects it from the saved list), then every agent's
 * unit stops; systemd ends each unit's whole control group, which is what the plan's
 * `pkill -f brain/agents` and `pkill -f scheduler-service` were for. Nothing is changed for good:
 * drift reports the stop, and the next up (or a reboot) starts everything again.
 */
export function renderStopScript(a: StopArgs): string {
  const p = new Problems();
  p.check(isUserName(a.user), `user ${show(a.user)} is not a user name`);
  checkPaths(p, a, ["home", "pm2Bin", "nodeBinDir"]);
  for (const u of a.units) p.check(/^[A-Za-z0-9@_.:-]+\.service$/.test(u), `units: ${show(u)} is not a service name`);
  p.done("renderStopScript");
  return script`#!/bin/bash
# Written by hostform; changes made on the host are replaced on the next run.
# Stops MetaHuman OS (the plan's bin/stop-pm2) until the next \`pulumi up\` or reboot.
set -u
failed=0
echo "Stopping MetaHuman OS..."
` + readPm2Pid(a, "pid") + `if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
  if ` + pm2As(a, script`describe ${WEB_APP}`) + ` >/dev/null 2>&1; then
    ` + pm2As(a, script`stop ${WEB_APP}`) + ` >/dev/null || { echo "pm2 stop ${WEB_APP} failed" >&2; failed=1; }
    ` + pm2As(a, script`delete ${WEB_APP}`) + ` >/dev/null || { echo "pm2 delete ${WEB_APP} failed" >&2; failed=1; }
  fi
fi
` + (a.units.length ? script`systemctl stop -- ${a.units} || { echo "stopping the agents failed" >&2; failed=1; }
` : "") + `if [ "$failed" = 0 ]; then echo "MetaHuman OS stopped (drift reports it; the next up or a reboot starts it again)"; fi
exit "$failed"
`;
}

export interface StartArgs {
  readonly user: string;
  readonly home: string;
  readonly pm2Bin: string;
  readonly nodeBinDir: string;
  /** The ecosystem file hostform wrote: the web app starts from it, with the environment its env file holds. */
  readonly ecosystemPath: string;
  /** PM2's systemd unit: started when PM2's daemon does not run (it resurrects the saved list). */
  readonly pm2Unit: string;
  /** The required agents' units: one that does not start fails the command. */
  readonly units: readonly string[];
  /** The optional agents' units: started too, a failure is said and fails nothing (as in up). */
  readonly optionalUnits: readonly string[];
  /** The web app's port, for the closing line. */
  readonly port: number;
}

/**
 * metahuman-start: metahuman-stop's counterpart, the plan's bin/start-pm2 for a host hostform
 * manages. As the plan does: the agents first (their units), then the web server under PM2: PM2's
 * unit when its daemon does not run, and the web app from the ecosystem file with the
 * environment its env file holds now, the list saved so a reboot brings the same back. Nothing is
 * installed or built (start-pm2's `npm install -g pm2` and `pnpm build` are up's work): it starts
 * what the last up deployed, and drift still compares that with the stack.
 */
export function renderStartScript(a: StartArgs): string {
  const p = new Problems();
  p.check(isUserName(a.user), `user ${show(a.user)} is not a user name`);
  checkPaths(p, a, ["home", "pm2Bin", "nodeBinDir", "ecosystemPath"]);
  for (const u of [a.pm2Unit, ...a.units, ...a.optionalUnits]) p.check(/^[A-Za-z0-9@_.:-]+\.service$/.test(u), `units: ${show(u)} is not a service name`);
  p.check(Number.isInteger(a.port) && a.port >= 1 && a.port <= 65535, `port ${show(a.port)} is not a port`);
  p.done("renderStartScript");
  return script`#!/bin/bash
# Written by hostform; changes made on the host are replaced on the next run.
# Starts MetaHuman OS again after metahuman-stop (the plan's bin/start-pm2): what the last \`pulumi up\` deployed.
set -u
failed=0
echo "Starting MetaHuman OS..."
` + (a.units.length ? script`systemctl start -- ${a.units} || { echo ${`starting the agents failed: systemctl status ${a.units.join(" ")}`} >&2; failed=1; }
` : "") + a.optionalUnits.map((u) => script`systemctl start -- ${u} || echo ${`optional agent ${u} did not start: journalctl -u ${u}`} >&2
`).join("") + readPm2Pid(a, "pid") + `if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
  ` + script`systemctl start -- ${a.pm2Unit} || { echo ${`starting ${a.pm2Unit} failed: systemctl status ${a.pm2Unit}`} >&2; exit 1; }` + `
fi
` + pm2As(a, script`startOrReload ${a.ecosystemPath} --only ${WEB_APP} --update-env`) + ` >/dev/null || { echo "pm2 could not start ${WEB_APP}: pm2 logs ${WEB_APP}" >&2; exit 1; }
` + pm2As(a, "save --force") + ` >/dev/null || { echo "pm2 save failed: a reboot may not bring ${WEB_APP} back" >&2; failed=1; }
if [ "$failed" = 0 ]; then echo "MetaHuman OS started: http://localhost:${a.port}/ (pm2 status; metahuman-stop stops it)"; fi
exit "$failed"
`;
}

/**
 * The app user's home closed to other local users (review N15): Debian's useradd leaves it 0755,
 * and the checkout, its `.env*` files and the app's logs (under logs/pm2, written with umask 0022
 * by PM2) lie inside. Exit 0 when others have no access, 1 when they have.
 */
export function homeClosedCheck(user: string, home: string): string {
  checkHome(user, home);
  return script`test -d ${home} && ! test -L ${home}
mode=$(stat -c %a -- ${home})
[ $((8#$mode & 8#7)) = 0 ]
`;
}

/** Takes the others' bits off the home, as its owner (root never changes a path the user owns). */
export function homeClosedRun(user: string, home: string): string {
  checkHome(user, home);
  return script`if ! test -d ${home} || test -L ${home}; then echo "${home} is not a folder" >&2; exit 3; fi
runuser -u ${user} -- chmod o-rwx -- ${home}
`;
}

function checkHome(user: string, home: string): void {
  const p = new Problems();
  p.check(isUserName(user), `user ${show(user)} is not a user name`);
  checkPaths(p, { home }, ["home"]);
  p.done("homeClosed");
}
