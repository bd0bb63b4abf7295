/** Restoring a secrets file that lives in /tmp (emptied at boot) from the copy kept outside it. */
import { checkPaths, isUserName, Problems, show } from "../validate";

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

