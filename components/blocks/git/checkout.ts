/**
 * Git deploy, shared by every topology that runs an app from a checkout: one shell prelude that
 * names the checkout's variables and runs git and npm as the app user, and the check that the
 * remote's commit was deployed to the end (the run writes a marker last). The marker is hostform's
 * own state, so it lives in root-owned /var/lib/hostform/deployed, never in the app user's tree.
 */
import { createHash } from "node:crypto";
import { PATH_GUARD } from "../../host/paths";
import { script, sh } from "../../host/quote";

/** Root-owned: where the commit each checkout was last deployed at is recorded. */
export const DEPLOYED_DIR = "/var/lib/hostform/deployed";

/** The marker of one checkout: its path made a file name, and a short hash so two paths never share one. */
export function deployMarker(workspace: string): string {
  const name = workspace.replace(/^\/+/, "").replace(/[^A-Za-z0-9._-]/g, "_");
  return `${DEPLOYED_DIR}/${name}-${createHash("sha256").update(workspace).digest("hex").slice(0, 8)}`;
}

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
  /** Branch, tag or full commit sha to deploy. */
  readonly ref: string;
}

/**
 * Shell variables `u`, `ws`, `repo`, `ref`, `marker` (and `extra`, each quoted), with `as_user` (a
 * command as the app user, with its HOME and node on PATH), `g` (git as the app user) and the path
 * guard's `hf_walk`/`hf_refuse` (host/paths.ts).
 */
export function gitPrelude(a: CheckoutArgs, extra: Readonly<Record<string, string>> = {}): string {
  const vars = Object.entries(extra).map(([k, v]) => `; ${k}=${sh(v)}`).join("");
  return PATH_GUARD + script`u=${a.user}; ws=${a.workspace}; repo=${a.repo}; ref=${a.ref}; marker=${deployMarker(a.workspace)}` + vars + script`
as_user() { runuser -u "$u" -- env HOME=${a.home} PATH=${a.nodeBinDir}:/usr/local/bin:/usr/bin:/bin "$@"; }
g() { as_user git "$@"; }
` + RESOLVE_REF;
}

/**
 * `resolve_ref` prints "<commit> <what to fetch>" for `$ref` on `$repo`, exactly: a full sha is
 * itself; else refs/heads/<ref>; else refs/tags/<ref>, an annotated tag peeled to its commit
 * (refs/tags/<ref>^{}). ls-remote matches the tail of ref names, so its answer is filtered by
 * the whole name: `main` is never `feature/main`. Prints nothing when the ref does not exist.
 */
export const RESOLVE_REF = `resolve_ref() {
  if printf '%s' "$ref" | grep -Eqx '[0-9a-f]{40}|[0-9a-f]{64}'; then echo "$ref $ref"; return 0; fi
  g ls-remote "$repo" "refs/heads/$ref" "refs/tags/$ref" "refs/tags/$ref^{}" | awk -v ref="$ref" '
    $2 == "refs/heads/" ref { head = $1 }
    $2 == "refs/tags/" ref { tag = $1 }
    $2 == "refs/tags/" ref "^{}" { peeled = $1 }
    END { if (head != "") print head, "refs/heads/" ref; else if (peeled != "") print peeled, "refs/tags/" ref; else if (tag != "") print tag, "refs/tags/" ref }'
}
`;

/** In place when the remote's commit for `ref` is the one the last complete run recorded, and still checked out. */
export function deployedCheck(note = ""): string {
  return RESOLVED + `${note}test "$(cat "$marker" 2>/dev/null)" = "$want"
test "$(g -C "$ws" rev-parse HEAD 2>/dev/null)" = "$want"
`;
}

/** Sets `want` (the commit) and `spec` (what to fetch) from resolve_ref, or fails naming the ref. */
export const RESOLVED = `resolved=$(resolve_ref)
read -r want spec <<<"$resolved" || :
[ -n "\${want:-}" ] || { echo "ref $ref not found in $repo: no branch, tag or full commit sha of that name" >&2; exit 2; }
`;

/**
 * Clones on first use, then checks out exactly the resolved ref, all as the app user; a link the
 * app user planted on the way to the checkout is reported, not followed. A run killed halfway
 * leaves git's lock files behind; when no git of the app user runs, they are stale.
 */
export const CHECKOUT = `hf_walk "$ws" || hf_refuse "$ws"
as_user mkdir -p -- "$(dirname "$ws")"
if [ ! -d "$ws/.git" ]; then g clone -q --no-checkout "$repo" "$ws"; fi
if ! pgrep -u "$u" -x git >/dev/null; then (cd / && as_user find -P "$ws/.git" -name '*.lock' -type f -not -path '*/objects/*' -delete); fi
` + RESOLVED + `if [ "$spec" = "$want" ]; then
  g -C "$ws" cat-file -e "$want^{commit}" 2>/dev/null || g -C "$ws" fetch -q origin "$want" || g -C "$ws" fetch -q --tags origin '+refs/heads/*:refs/remotes/origin/*'
  g -C "$ws" checkout -q --force "$want"
else
  g -C "$ws" fetch -q origin "$spec"
  g -C "$ws" checkout -q --force FETCH_HEAD
fi
`;

/** Records the deployed commit: the last lines of a run, so a run that failed halfway is rerun. */
export const RECORD_DEPLOYED = `install -d -m 0700 ${DEPLOYED_DIR}
g -C "$ws" rev-parse HEAD > "$marker.new"
mv -f -- "$marker.new" "$marker"
`;
