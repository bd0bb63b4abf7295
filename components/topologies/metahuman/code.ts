/**
 * MetaHuman OS's code: the checkout at `ref` (or a pinned `commit`: rollback), built with pnpm when
 * the entry is missing or the commit changed, then the running web app reloaded worker by worker
 * (cluster mode: `pm2 reload` starts a new worker before it stops an old one) and the agents
 * restarted onto the new code.
 */
import { CHECKOUT, deployedCheck, gitPrelude, RECORD_DEPLOYED } from "../../blocks/git/checkout";
import { pm2As } from "../../host/kinds/pm2";
import { readPm2Pid } from "../../host/kinds/pm2-observe";
import { script } from "../../host/quote";

export interface MetahumanCodeArgs {
  readonly user: string;
  readonly home: string;
  readonly nodeBinDir: string;
  readonly repo: string;
  readonly ref: string;
  readonly commit?: string;
  /** The checkout. */
  readonly workspace: string;
  /** The web app's folder and entry, relative ("apps/site", "dist/server/entry.mjs"). */
  readonly cwd: string;
  readonly script: string;
  /** PM2's log folder, relative to the checkout; made by the app user. */
  readonly logDir: string;
  readonly pm2Bin: string;
  readonly app: string;
  /** Agent units restarted (when running) after a new commit. */
  readonly units: readonly string[];
}

function prelude(a: MetahumanCodeArgs): string {
  return gitPrelude({ user: a.user, home: a.home, nodeBinDir: a.nodeBinDir, workspace: a.workspace, repo: a.repo, ref: a.ref },
    { entry: `${a.workspace}/${a.cwd}/${a.script}`, site: `${a.workspace}/${a.cwd}`, ...(a.commit ? { commit: a.commit } : {}) });
}

/** In place when the wanted commit was deployed to the end and its entry exists. */
export function metahumanCodeCheck(a: MetahumanCodeArgs): string {
  const deployed = a.commit
    ? `want=$(g -C "$ws" rev-parse -q --verify "$commit^{commit}" 2>/dev/null) || exit 1
test "$(cat "$marker" 2>/dev/null)" = "$want"
`
    : deployedCheck();
  return prelude(a) + deployed + `test -f "$entry"
`;
}

export function metahumanCodeRun(a: MetahumanCodeArgs): string {
  const pm2 = (cmd: string) => pm2As({ user: a.user, home: a.home, pm2Bin: a.pm2Bin, nodeBinDir: a.nodeBinDir }, cmd);
  return prelude(a) + `prev=$(cat "$marker" 2>/dev/null || :)
` + CHECKOUT + (a.commit ? `g -C "$ws" checkout -q --force "$commit" || { echo "commit $commit is not in the history of $ref" >&2; exit 3; }
` : "") + script`as_user mkdir -p "$ws"/${a.logDir}
` + `head=$(g -C "$ws" rev-parse HEAD)
if [ ! -f "$entry" ] || [ "$head" != "$prev" ]; then
  if [ -f "$ws/pnpm-lock.yaml" ]; then frozen=--frozen-lockfile; else frozen=; fi
  # CI=true: pnpm never stops to ask (a modules folder to rebuild) without a terminal.
  (cd "$ws" && as_user env CI=true pnpm install $frozen --reporter=append-only >/dev/null)
  (cd "$site" && as_user env CI=true pnpm run build >/dev/null)
  test -f "$entry" || { echo "pnpm run build in $site did not write $entry" >&2; exit 3; }
fi
` + readPm2Pid(a, "pid") + `if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && ${pm2(script`describe ${a.app}`)} >/dev/null 2>&1; then
  ${pm2(script`reload ${a.app}`)} >/dev/null
  ${pm2("save --force")} >/dev/null
fi
` + (a.units.length ? script`if [ -n "$prev" ] && [ "$head" != "$prev" ]; then systemctl try-restart -- ${a.units}; fi
` : "") + RECORD_DEPLOYED;
}
