import type * as pulumi from "@pulumi/pulumi";
import { script } from "../../host/quote";
import { AptPackages, File, Service } from "../../host/resources";
import type { VmHost } from "../base/vmhost";
import { type LogrotateArgs, renderLogrotate } from "./render";

/**
 * `<name>-logrotate` (the package), `<name>-logrotate-config` (/etc/logrotate.d/<file>, checked
 * with `logrotate -d` before it stays) and what runs it daily: on systemd `<name>-logrotate-timer`
 * (Debian's logrotate.timer); on a container without an init system `<name>-logrotate-cron`, cron
 * started by the boot hook, which runs the logrotate package's /etc/cron.daily/logrotate.
 */
export function logrotate(name: string, a: { host: VmHost; file: string } & LogrotateArgs, opts: pulumi.CustomResourceOptions): pulumi.Resource[] {
  const h = a.host;
  const connection = h.connection;
  const systemd = h.flavor === "systemd";
  const pkg = new AptPackages(`${name}-logrotate`, { connection, packages: systemd ? ["logrotate"] : ["logrotate", "cron"] }, { ...opts, dependsOn: h.ready });
  const path = `/etc/logrotate.d/${a.file}`;
  const config = new File(`${name}-logrotate-config`, {
    connection, path, content: renderLogrotate(a), mode: "0644",
    verifyCommand: script`logrotate -d ${path} >/dev/null 2>&1`,
  }, { ...opts, dependsOn: [pkg] });
  const daily = systemd
    ? new Service(`${name}-logrotate-timer`, { connection, name: "logrotate.timer", manager: "systemd" }, { ...opts, dependsOn: [pkg] })
    : new Service(`${name}-logrotate-cron`, { connection, name: "cron", manager: "initd" }, { ...opts, dependsOn: [pkg] });
  return [pkg, config, daily];
}
