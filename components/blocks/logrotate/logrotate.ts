import type * as pulumi from "@pulumi/pulumi";
import { script } from "../../host/quote";
import { AptPackages, File, Service } from "../../host/resources";
import type { VmHost } from "../base/vmhost";
import { type LogrotateArgs, renderLogrotate } from "./render";

/**
 * `<name>-logrotate` (the package), `<name>-logrotate-config` (/etc/logrotate.d/<file>, checked
 * with `logrotate -d` before it stays) and `<name>-logrotate-timer` (Debian's daily
 * logrotate.timer, which runs it). Hosts with systemd only: the timer is a systemd unit.
 */
export function logrotate(name: string, a: { host: VmHost; file: string } & LogrotateArgs, opts: pulumi.CustomResourceOptions): pulumi.Resource[] {
  const h = a.host;
  const connection = h.connection;
  const pkg = new AptPackages(`${name}-logrotate`, { connection, packages: ["logrotate"] }, { ...opts, dependsOn: h.ready });
  const path = `/etc/logrotate.d/${a.file}`;
  const config = new File(`${name}-logrotate-config`, {
    connection, path, content: renderLogrotate(a), mode: "0644",
    verifyCommand: script`logrotate -d ${path} >/dev/null 2>&1`,
  }, { ...opts, dependsOn: [pkg] });
  const timer = new Service(`${name}-logrotate-timer`, { connection, name: "logrotate.timer", manager: "systemd" }, { ...opts, dependsOn: [pkg] });
  return [pkg, config, timer];
}
