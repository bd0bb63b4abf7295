import { CHECKOUT, deployedCheck, gitPrelude, RECORD_DEPLOYED } from "../../blocks/git/checkout";
import { ENV_VALUE_SH } from "../../host/envfile";
import { sh } from "../../host/quote";
import { type GracefulRestartArgs, gracefulRestartScript } from "./restart";

export interface DuelCodeArgs {
  readonly user: string;
  readonly home: string;
  readonly nodeBinDir: string;
  readonly repo: string;
  readonly ref: string;
  readonly workspace: string;
  /**
   * The secrets file (KEY='value' lines) root reads DATABASE_URL and ADMIN_CODE from: the copy only
   * root can write. It is parsed (env_value), never run as shell code.
   */
  readonly secretsFile: string;
  /** Shell run after the checkout (the app's install, build and migrate commands; app.ts). */
  readonly prepare: string;
  readonly serverPort: number;
  readonly pm2Bin: string;
  readonly gracefulTimeoutSeconds: number;
  readonly healthTimeoutSeconds: number;
  readonly ecosystemPath: string;
  /** The server's PM2 app. */
  readonly app: string;
}

/**
 * The app's migration command, with DATABASE_URL parsed out of the secrets file by root and handed
 * to the app user's shell on stdin, which exports it to the command: it is never on a command line
 * (ps shows those to everyone), and lives only in the environment of the app user's own migration
 * processes.
 */
export function migrateScript(command: string): string {
  return `env_value "$secrets" DATABASE_URL | (cd "$ws" && as_user bash -c 'IFS= read -r DATABASE_URL || [ -n "$DATABASE_URL" ]; export DATABASE_URL; exec bash -c "$1"' migrate ${sh(command)})`;
}

function prelude(a: DuelCodeArgs): string {
  return gitPrelude({ user: a.user, home: a.home, nodeBinDir: a.nodeBinDir, workspace: a.workspace, repo: a.repo, ref: a.ref }, { secrets: a.secretsFile }) + ENV_VALUE_SH;
}

/**
 * In place when the remote's commit was deployed to the end (checked out, migrated, restarted
 * into): the run writes the commit to a marker last, so a run that failed halfway (a refused
 * graceful restart, say) is run again by the next up instead of looking done.
 */
export function duelCodeCheck(a: DuelCodeArgs): string {
  return prelude(a) + deployedCheck();
}

/**
 * Checkout, the app's commands (install, build, migrations; app.ts), then the server restarted into the new code (restart.ts:
 * gracefully while it serves, started from the ecosystem file so it also gets the environment the
 * files hold). The commit is recorded only once /health answered 200 with the new version after
 * the restart, or when PM2 does not run the server at all (nothing runs old code then).
 * DATABASE_URL reaches the migration's shell on stdin, which exports it to npm (the app user's own
 * environment, never a command line); the admin code goes to curl on stdin.
 */
export function duelCodeRun(a: DuelCodeArgs): string {
  return prelude(a) + CHECKOUT + a.prepare + gracefulRestartScript(restartArgs(a)) + "graceful_restart\n" + RECORD_DEPLOYED;
}

/** The restart of the server, as the code step and the PM2 resource (a new environment) both run it. */
export function restartArgs(a: DuelCodeArgs): GracefulRestartArgs {
  return {
    pm2: { user: a.user, home: a.home, pm2Bin: a.pm2Bin, nodeBinDir: a.nodeBinDir },
    ecosystemPath: a.ecosystemPath, app: a.app, serverPort: a.serverPort, secretsFile: a.secretsFile,
    gracefulTimeoutSeconds: a.gracefulTimeoutSeconds, healthTimeoutSeconds: a.healthTimeoutSeconds, versionFile: `${a.workspace}/VERSION`,
  };
}
