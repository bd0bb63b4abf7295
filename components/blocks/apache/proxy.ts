import * as pulumi from "@pulumi/pulumi";
import { script } from "../../host/quote";
import { AptPackages, File, Service, Step } from "../../host/resources";
import type { VmHost } from "../base/vmhost";
import { type ApacheVhostArgs, apacheModules, renderApacheVhost } from "./render";

export interface ApacheReverseProxyArgs {
  readonly host: VmHost;
  readonly vhost: ApacheVhostArgs;
  /** Directives appended inside the vhost, for what the template does not cover. */
  readonly extraConfig?: string;
  /** The site's name under /etc/apache2/sites-available. */
  readonly site?: string;
}

/**
 * Enables the site (and disables the default one), then runs `apachectl configtest` with the site
 * enabled: on a first deploy the vhost's own verify ran while the site was not enabled yet, so this
 * is where a broken vhost is caught. On failure both links are put back as they were and nothing
 * is reloaded, so Apache keeps serving what it served.
 */
export function enableSiteScript(site: string, reload: string): string {
  return script`site=${site}
had_site=no; if [ -e /etc/apache2/sites-enabled/"$site".conf ]; then had_site=yes; fi
had_default=no; if [ -e /etc/apache2/sites-enabled/000-default.conf ]; then had_default=yes; fi
a2ensite -q "$site" >/dev/null
a2dissite -q 000-default >/dev/null 2>&1 || :
if ! apachectl configtest; then
  if [ "$had_site" = no ]; then a2dissite -q "$site" >/dev/null; fi
  if [ "$had_default" = yes ]; then a2ensite -q 000-default >/dev/null; fi
  echo "apachectl configtest failed with the site $site enabled: it was put back as it was and Apache was not reloaded" >&2
  exit 1
fi
` + `${reload}
`;
}

/**
 * Apache on :80 in front of the apps: the required modules, the vhost, the site enabled (and the
 * default site disabled). `apachectl configtest` runs before every reload: a config that fails it
 * is put back and never loaded, so the old one keeps serving.
 */
export class ApacheReverseProxy extends pulumi.ComponentResource {
  readonly vhost: File;
  constructor(name: string, args: ApacheReverseProxyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hostform:flatlogic:ApacheReverseProxy", name, {}, opts);
    const h = args.host;
    const connection = h.connection;
    const parent = { parent: this };
    const site = args.site ?? "hostform-app";
    const conf = `/etc/apache2/sites-available/${site}.conf`;
    const systemd = h.flavor === "systemd";
    const reload = systemd ? "systemctl reload apache2" : "apachectl graceful";

    const pkg = new AptPackages(`${name}-apache2`, { connection, packages: ["apache2"] }, { ...parent, dependsOn: h.ready });
    const modules = apacheModules(args.vhost);
    const mods = new Step(`${name}-modules`, {
      connection,
      title: `apache modules ${modules.join(" ")}`,
      check: script`for m in ${modules}; do test -e /etc/apache2/mods-enabled/"$m".load || exit 1; done`,
      run: script`a2enmod -q ${modules} >/dev/null`,
    }, { ...parent, dependsOn: [pkg] });
    const text = renderApacheVhost(args.vhost).replace(/<\/VirtualHost>\s*$/, (end) => (args.extraConfig ? `    ${args.extraConfig.trim().split("\n").join("\n    ")}\n${end}` : end));
    this.vhost = new File(`${name}-vhost`, {
      connection, path: conf, content: text,
      verifyCommand: "apachectl configtest",
      onChangeCommand: `if ${systemd ? "systemctl is-active --quiet apache2" : "pgrep -x apache2 >/dev/null"}; then ${reload}; fi`,
    }, { ...parent, dependsOn: [mods] });
    const enabled = new Step(`${name}-site`, {
      connection,
      title: `apache site ${site}`,
      check: script`test -L ${`/etc/apache2/sites-enabled/${site}.conf`} && ! test -e /etc/apache2/sites-enabled/000-default.conf`,
      run: enableSiteScript(site, `if ${systemd ? "systemctl is-active --quiet apache2" : "pgrep -x apache2 >/dev/null"}; then ${reload}; fi`),
    }, { ...parent, dependsOn: [this.vhost] });
    new Service(`${name}-service`, { connection, name: "apache2", manager: systemd ? "systemd" : "initd" }, { ...parent, dependsOn: [enabled] });
    this.registerOutputs({});
  }
}
