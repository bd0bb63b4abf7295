/**
 * Git deploy, shared by every topology that runs an app from a checkout: one shell prelude that
 * names the checkout's variables and runs git and npm as the app user, and the check that the
 * remote's commit was deployed to the end (the run writes a marker last).
 */
import { script, sh } from "../../host/quote";

export interface CheckoutArgs {
  /** The app user git and npm run as. */
  readonly user: string;
  readonly home: string;
  /** The folder holding the node the app runs with, first on PATH. */
  readonly nodeBinDir: string;
  /** The checkout. */
  readonly workspace: string;
  /** Git remote (a URL, or a path on the host). */
  readonly repo: string;
  /** Branch or tag to deploy. */
  readonly ref: string;
}

/**
 * Shell variables `u`, `ws`, `repo`, `ref` (and `extra`, each quoted), with `as_user` (a command as
 * the app user, with its HOME and node on PATH) and `g` (git as the app user).
 */
export function gitPrelude(a: CheckoutArgs, extra: Readonly<Record<string, string>> = {}): string {
  const vars = Object.entries(extra).map(([k, v]) => `; ${k}=${sh(v)}`).join("");
  return script`u=${a.user}; ws=${a.workspace}; repo=${a.repo}; ref=${a.ref}` + vars + script`
as_user() { runuser -u "$u" -- env HOME=${a.home} PATH=${a.nodeBinDir}:/usr/local/bin:/usr/bin:/bin "$@"; }
g() { as_user git "$@"; }
`;
}

/** In place when the remote's commit for `ref` is the one the last complete run recorded. */
export function deployedCheck(note = ""): string {
  return `want=$(g ls-remote "$repo" "$ref" | awk 'NR==1 {print $1}')
[ -n "$want" ] || { echo "ref $ref not found in $repo" >&2; exit 2; }
${note}test "$(cat "$ws/.git/hostform-deployed" 2>/dev/null)" = "$want"
`;
}

/** Clones on first use, then checks out the fetched ref (as the app user). */
export const CHECKOUT = `install -d -o "$u" -g "$u" "$(dirname "$ws")"
if [ ! -d "$ws/.git" ]; then g clone -q --no-checkout "$repo" "$ws"; fi
g -C "$ws" fetch -q origin "$ref"
g -C "$ws" checkout -q --force FETCH_HEAD
`;

/** Records the deployed commit: the last line of a run, so a run that failed halfway is rerun. */
export const RECORD_DEPLOYED = `g -C "$ws" rev-parse HEAD > "$ws/.git/hostform-deployed"
`;
