import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { type Pm2App, PM2_BIN, PM2_PREFIX, pm2UnitName, renderEcosystem, renderPm2SystemdUnit } from "./render";
import { script } from "../../host/quote";
import { type Pm2Home, pm2As } from "../../host/kinds/pm2";
import { readPm2Pid } from "../../host/kinds/pm2-observe";
import { File, Pm2Apps, Step, SystemdUnit } from "../../host/resources";
import type { VmHost } from "../base/vmhost";

export interface Pm2Args {
  readonly host: VmHost;
  /** The pm2 version, pinned (npm). */
  readonly version?: string;
  readonly apps: Pm2App[];
  /** The ecosystem file's text when it is not renderEcosystem(apps) (the duel stack's wrapper of a repository's file). */
  readonly ecosystemText?: string;
  /** Units the PM2 unit requires and starts after (xvfb.service on the duel stack). */
  readonly requires?: string[];
  /** The pm2 unit's memory bound (systemd hosts): MemoryMax= and OOMPolicy=; unset: neither line. */
  readonly memory?: { readonly max: string; readonly oomPolicy: "continue" | "stop" | "kill" };
  /** Changes when the apps' code changes (a git ref, a release), so the apps are reloaded. */
  readonly revision?: pulumi.Input<string>;
  /** Changes when what the env files hold changes (their hash), so the apps with a stale environment are reloaded. */
  readonly environment?: pulumi.Input<string>;
  /** App → a host script that reloads it with the ecosystem's environment instead of `pm2 startOrReload` (a graceful restart). */
  readonly reloadCommands?: Readonly<Record<string, string>>;
  /** Resources the apps need before they start (code, releases, secrets). */
  readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

export const PM2_VERSION = "6.0.7";

/** Where the ecosystem file of a user's PM2 lives. */
export const ecosystemPathOf = (home: string): string => `${home}/ecosystem.config.js`;

/**
 * Shell: when the user's PM2 daemon runs, start or reload `apps` (comma-separated) from the
 * ecosystem file with its environment (--update-env), then save the list so a reboot brings the
 * same back. A host without a running daemon gets its apps from the PM2 resource later.
 */
export function reloadFromEcosystem(h: Pm2Home, apps: readonly string[]): string {
  const eco = ecosystemPathOf(h.home);
  return readPm2Pid(h, "pid") + script`if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && [ -f ${eco} ]; then
` + `  ${pm2As(h, script`startOrReload ${eco} --only ${apps.join(",")} --update-env`)} >/dev/null
  ${pm2As(h, "save --force")} >/dev/null
fi
`;
}

/** The inputs that let the PM2 read-back see a stale environment, and reload through the right door. */
function envInputs(a: Pm2Args) {
  const envFiles = Object.fromEntries(a.apps.filter((app) => app.envFile !== undefined).map((app) => [app.name, app.envFile as string]));
  return {
    ...(Object.keys(envFiles).length ? { envFiles } : {}),
    ...(a.environment !== undefined ? { environmentSha256: a.environment } : {}),
    ...(a.reloadCommands && Object.keys(a.reloadCommands).length ? { reloadCommands: a.reloadCommands } : {}),
  };
}

/**
 * PM2 for the host's app user: pm2 installed at a pinned version, the pm2-<user> unit as
 * `pm2 startup systemd` writes it (hosts with systemd), the ecosystem file, and the process list
 * (every app online with the environment its files give it, saved after each change, ~/.pm2 0700
 * and its dumps 0600).
 */
export class Pm2SystemdUnit extends pulumi.ComponentResource {
  readonly pm2Bin: string;
  readonly ecosystemPath: string;
  readonly apps: Pm2Apps;
  readonly ecosystem: File;
  readonly unit?: SystemdUnit;

  constructor(name: string, args: Pm2Args, opts?: pulumi.ComponentResourceOptions) {
    super("hostform:vm:Pm2SystemdUnit", name, {}, opts);
    const h = args.host;
    const version = args.version ?? PM2_VERSION;
    this.pm2Bin = PM2_BIN;
    this.ecosystemPath = ecosystemPathOf(h.home);
    const parent = { parent: this };

    const installed = new Step(`${name}-install`, {
      connection: h.connection,
      title: `pm2 ${version}`,
      check: script`test "$(${`${h.nodeBinDir}/node`} -p 'require(process.argv[1]).version' ${`${PM2_PREFIX}/lib/node_modules/pm2/package.json`} 2>/dev/null)" = ${version}`,
      run: script`PATH=${h.nodeBinDir}:$PATH npm install --global --ignore-scripts --prefix ${PM2_PREFIX} --no-audit --no-fund --loglevel=error ${`pm2@${version}`} >/dev/null
ln -sf ${this.pm2Bin} /usr/local/bin/pm2`,
      triggers: version,
    }, { ...parent, dependsOn: h.ready });

    const ecosystemText = args.ecosystemText ?? renderEcosystem(args.apps);
    this.ecosystem = new File(`${name}-ecosystem`, {
      connection: h.connection, path: this.ecosystemPath, content: ecosystemText, mode: "0640", owner: h.appUser,
    }, { ...parent, dependsOn: h.ready });

    const deps: pulumi.Input<pulumi.Resource>[] = [installed, this.ecosystem, ...(args.dependsOn ?? [])];
    if (h.flavor === "systemd") {
      this.unit = new SystemdUnit(`${name}-unit`, {
        connection: h.connection,
        name: pm2UnitName(h.appUser),
        content: renderPm2SystemdUnit({ user: h.appUser, home: h.home, pm2Bin: this.pm2Bin, nodeBinDir: h.nodeBinDir, requires: args.requires,
          ...(args.memory ? { memoryMax: args.memory.max, oomPolicy: args.memory.oomPolicy } : {}) }),
      }, { ...parent, dependsOn: [installed, ...(args.dependsOn ?? [])] });
      deps.push(this.unit);
    }
    this.apps = new Pm2Apps(`${name}-apps`, {
      connection: h.connection, user: h.appUser, home: h.home, pm2Bin: this.pm2Bin, nodeBinDir: h.nodeBinDir,
      ecosystemPath: this.ecosystemPath, apps: args.apps.map((a) => a.name),
      ecosystemSha256: pulumi.output(args.revision ?? "").apply((rev) => createHash("sha256").update(`${ecosystemText}\n${rev}`).digest("hex")),
      manager: h.flavor === "systemd" ? "systemd" : "none", unitName: pm2UnitName(h.appUser),
      ...envInputs(args),
    }, { ...parent, dependsOn: deps });
    this.registerOutputs({});
  }
}
