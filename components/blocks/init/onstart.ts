/**
 * The container flavor's boot script (/root/onstart.sh, which Vast.ai runs at every container
 * start): what systemd units do on the systemd flavor, in the same order.
 */
import { pm2As } from "../../host/kinds/pm2";
import { readPm2Pid } from "../../host/kinds/pm2-observe";
import { BOOT_DIR } from "../../host/kinds/service";
import { script } from "../../host/quote";
import { checkDisplay, checkPaths, isUserName, Problems, show } from "../validate";
import { xSocket } from "../xvfb/render";

export interface OnstartArgs {
  /** The Xvfb display to start (with `screen`); none when the host has no display. */
  readonly display?: string;
  readonly screen?: string;
  /** A secrets file to restore into /tmp (both or neither). */
  readonly secretsCanonical?: string;
  readonly secretsRuntime?: string;
  /** The app user PM2 runs as. */
  readonly user: string;
  readonly home: string;
  readonly pm2Bin: string;
  readonly nodeBinDir: string;
  /** The Debian cluster to start when the database is local ({ version: "15", cluster: "main" }). */
  readonly localPostgres?: { readonly version: string; readonly cluster: string };
  readonly xvfbBin?: string;
}

/** Where the Xvfb supervisor's pid is kept: /run is fresh at each container start. */
export const XVFB_SUPERVISOR_PID = "/run/hostform-xvfb.pid";

/**
 * Starts Xvfb under a small supervisor (root's) that restarts it when it dies, and waits for its
 * socket. Xvfb itself runs as `user` (runuser) unless that is root: its only clients are the app's.
 */
function xvfbSection(display: string, screen: string, xvfbBin: string, user: string): string {
  const n = display.slice(1);
  const xvfb = user === "root"
    ? script`
  nohup bash -c 'while :; do "$1" "$2" -screen 0 "$3" -nolisten tcp; rc=$?; echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) Xvfb exited ($rc), restarting in 2 s"; sleep 2; done' \\
    hostform-xvfb-supervisor ${xvfbBin} ${display} ${screen} >>/var/log/xvfb.log 2>&1 </dev/null &`
    : script`
  nohup bash -c 'while :; do runuser -u "$4" -- "$1" "$2" -screen 0 "$3" -nolisten tcp; rc=$?; echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) Xvfb exited ($rc), restarting in 2 s"; sleep 2; done' \\
    hostform-xvfb-supervisor ${xvfbBin} ${display} ${screen} ${user} >>/var/log/xvfb.log 2>&1 </dev/null &`;
  return script`
# Xvfb before PM2: WebGPU needs a display. A small supervisor restarts Xvfb when it dies.
xvfb_socket=${xSocket(display)}
supervisor=$(cat ${XVFB_SUPERVISOR_PID} 2>/dev/null || :)
if [ -n "$supervisor" ] && grep -qsF hostform-xvfb-supervisor "/proc/$supervisor/cmdline"; then
  log "Xvfb supervisor already running (pid $supervisor)"
else
  # A lock left by an earlier container run names a pid that may be alive again: Xvfb would refuse.
  rm -f ${`/tmp/.X${n}-lock`} "$xvfb_socket"
  # Root makes it 1777 root (an Xvfb that is not root cannot): a link planted there is removed, never followed.
  if [ -L /tmp/.X11-unix ]; then rm -f /tmp/.X11-unix; fi
  mkdir -p /tmp/.X11-unix && chown -h root:root /tmp/.X11-unix && chmod 1777 /tmp/.X11-unix` + xvfb + script`
  echo "$!" >${XVFB_SUPERVISOR_PID}
  log "started the Xvfb supervisor (pid $!)"
fi
waited=0
while [ ! -S "$xvfb_socket" ] && [ "$waited" -lt 40 ]; do sleep 0.5; waited=$((waited + 1)); done
if [ -S "$xvfb_socket" ]; then
  log ${`Xvfb ${display} is up`}
else
  fail ${`Xvfb ${display} has no socket after 20 s: see /var/log/xvfb.log`}
fi
`;
}

