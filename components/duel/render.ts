/**
 * Pure renderers for the duel stack (the Hyperscape PM2 deployment guide and the graceful
 * restart API): the Xvfb and secrets-restore units of systemd hosts, the start script of hosts
 * without an init system, the PM2 app and the browser's flags. No I/O; every problem of a call
 * is reported in one RenderError.
 */
import type { Pm2App } from "../flatlogic/pm2";
import { isPlainPath, isUserName, Problems, show } from "../flatlogic/validate";
import { pm2As } from "../host/kinds/pm2";
import { BOOT_DIR } from "../host/kinds/service";
import { script } from "../host/quote";

const DISPLAY = /^:\d+$/;
const SCREEN = /^\d+x\d+x\d+$/;

function checkDisplay(p: Problems, display: string, screen?: string): void {
  p.check(typeof display === "string" && DISPLAY.test(display), `display ${show(display)} must look like ":99"`);
  if (screen !== undefined) p.check(typeof screen === "string" && SCREEN.test(screen), `screen ${show(screen)} must be WIDTHxHEIGHTxDEPTH, like "1920x1080x24"`);
}

function checkPaths<T extends object>(p: Problems, a: T, keys: readonly (keyof T & string)[]): void {
  for (const key of keys) p.check(isPlainPath(a[key]), `${key} ${show(a[key])} must be an absolute path of [A-Za-z0-9._+@/-]`);
}

/** The X server's socket for a display: ":99" → /tmp/.X11-unix/X99. */
export const xSocket = (display: string): string => `/tmp/.X11-unix/X${display.slice(1)}`;

export interface XvfbUnitArgs {
  /** The X display (":99"). */
  readonly display?: string;
  /** The screen 0 geometry and depth ("1920x1080x24"). */
  readonly screen?: string;
  /** The Xvfb binary ("/usr/bin/Xvfb"). */
  readonly xvfbBin?: string;
}

/**
 * xvfb.service: WebGPU needs a window even on a headless server, so Xvfb runs before PM2 (the
 * PM2 unit Requires= and starts After= it). ExecStartPost waits for the X socket, so "started"
 * means "accepting clients" and the apps PM2 starts next find the display.
 */
export function renderXvfbUnit(a: XvfbUnitArgs = {}): string {
  const display = a.display ?? ":99";
  const screen = a.screen ?? "1920x1080x24";
  const xvfbBin = a.xvfbBin ?? "/usr/bin/Xvfb";
  const p = new Problems();
  checkDisplay(p, display, screen);
  checkPaths(p, { xvfbBin }, ["xvfbBin"]);
  p.done("renderXvfbUnit");
  // No `$` below: systemd would expand it. No PrivateTmp: clients look for the socket in /tmp.
  return `[Unit]
Description=Xvfb virtual display ${display} for WebGPU capture

[Service]
Type=simple
ExecStart=${xvfbBin} ${display} -screen 0 ${screen} -nolisten tcp
ExecStartPost=/usr/bin/timeout 20 /bin/sh -c 'until [ -S ${xSocket(display)} ]; do sleep 0.2; done'
Restart=always
RestartSec=2

[Install]
WantedBy=multi-user.target
`;
}

export interface RestoreSecretsUnitArgs {
  /** The secrets file hostform keeps on disk (root-owned folder, survives reboots). */
  readonly canonical: string;
  /** Where the ecosystem file reads it ("/tmp/hyperscape-secrets.env"). */
  readonly runtime: string;
  /** The app user, owner of the runtime copy. */
  readonly user: string;
}

/**
 * hyperscape-secrets.service: the guide's ecosystem reads /tmp/hyperscape-secrets.env, and /tmp
 * is emptied at boot (tmpfiles' `D /tmp`), so this copies the kept file back before PM2 (which
 * Requires= and starts After= it). A missing canonical file fails the unit, and so PM2: better
 * than a server without DATABASE_URL.
 */
