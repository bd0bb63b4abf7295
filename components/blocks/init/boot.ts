/**
 * The init flavor, in one place: what must come up at boot before PM2 (a secrets file restored
 * into /tmp, the Xvfb display, a local PostgreSQL, SysV services' hooks) as systemd units on the
 * systemd flavor, or as /root/onstart.sh on the container flavor (no init system: Vast.ai runs that
 * script at every container start). PM2 itself comes back through its own unit (systemd) or the
 * script's last step (container).
 */
import * as pulumi from "@pulumi/pulumi";
import { script } from "../../host/quote";
import { File, Step, SystemdUnit } from "../../host/resources";
import type { VmHost } from "../base/vmhost";
import { renderRestoreSecretsUnit } from "../secrets/restore";
import { renderXvfbUnit, xSocket } from "../xvfb/render";
import { renderOnstart } from "./onstart";

export interface BootArgs {
  readonly host: VmHost;
  /** The pm2 executable resurrected at container start. */
  readonly pm2Bin: string;
  /** A secrets file in /tmp restored at boot from the copy kept outside it, by `unit` on systemd. */
  readonly secrets?: { readonly canonical: string; readonly runtime: string; readonly unit: string; readonly dependsOn: pulumi.Resource[] };
  /** The Xvfb display, once its package is in (`dependsOn`). */
  readonly xvfb?: { readonly display: string; readonly screen: string; readonly dependsOn: pulumi.Resource[] };
  /** A local cluster that onstart.sh starts (systemd hosts start it through its own service). */
  readonly localPostgres?: pulumi.Input<{ readonly version: string; readonly cluster: string }>;
  /** What onstart.sh starts needs to be installed first (container flavor). */
  readonly onstartDependsOn?: pulumi.Resource[];
}

export interface Boot {
  /** What PM2's start waits for. */
  readonly resources: pulumi.Resource[];
  /** Units the PM2 unit Requires= and starts After= (systemd flavor). */
  readonly pm2Requires?: string[];
}

/** Resources named `<name>-secrets-restore` and `<name>-xvfb` (systemd), `<name>-onstart` and `<name>-xvfb` (container). */
export function bootResources(name: string, a: BootArgs, parent: pulumi.Resource): Boot {
  const h = a.host;
  const connection = h.connection;
  if (h.flavor === "systemd") {
    const resources: pulumi.Resource[] = [];
    if (a.secrets) {
      resources.push(new SystemdUnit(`${name}-secrets-restore`, {
        connection, name: a.secrets.unit, content: renderRestoreSecretsUnit({ canonical: a.secrets.canonical, runtime: a.secrets.runtime, user: h.appUser }),
      }, { parent, dependsOn: a.secrets.dependsOn }));
    }
    if (a.xvfb) {
      resources.push(new SystemdUnit(`${name}-xvfb`, { connection, name: "xvfb.service", content: renderXvfbUnit({ user: h.appUser, display: a.xvfb.display, screen: a.xvfb.screen }) }, { parent, dependsOn: a.xvfb.dependsOn }));
    }
    const requires = [...(a.xvfb ? ["xvfb.service"] : []), ...(a.secrets ? [a.secrets.unit] : [])];
    return { resources, ...(requires.length ? { pm2Requires: requires } : {}) };
  }
  const onstart = new File(`${name}-onstart`, {
    connection, path: "/root/onstart.sh", mode: "0755",
    content: pulumi.output(a.localPostgres).apply((pg) => renderOnstart({
      ...(a.xvfb ? { display: a.xvfb.display, screen: a.xvfb.screen } : {}),
      ...(a.secrets ? { secretsCanonical: a.secrets.canonical, secretsRuntime: a.secrets.runtime } : {}),
      user: h.appUser, home: h.home, pm2Bin: a.pm2Bin, nodeBinDir: h.nodeBinDir,
      ...(pg ? { localPostgres: { version: pg.version, cluster: pg.cluster } } : {}),
    })),
  }, { parent, dependsOn: [...(a.xvfb?.dependsOn ?? []), ...(a.secrets?.dependsOn ?? []), ...(a.onstartDependsOn ?? [])] });
  const resources: pulumi.Resource[] = [onstart];
  if (a.xvfb) {
    resources.push(new Step(`${name}-xvfb`, {
      connection, title: `Xvfb ${a.xvfb.display} running`,
      check: script`test -S ${xSocket(a.xvfb.display)} && pgrep -x Xvfb >/dev/null`,
      // onstart.sh is the container's start script; its status also covers PM2, which comes
      // later in this run: the check that follows every step verifies Xvfb itself.
      run: "/root/onstart.sh >>/var/log/onstart.log 2>&1 || :",
    }, { parent, dependsOn: [onstart] }));
  }
  return { resources };
}
