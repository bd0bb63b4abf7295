import { CHECKOUT, deployedCheck, gitPrelude, RECORD_DEPLOYED } from "../../blocks/git/checkout";
import { script } from "../../host/quote";

export interface DuelCodeArgs {
  readonly user: string;
  readonly home: string;
  readonly nodeBinDir: string;
  readonly repo: string;
  readonly ref: string;
  readonly workspace: string;
  /** The runtime secrets file (KEY='value' lines, valid sh) with DATABASE_URL and ADMIN_CODE. */
  readonly secretsFile: string;
  readonly migrate: boolean;
  readonly serverPort: number;
  readonly pm2Bin: string;
  readonly gracefulTimeoutSeconds: number;
}

function prelude(a: DuelCodeArgs): string {
  return gitPrelude({ user: a.user, home: a.home, nodeBinDir: a.nodeBinDir, workspace: a.workspace, repo: a.repo, ref: a.ref }, { secrets: a.secretsFile });
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
 * Checkout, dependencies, migrations, then a graceful restart of a running server (seeds/003):
 * POST /admin/graceful-restart with x-admin-code, then poll /admin/restart-status until the
 * restart is no longer pending and /health reports the new code. The admin code goes to curl on
 * stdin (-H @-), never on a command line; migrations read DATABASE_URL from the secrets file.
 */
export function duelCodeRun(a: DuelCodeArgs): string {
  const base = `http://127.0.0.1:${a.serverPort}`;
  return prelude(a) + CHECKOUT + `if [ -f "$ws/package-lock.json" ]; then (cd "$ws" && as_user npm ci --no-audit --no-fund --loglevel=error >/dev/null); fi
` + (a.migrate ? `(cd "$ws" && set -a && . "$secrets" && set +a && as_user env DATABASE_URL="$DATABASE_URL" npm run --silent migrate)
` : "") + script`base=${base}; timeout=${a.gracefulTimeoutSeconds}
` + `admin() { ( . "$secrets" && printf '%s' "\${ADMIN_CODE:-}" ); }
status() { printf 'x-admin-code: %s\\n' "$(admin)" | curl -s --max-time 5 -H @- "$base/admin/restart-status" || :; }
running=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$base/health" || :)
if [ "$running" = 200 ]; then
  code=$(printf 'x-admin-code: %s\\n' "$(admin)" | curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X POST -H @- "$base/admin/graceful-restart" || :)
  case "$code" in
    200) ;;
    401) echo "graceful restart refused (401): ADMIN_CODE in the secrets does not match the server's admin code" >&2; exit 4 ;;
    *) echo "graceful restart request failed (HTTP $code)" >&2; exit 4 ;;
  esac
  want=$(cat "$ws/VERSION" 2>/dev/null || echo "")
  deadline=$(( $(date +%s) + timeout ))
  while :; do
    s=$(status)
    # Between the old process's exit and PM2's restart nothing answers: that is "not yet".
    v=$({ curl -s --max-time 5 "$base/health" || :; } | sed -n 's/.*"version":"\\([^"]*\\)".*/\\1/p')
    case "$s" in *'"restartPending":false'*) [ -z "$want" ] || [ "$v" = "$want" ] && break ;; esac
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "graceful restart did not finish within \${timeout} s (last status: \${s:-no answer}); the duel server still runs version \${v:-unknown}" >&2
      exit 5
    fi
    sleep 2
  done
fi
` + RECORD_DEPLOYED;
}