/**
 * /root/onstart.sh for hosts without systemd (Vast.ai runs it at every container start). It
 * brings the stack up in the order systemd hosts get from their units: secrets file, Xvfb,
 * PostgreSQL, the boot hooks of SysV services, then PM2's saved process list. Running it again
 * starts nothing twice.
 */
export function renderOnstart(a: OnstartArgs): string {
  const xvfbBin = a.xvfbBin ?? "/usr/bin/Xvfb";
  const p = new Problems();
  if (a.display !== undefined || a.screen !== undefined) checkDisplay(p, a.display as string, a.screen);
  const secrets = a.secretsCanonical !== undefined || a.secretsRuntime !== undefined;
  checkPaths(p, { ...a, xvfbBin }, [...(secrets ? ["secretsCanonical", "secretsRuntime"] as const : []), "home", "pm2Bin", "nodeBinDir", "xvfbBin"]);
  p.check(isUserName(a.user), `user ${show(a.user)} is not a user name: give a Debian user name like "ubuntu"`);
  if (a.localPostgres !== undefined) {
    p.check(/^\d+$/.test(a.localPostgres.version), `localPostgres.version ${show(a.localPostgres.version)} must be a major version like "15"`);
    p.check(/^[A-Za-z0-9_-]+$/.test(a.localPostgres.cluster), `localPostgres.cluster ${show(a.localPostgres.cluster)} must be a cluster name like "main"`);
  }
  p.done("renderOnstart");
  // As pm2As spells it, so the daemon's title matches.
  const pm2Home = `${a.home}/.pm2`;
  const pg = a.localPostgres;
  const postgres = pg === undefined ? "" : script`
# DATABASE_URL points at this machine: its cluster must be up before the server connects.
if pg_ctlcluster ${pg.version} ${pg.cluster} status >/dev/null 2>&1; then
  log ${`PostgreSQL ${pg.version}/${pg.cluster} already running`}
elif pg_ctlcluster ${pg.version} ${pg.cluster} start; then
  log ${`started PostgreSQL ${pg.version}/${pg.cluster}`}
else
  fail ${`cannot start PostgreSQL ${pg.version}/${pg.cluster}: see /var/log/postgresql/postgresql-${pg.version}-${pg.cluster}.log`}
fi
`;
  const restore = !secrets ? "" : script`
# PM2's ecosystem reads the secrets at load time, and /tmp does not survive a restart.
if install -m 0600 -o ${a.user} -g ${a.user} ${a.secretsCanonical} ${a.secretsRuntime}; then
  log ${`restored ${a.secretsRuntime}`}
else
  fail ${`cannot restore ${a.secretsRuntime} from ${a.secretsCanonical}`}
fi
`;
  const display = a.display === undefined ? "" : xvfbSection(a.display, a.screen ?? "", xvfbBin, a.user);
  return script`#!/bin/bash
# Written by hostform; changes made on the host are replaced on the next run.
# Runs at every container start (there is no init system). No set -e on purpose: a failed step
# is logged and the next one still runs; the exit status says whether any step failed.
set -u
failed=0
log() { printf '%s onstart: %s\\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*"; }
fail() { log "FAILED: $*"; failed=1; }
` + restore + display + postgres + script`
# SysV services hostform enables on this host (hostform Service resources).
if [ -d ${BOOT_DIR} ]; then
  if run-parts ${BOOT_DIR}; then log ${`ran ${BOOT_DIR}`}; else fail ${`a hook in ${BOOT_DIR} failed`}; fi
fi

# PM2 last, so the apps find the display, the secrets and the database. resurrect on a running
# daemon would start the saved apps a second time, so a live God Daemon is left alone.
` + readPm2Pid(a, "pm2_pid") + script`if [ -n "$pm2_pid" ] && grep -qsF ${`God Daemon (${pm2Home})`} "/proc/$pm2_pid/cmdline"; then
  log "PM2 already running (pid $pm2_pid)"
elif ` + pm2As(a, "resurrect") + script`; then
  log "PM2 resurrected the saved process list"
else
  fail ${`pm2 resurrect failed for ${a.user}`}
fi
exit "$failed"
`;
}