export function renderRestoreSecretsUnit(a: RestoreSecretsUnitArgs): string {
  const p = new Problems();
  checkPaths(p, a, ["canonical", "runtime"]);
  p.check(isUserName(a.user), `user ${show(a.user)} is not a user name: give a Debian user name like "ubuntu"`);
  p.check(a.canonical !== a.runtime, "canonical and runtime are the same file: keep the canonical copy outside /tmp");
  p.done("renderRestoreSecretsUnit");
  return `[Unit]
Description=Restore ${a.runtime} for PM2 (/tmp is emptied at boot)
After=local-fs.target tmp.mount systemd-tmpfiles-setup.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/bin/install -m 0600 -o ${a.user} -g ${a.user} ${a.canonical} ${a.runtime}

[Install]
WantedBy=multi-user.target
`;
}

export interface OnstartArgs {
  readonly display: string;
  readonly screen: string;
  readonly secretsCanonical: string;
  readonly secretsRuntime: string;
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
 * /root/onstart.sh for hosts without systemd (Vast.ai runs it at every container start). It
 * brings the stack up in the order systemd hosts get from their units: secrets file, Xvfb,
 * PostgreSQL, the boot hooks of SysV services, then PM2's saved process list. Running it again
 * starts nothing twice.
 */
export function renderOnstart(a: OnstartArgs): string {
  const xvfbBin = a.xvfbBin ?? "/usr/bin/Xvfb";
  const p = new Problems();
  checkDisplay(p, a.display, a.screen);
  checkPaths(p, { ...a, xvfbBin }, ["secretsCanonical", "secretsRuntime", "home", "pm2Bin", "nodeBinDir", "xvfbBin"]);
  p.check(isUserName(a.user), `user ${show(a.user)} is not a user name: give a Debian user name like "ubuntu"`);
  if (a.localPostgres !== undefined) {
    p.check(/^\d+$/.test(a.localPostgres.version), `localPostgres.version ${show(a.localPostgres.version)} must be a major version like "15"`);
    p.check(/^[A-Za-z0-9_-]+$/.test(a.localPostgres.cluster), `localPostgres.cluster ${show(a.localPostgres.cluster)} must be a cluster name like "main"`);
  }
  p.done("renderOnstart");
  const n = a.display.slice(1);
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
  return script`#!/bin/bash
# Written by hostform; changes made on the host are replaced on the next run.
# Runs at every container start (there is no init system). No set -e on purpose: a failed step
# is logged and the next one still runs; the exit status says whether any step failed.
set -u
failed=0
log() { printf '%s onstart: %s\\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*"; }
fail() { log "FAILED: $*"; failed=1; }

# PM2's ecosystem reads the secrets at load time, and /tmp does not survive a restart.
if install -m 0600 -o ${a.user} -g ${a.user} ${a.secretsCanonical} ${a.secretsRuntime}; then
  log ${`restored ${a.secretsRuntime}`}
else
  fail ${`cannot restore ${a.secretsRuntime} from ${a.secretsCanonical}`}
fi

# Xvfb before PM2: WebGPU needs a display. A small supervisor restarts Xvfb when it dies.
xvfb_socket=${xSocket(a.display)}
supervisor=$(cat ${XVFB_SUPERVISOR_PID} 2>/dev/null || :)
if [ -n "$supervisor" ] && grep -qsF hostform-xvfb-supervisor "/proc/$supervisor/cmdline"; then
  log "Xvfb supervisor already running (pid $supervisor)"
else
  # A lock left by an earlier container run names a pid that may be alive again: Xvfb would refuse.
  rm -f ${`/tmp/.X${n}-lock`} "$xvfb_socket"
  mkdir -p /tmp/.X11-unix && chmod 1777 /tmp/.X11-unix
  nohup bash -c 'while :; do "$1" "$2" -screen 0 "$3" -nolisten tcp; rc=$?; echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) Xvfb exited ($rc), restarting in 2 s"; sleep 2; done' \\
    hostform-xvfb-supervisor ${xvfbBin} ${a.display} ${a.screen} >>/var/log/xvfb.log 2>&1 </dev/null &
  echo "$!" >${XVFB_SUPERVISOR_PID}
  log "started the Xvfb supervisor (pid $!)"
fi
waited=0
while [ ! -S "$xvfb_socket" ] && [ "$waited" -lt 40 ]; do sleep 0.5; waited=$((waited + 1)); done
if [ -S "$xvfb_socket" ]; then
  log ${`Xvfb ${a.display} is up`}
else
  fail ${`Xvfb ${a.display} has no socket after 20 s: see /var/log/xvfb.log`}
fi
` + postgres + script`
# SysV services hostform enables on this host (hostform Service resources).
if [ -d ${BOOT_DIR} ]; then
  if run-parts ${BOOT_DIR}; then log ${`ran ${BOOT_DIR}`}; else fail ${`a hook in ${BOOT_DIR} failed`}; fi
fi

# PM2 last, so the apps find the display, the secrets and the database. resurrect on a running
# daemon would start the saved apps a second time, so a live God Daemon is left alone.
pm2_pid=$(cat ${`${pm2Home}/pm2.pid`} 2>/dev/null || :)
if [ -n "$pm2_pid" ] && grep -qsF ${`God Daemon (${pm2Home})`} "/proc/$pm2_pid/cmdline"; then
  log "PM2 already running (pid $pm2_pid)"
elif ` + pm2As(a, "resurrect") + script`; then
  log "PM2 resurrected the saved process list"
else
  fail ${`pm2 resurrect failed for ${a.user}`}
fi
exit "$failed"
`;
}

export interface DuelAppsArgs {
  /** The checkout the server runs from. */
  readonly cwd: string;
  /** The env file of secrets (DATABASE_URL, ADMIN_CODE, stream keys), read when PM2 loads the config. */
  readonly secretsFile: string;
  /** The Xvfb display, forwarded explicitly: PM2 does not pass the deploy shell's DISPLAY on. */
  readonly display: string;
  /** Plain settings (DUEL_DATABASE_MODE, USE_LOCAL_POSTGRES, POSTGRES_POOL_MAX, STREAM_PLATFORMS…); never secrets. */
  readonly env: Readonly<Record<string, string>>;
  /** What PM2 starts ("npm"). */
  readonly script?: string;
  readonly args?: readonly string[];
}

/** Names whose values belong in the secrets file, never in the ecosystem file. */
const SECRET_NAME = /SECRET|TOKEN|PASSWORD|KEY|CODE|^DATABASE_URL$/;

/** The guide's `duel-arena` app, with the graceful-restart API's restart settings. */
export function duelApps(a: DuelAppsArgs): Pm2App[] {
  const p = new Problems();
  checkDisplay(p, a.display);
  checkPaths(p, a, ["cwd", "secretsFile"]);
  for (const key of Object.keys(a.env)) {
    p.check(!SECRET_NAME.test(key), `env ${key} looks like a secret: put it in the secrets file, which stays out of the ecosystem file`);
    p.check(key !== "DISPLAY", "env DISPLAY: give the display as `display`");
  }
  p.done("duelApps");
  return [{
    name: "duel-arena",
    cwd: a.cwd,
    // The guide runs `bun run start`; hostform's stand-in server runs on Node, hence npm.
    script: a.script ?? "npm",
    args: a.args ?? ["run", "start"],
    env: { ...a.env, DISPLAY: a.display },
    envFile: a.secretsFile,
    autorestart: true,
    // After a graceful restart's exit PM2 waits 10 s; repeated crashes back off from 2 s.
    restartDelay: 10_000,
    expBackoffRestartDelay: 2_000,
  }];
}

/**
 * Chrome Beta's flags for WebGPU capture. "angle" is the guide's recommendation: ANGLE picks the
 * backend (Vulkan, then OpenGL). "vulkan" forces native Vulkan, which crashes on some drivers.
 */
export function browserFlags(backend: "angle" | "vulkan"): string[] {
  switch (backend) {
    case "angle":
      return ["--enable-unsafe-webgpu", "--use-gl=angle", "--use-angle=default"];
    case "vulkan":
      return ["--enable-unsafe-webgpu", "--use-angle=vulkan", "--enable-features=Vulkan"];
    default: {
      const p = new Problems();
      p.add(`backend ${show(backend)} is not "angle" (recommended) or "vulkan"`);
      p.done("browserFlags");
      return [];
    }
  }
}
