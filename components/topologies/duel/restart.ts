/**
 * The duel server's restart, used for new code and for a new environment alike: through the
 * graceful restart API of seeds/003 while it serves (never a hard restart during a duel), then
 * started from the ecosystem file so the new process has the environment the files hold.
 */
import { ENV_VALUE_SH } from "../../host/envfile";
import { type Pm2Home, pm2As } from "../../host/kinds/pm2";
import { readPm2Pid, userPid } from "../../host/kinds/pm2-observe";
import { script, sh } from "../../host/quote";

export interface GracefulRestartArgs {
  readonly pm2: Pm2Home;
  readonly ecosystemPath: string;
  /** The PM2 app ("duel-arena"). */
  readonly app: string;
  readonly serverPort: number;
  /** How long the running duel may take to end (gracefulTimeoutSeconds). */
  readonly gracefulTimeoutSeconds: number;
  /** How long the new process may take to answer /health with 200. */
  readonly healthTimeoutSeconds: number;
  /** The secrets file: ADMIN_CODE when the running server's environment has none. */
  readonly secretsFile: string;
  /** A file whose content /health reports as `version` once the new code runs (the checkout's VERSION). */
  readonly versionFile?: string;
}

/**
 * Node, as the app user: waits on PM2's event bus for the app's exit, then stops it at once. PM2
 * would otherwise start it again after its restart delay with the environment it kept from the
 * last start; `pm2 stop` cancels that pending restart. Prints "ready", then "stopped".
 */
export const CATCH_EXIT_JS = `"use strict";
const [mod, app, seconds] = process.argv.slice(1);
const pm2 = require(mod);
const done = (text, code) => { console.log(text); process.exit(code); };
setTimeout(() => done("timeout", 5), Number(seconds) * 1000);
pm2.connect((err) => {
  if (err) return done("cannot reach PM2: " + err.message, 3);
  pm2.launchBus((err2, bus) => {
    if (err2) return done("cannot watch PM2: " + err2.message, 3);
    bus.on("process:event", (e) => {
      if (e.event !== "exit" || !e.process || e.process.name !== app) return;
      pm2.stop(app, (err3) => done(err3 ? "cannot stop after the exit: " + err3.message : "stopped", err3 ? 3 : 0));
    });
    console.log("ready");
  });
});
`;

/** With no duel active seeds/003's server SIGTERMs itself at once: how long that may take at most. */
export const RESTART_NOW_SECONDS = 60;

/**
 * Bash defining `restart_when` and `restart_pending`, which read seeds/003's answers on stdin:
 * `restart_when` prints "now" for `"willRestartAfterDuel": false` (no duel active: the server
 * restarts at once) and "after-duel" for true (it waits for the duel's RESOLUTION), and fails on
 * an answer without the field; `restart_pending` prints restart-status's `restartPending`.
 * `restart_complete` and `status_summary` read restart-status as curl gives it with
 * `-w '\n%{http_code}'` (the body, then the HTTP code alone on the last line): complete is seeds/003's
 * loop's end, a 200 whose `restartPending` is false (no answer, a 401, a 500 or a body without the
 * field are not); the summary says what came back, for an error message.
 */
export const RESTART_ANSWER_SH = String.raw`restart_when() {
  local w
  w=$(tr -d '\n\r' | sed -n 's/.*"willRestartAfterDuel"[[:space:]]*:[[:space:]]*\(true\|false\).*/\1/p')
  case "$w" in true) echo after-duel ;; false) echo now ;; *) return 1 ;; esac
}
restart_pending() {
  tr -d '\n\r' | sed -n 's/.*"restartPending"[[:space:]]*:[[:space:]]*\(true\|false\).*/\1/p'
}
restart_complete() {
  local a
  a=$(cat)
  [ "$(printf '%s\n' "$a" | tail -n 1)" = 200 ] && [ "$(printf '%s\n' "$a" | sed '$d' | restart_pending)" = false ]
}
status_summary() {
  local a code body
  a=$(cat)
  code=$(printf '%s\n' "$a" | tail -n 1)
  body=$(printf '%s\n' "$a" | sed '$d' | tr -d '\n\r' | cut -c 1-200)
  [ -n "$body" ] || body="(empty body)"
  case "$code" in 000|"") echo "no answer" ;; *) echo "HTTP $code: $body" ;; esac
}
`;

/**
 * Log lines of each of the duel server's PM2 logs (out, then error) shown when its restart fails,
 * as `pm2 logs duel-arena --lines 15` shows them (seeds/003 Troubleshooting): 15 of each, not 15 in
 * all, so a server writing much to stderr does not hide its last stdout lines.
 */
export const RESTART_LOG_LINES = 15;

