/**
 * Pure renderers of the duel stack (the Hyperscape PM2 deployment guide and the graceful restart
 * API): its PM2 app. The files it shares with other topologies come from the blocks (Xvfb, the
 * secrets restore unit, the container boot script, the browser's env), re-exported here.
 */
import type { Pm2App } from "../../blocks/pm2/render";
import { checkDisplay, checkPaths, Problems } from "../../blocks/validate";

export { browserEnv } from "../../blocks/browser/flags";
export { renderOnstart, XVFB_SUPERVISOR_PID } from "../../blocks/init/onstart";
export type { OnstartArgs } from "../../blocks/init/onstart";
export { renderRestoreSecretsUnit } from "../../blocks/secrets/restore";
export type { RestoreSecretsUnitArgs } from "../../blocks/secrets/restore";
export { renderXvfbUnit, xSocket } from "../../blocks/xvfb/render";
export type { XvfbUnitArgs } from "../../blocks/xvfb/render";

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

/** The guide's PM2 app name. */
export const DUEL_APP = "duel-arena";

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
    name: DUEL_APP,
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

