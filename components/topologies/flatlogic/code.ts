import * as pulumi from "@pulumi/pulumi";
import { CHECKOUT, deployedCheck, gitPrelude, RECORD_DEPLOYED } from "../../blocks/git/checkout";
import { script } from "../../host/quote";
import { reloadFromEcosystem } from "../../blocks/pm2/pm2";
import { Step } from "../../host/resources";
import type { VmHost } from "../../blocks/base/vmhost";

export interface AppCodeArgs {
  readonly host: VmHost;
  /** Git remote the host pulls from (a URL, or a path on the host). */
  readonly repo: string;
  /** Branch, tag or full commit sha to deploy. */
  readonly ref: string;
  /** The executor workspace: a checkout of the repository. */
  readonly workspace: string;
  /** Where immutable frontend releases are built. */
  readonly releasesDir: string;
  /** Releases kept (FRONTEND_RELEASES_KEEP); the active one is never deleted. */
  readonly keep: number;
  /** A retained release id to run instead of the newest build: rollback. */
  readonly pin?: string;
  /** pm2, to switch frontend-dev to a new release. */
  readonly pm2Bin: string;
  /** The PM2 apps that run from the workspace: reloaded when it moves to another commit. */
  readonly workspaceApps: readonly string[];
  readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * Prunes `$rel` after `$target` went live (as_user, rel and target set): the `keep` newest finished
 * releases stay, and so do the active one and the rollback target (the newest finished release
 * older than the active one), whatever `keep` says. A directory without the release marker (a
 * build cut short) is never run, so it is removed and never counted in place of a good release.
 * The runbook's active release is frontend-dev's working directory: a release some process runs in
 * (one the executor's own pull switched frontend-dev to, say) is never removed, whoever built it.
 */
export function pruneReleases(keep: number): string {
  return script`active=$(basename "$target")
busy=$({ find /proc/[0-9]*/cwd -maxdepth 0 -printf '%l\\n' 2>/dev/null || :; } | awk -v r="$rel/" 'index($0, r) == 1 { s = substr($0, length(r) + 1); sub("/.*", "", s); print s }' | sort -u)
good=0; below=""
while read -r old; do
  if [ "$old" = "$active" ]; then below=yes; good=$((good + 1)); continue; fi
  if printf '%s\n' "$busy" | grep -qxF -- "$old"; then continue; fi
  if [ ! -f "$rel/$old/frontend/.hostform-release" ]; then as_user rm -rf -- "\${rel:?}/$old"; continue; fi
  if [ "$below" = yes ]; then below=done; good=$((good + 1)); continue; fi
  good=$((good + 1))
  if [ "$good" -gt ${keep} ]; then as_user rm -rf -- "\${rel:?}/$old"; fi
done < <(ls -1 "$rel" | { grep -E '^[0-9]{14}-[0-9a-f]{12}$' || :; } | sort -r)
`;
}

export const ENV_FILES = [".env", ".env.local", ".env.production", ".env.production.local"];

/**
 * The app's code: the workspace checked out at the wanted ref (the backend's dependencies
 * installed), and the frontend as immutable releases <timestamp>-<sha> built from it.
 */
export class AppCode extends pulumi.ComponentResource {
  readonly workspace: Step;
  readonly release: Step;
  /** The active release's frontend, through the `current` link the release step switches. */
  readonly frontendDir: string;

  constructor(name: string, args: AppCodeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hostform:flatlogic:AppCode", name, {}, opts);
    const h = args.host;
    const parent = { parent: this };
    this.frontendDir = `${args.releasesDir}/current/frontend`;
    const pre = gitPrelude({ user: h.appUser, home: h.home, nodeBinDir: h.nodeBinDir, workspace: args.workspace, repo: args.repo, ref: args.ref }, { rel: args.releasesDir });
    const pm2Home = { user: h.appUser, home: h.home, pm2Bin: args.pm2Bin, nodeBinDir: h.nodeBinDir };

    this.workspace = new Step(`${name}-workspace`, {
      connection: h.connection,
      title: `workspace at ${args.ref}`,
      check: pre + deployedCheck("# The run records the commit last: a run that failed halfway is not taken for done.\n"),
      run: pre + CHECKOUT + `if [ -f "$ws/backend/package-lock.json" ]; then (cd "$ws/backend" && as_user npm ci --no-audit --no-fund --loglevel=error >/dev/null); fi
` + reloadFromEcosystem(pm2Home, args.workspaceApps) + RECORD_DEPLOYED,
      triggers: { repo: args.repo, ref: args.ref },
    }, { ...parent, dependsOn: [...h.ready, ...(args.dependsOn ?? [])] });

    // The release to run: the pinned one, or the newest built from `sha` (set by `shaCmd`).
    const target = (shaCmd: string, missing: number) => args.pin
      ? script`target="$rel"/${args.pin}
test -f "$target/frontend/.hostform-release" || { echo "release ${args.pin} is not retained on the host; retained: $(ls "$rel" | tr '\n' ' ')" >&2; exit ${missing}; }
`
      : `sha=$(${shaCmd}) || exit 1
target=$({ ls -1d "$rel"/*-"\${sha:0:12}" 2>/dev/null || :; } | sort | tail -n 1)
`;
    // A refresh reads this check before the workspace step runs, so it looks for the release of the
    // remote's commit; the run builds from the workspace, which the workspace step has just updated.
    const remoteSha = `resolve_ref | cut -d ' ' -f 1`;
    const headSha = `g -C "$ws" rev-parse HEAD 2>/dev/null`;
    this.release = new Step(`${name}-release`, {
      connection: h.connection,
      title: "frontend release",
      check: pre + target(remoteSha, 1) + `[ -n "$target" ] && test -f "$target/frontend/.hostform-release" && test "$(readlink "$rel/current")" = "$target"
`,
      // Everything in the releases folder is the app user's: it acts there, root only reads.
      run: pre + `hf_walk "$rel" || hf_refuse "$rel"
` + target(headSha, 3) + (args.pin ? "" : `if [ -z "$target" ] || [ ! -f "$target/frontend/.hostform-release" ]; then
  # A build cut short (killed, rebooted) is never used, and never kept in place of a good release.
  if [ -n "$target" ]; then as_user rm -rf -- "$target"; fi
  target="$rel/$(date -u +%Y%m%d%H%M%S)-\${sha:0:12}"
  as_user mkdir -p -- "$target"
  g -C "$ws" archive HEAD frontend | as_user tar -x -C "$target"
  for f in ${ENV_FILES.join(" ")}; do if [ -f "$ws/frontend/$f" ]; then as_user cp -p "$ws/frontend/$f" "$target/frontend/"; fi; done
  (cd "$target/frontend" && as_user npm ci --no-audit --no-fund --loglevel=error >/dev/null && as_user npm run build >/dev/null)
  as_user rm -rf -- "$target/frontend/.next" "$target/frontend/.turbo" "$target/frontend/build/cache"
  as_user touch "$target/frontend/.hostform-release"
fi
`) + `as_user ln -sfn "$target" "$rel/current.new" && as_user mv -T -- "$rel/current.new" "$rel/current"
` + reloadFromEcosystem(pm2Home, ["frontend-dev"]) + pruneReleases(args.keep),
      triggers: { ref: args.ref, pin: args.pin ?? null, keep: args.keep },
    }, { ...parent, dependsOn: [this.workspace] });
    this.registerOutputs({});
  }
}