/**
 * Bash defining \`strip_colours\` (a filter dropping terminal escape sequences and carriage returns
 * from log lines) and \`restart_fail CODE WHY\`: a failed restart says why on stderr, then shows the
 * server's last log lines, RESTART_LOG_LINES of each log (seeds/003 Troubleshooting: \`pm2 logs duel-arena\`), as text, without PM2's
 * headers or colour codes, and exits CODE. The lines are not masked here: the provider masks the
 * stack's secrets and credential shapes in every error it reports (host/redact.ts).
 */
export function restartFailScript(h: Pm2Home, app: string): string {
  return String.raw`strip_colours() {
  sed -e 's#\x1b\[[0-9;?]*[ -/]*[@-~]##g' -e 's#\x1b[@-_]##g' -e 's#\r$##'
}
restart_fail() {
  echo "$2" >&2
  echo ${sh(`last log lines of ${app} (secrets redacted):`)} >&2
  { ${pm2As(h, script`logs ${app} --nostream --raw --lines ${RESTART_LOG_LINES}`)} 2>&1 || :; } | strip_colours | { grep -v -e '^\[TAILING\]' -e ' last [0-9]* lines:$' -e '^[[:space:]]*$' || :; } >&2
  echo >&2
  exit "$1"
}
`;
}

/**
 * Bash defining `graceful_restart` (callers run it under set -euo pipefail). Returns when the new
 * process answers /health with 200 (and reports the version file's content), or when PM2 does not
 * run the app at all (nothing runs old code; the PM2 resource starts it). Exits 4 when the restart
 * is refused, 5 when the duel did not end in time, 6 when the new process is not healthy in time,
 * 7 when the server answered /health but not the restart request.
 * It follows seeds/003's states: the server's answer says whether it restarts now (no duel active,
 * given RESTART_NOW_SECONDS) or after the duel's RESOLUTION (given gracefulTimeoutSeconds), and the
 * restart is complete when the new process answers /health and its restart-status has no restart
 * pending.
 */
