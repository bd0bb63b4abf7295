/**
 * STREAMING_DUEL_ENABLED=true is what makes the server's graceful restart wait for the duel
 * (seeds/003, "Restart happens immediately despite active duel"). hostform sets it in the apps'
 * environment; this check reads it back from the running server process (that variable alone:
 * the process's environment also holds secrets).
 */
import { type Pm2Home, pm2As } from "../../host/kinds/pm2";
import { readPm2Pid, userPid } from "../../host/kinds/pm2-observe";
import { script } from "../../host/quote";

export const STREAMING_DUEL = { STREAMING_DUEL_ENABLED: "true" } as const;

/** Exits 0 when PM2's `app` runs with STREAMING_DUEL_ENABLED=true, 1 when not (or not running). */
export function streamingDuelCheck(h: Pm2Home, app: string): string {
  // `pm2 pid` would start a daemon where none runs: a stopped PM2 is "not in place" instead.
  return readPm2Pid(h, "daemon") + script`[ -n "$daemon" ] && kill -0 "$daemon" 2>/dev/null || exit 1
` + `pid=$( ${pm2As(h, script`pid ${app}`)} 2>/dev/null | tail -n 1 || :)
{ ${userPid(h, "pid")} && [ -r "/proc/$pid/environ" ]; } || exit 1
tr '\\0' '\\n' < "/proc/$pid/environ" | grep -qx 'STREAMING_DUEL_ENABLED=true'
`;
}

/**
 * The run after each PM2 change: the check again (the apps were just started with hostform's
 * environment), else a failure that says why; it is nothing hostform can fix on its own.
 */
export function streamingDuelRun(h: Pm2Home, app: string, ecosystemFile: string): string {
  return `if (
${streamingDuelCheck(h, app)}); then exit 0; fi
` + script`echo ${`${app} runs without STREAMING_DUEL_ENABLED=true, so a graceful restart would not wait for the duel (seeds/003): hostform sets it in ${ecosystemFile}; check that the app's start command keeps its environment, then run up again`} >&2
exit 1
`;
}