export function gracefulRestartScript(a: GracefulRestartArgs): string {
  const h = a.pm2;
  const pm2Module = h.pm2Bin.replace(/\/bin\/pm2$/, "");
  const p2 = (args: string) => pm2As(h, args);
  return ENV_VALUE_SH + RESTART_ANSWER_SH + restartFailScript(h, a.app) + script`graceful_restart() {
  local app=${a.app} base=${`http://127.0.0.1:${a.serverPort}`} eco=${a.ecosystemPath} secrets=${a.secretsFile}
  local timeout=${a.gracefulTimeoutSeconds} htimeout=${a.healthTimeoutSeconds} version_file=${a.versionFile ?? ""}
  local daemon srv health admin code watch out s v w want deadline body when limit st
` + readPm2Pid(h, "daemon").replace(/^(?=.)/gm, "  ") + `  # GET /admin/restart-status with the admin code $1 (on curl's stdin, never a command line): the body, then the HTTP code.
  restart_status() { printf 'x-admin-code: %s\\n' "$1" | curl -s --max-time 5 -w '\\n%{http_code}' -H @- "$base/admin/restart-status" || :; }
  if [ -z "$daemon" ] || ! kill -0 "$daemon" 2>/dev/null || ! ${p2('describe "$app"')} >/dev/null 2>&1; then
    echo "$app does not run under PM2: nothing to restart" >&2
    return 0
  fi
  srv=$(${p2('pid "$app"')} | tail -n 1)
  health=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$base/health" || :)
  if [ "$health" = 200 ] && ${userPid(h, "srv")}; then
    # The code the running server checks is the one in its own environment: after a rotation the
    # secrets file already holds the next one.
    admin=$(tr '\\0' '\\n' < "/proc/$srv/environ" | sed -n '/^ADMIN_CODE=/{s///p;q}')
    if [ -z "$admin" ]; then admin=$(env_value "$secrets" ADMIN_CODE || :); fi
    out=$(mktemp)
    runuser -u ${sh(h.user)} -- env PM2_HOME=${sh(`${h.home}/.pm2`)} PATH=${sh(h.nodeBinDir)}:/usr/local/bin:/usr/bin:/bin ${sh(`${h.nodeBinDir}/node`)} -e ${sh(CATCH_EXIT_JS, true)} ${sh(pm2Module)} "$app" "$timeout" >"$out" 2>&1 &
    watch=$!
    for _ in $(seq 1 150); do if grep -q '^ready$' "$out" || ! kill -0 "$watch" 2>/dev/null; then break; fi; sleep 0.2; done
    if ! grep -q '^ready$' "$out"; then kill "$watch" 2>/dev/null || :; s=$(tail -n 3 "$out"); rm -f -- "$out"; restart_fail 4 "cannot watch PM2 for the restart: $s"; fi
    body=$(mktemp)
    code=$(printf 'x-admin-code: %s\\n' "$admin" | curl -s -o "$body" -w '%{http_code}' --max-time 10 -X POST -H @- "$base/admin/graceful-restart" || :)
    when=$(restart_when < "$body" || :)
    rm -f -- "$body"
    case "$code" in
      200) ;;
      401) kill "$watch" 2>/dev/null || :; rm -f -- "$out"; restart_fail 4 "graceful restart refused (401): the server did not accept the ADMIN_CODE of its own environment nor the one in $secrets" ;;
      000|"") kill "$watch" 2>/dev/null || :; rm -f -- "$out"; restart_fail 7 "the server did not answer the graceful restart request within 10 s" ;;
      *) kill "$watch" 2>/dev/null || :; rm -f -- "$out"; restart_fail 4 "graceful restart request failed (HTTP \${code:-none})" ;;
    esac
    # seeds/003: with no duel active the server restarts at once; during a duel, after its RESOLUTION.
    case "$when" in
      now) limit=${RESTART_NOW_SECONDS} ;;
      after-duel) limit=$timeout ;;
      *) kill "$watch" 2>/dev/null || :; rm -f -- "$out"; restart_fail 4 "the server accepted the graceful restart but did not answer willRestartAfterDuel (seeds/003): is $base the duel server? Nothing was restarted by hostform" ;;
    esac
    deadline=$(( $(date +%s) + limit ))
    while kill -0 "$watch" 2>/dev/null && [ "$(date +%s)" -lt "$deadline" ]; do sleep 1; done
    if kill -0 "$watch" 2>/dev/null || ! wait "$watch"; then
      kill "$watch" 2>/dev/null || :
      s=$(restart_status "$admin" | status_summary)
      v=$({ curl -s --max-time 5 "$base/health" || :; } | sed -n 's/.*"version":"\\([^"]*\\)".*/\\1/p')
      w=$(tail -n 1 "$out")
      rm -f -- "$out"
      if [ "$when" = now ]; then
        restart_fail 5 "the server answered that no duel is active and it restarts now (willRestartAfterDuel false), but it had not exited after \${limit} s (last status: $s; $w); the duel server still runs version \${v:-unknown}"
      else
        restart_fail 5 "graceful restart did not finish within \${timeout} s: the server waits for the duel's RESOLUTION (last status: $s; $w); the duel server still runs version \${v:-unknown}"
      fi
    fi
    rm -f -- "$out"
  fi
  # Started from the ecosystem file: the new process gets the environment the files hold now.
  ${p2('startOrReload "$eco" --only "$app" --update-env')} >/dev/null
  ${p2("save --force")} >/dev/null
  want=""; if [ -n "$version_file" ] && [ -f "$version_file" ]; then want=$(runuser -u ${sh(h.user)} -- cat -- "$version_file"); fi
  deadline=$(( $(date +%s) + htimeout ))
  while :; do
    v=$({ curl -s -w '\\n%{http_code}' --max-time 5 "$base/health" || :; } | tr -d '\\r')
    st=""
    if [ "$(printf '%s' "$v" | tail -n 1)" = 200 ] && { [ -z "$want" ] || printf '%s' "$v" | grep -qF "\\"version\\":\\"$want\\""; }; then
      # seeds/003's "Restart complete": restart-status answers restartPending false. Not "anything
      # but true": no answer, a 401 or a 500 says nothing about the restart.
      st=$(restart_status "$(env_value "$secrets" ADMIN_CODE || :)")
      if printf '%s\\n' "$st" | restart_complete; then return 0; fi
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      restart_fail 6 "after the restart, $base/health did not answer 200\${want:+ with version $want} and restart-status restartPending false within \${htimeout} s (last: health $(printf '%s' "$v" | tail -n 1)\${st:+, restart-status $(printf '%s\\n' "$st" | status_summary)})"
    fi
    sleep 2
  done
}
`;
}

/**
 * The restart of a server that PM2 runs but that fails its health check (hung): the graceful
 * restart, which goes through the restart API while /health still answers and straight to PM2
 * when it does not; when the server answers /health but not the restart API (exit 7), a PM2
 * restart from the ecosystem file. A refused restart or a duel that does not end still fails.
 */
export function hungRestartScript(a: GracefulRestartArgs): string {
  return gracefulRestartScript(a) + `set +e
( set -e; graceful_restart )
rc=$?
set -e
if [ "$rc" = 7 ]; then
  echo ${sh(`${a.app} did not answer its restart API: restarting it through PM2`)} >&2
  ${pm2As(a.pm2, script`startOrReload ${a.ecosystemPath} --only ${a.app} --update-env`)} >/dev/null
  ${pm2As(a.pm2, "save --force")} >/dev/null
elif [ "$rc" != 0 ]; then
  exit "$rc"
fi
`;
}
