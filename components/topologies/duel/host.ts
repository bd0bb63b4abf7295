import * as pulumi from "@pulumi/pulumi";
import { type HostTarget, VmHost } from "../../blocks/base/vmhost";
import { browserResources } from "../../blocks/browser/browser";
import { bootResources } from "../../blocks/init/boot";
import { logrotate } from "../../blocks/logrotate/logrotate";
import { PM2_LOG_ROTATION, pm2LogPaths } from "../../blocks/logrotate/render";
import { ecosystemPathOf, Pm2SystemdUnit } from "../../blocks/pm2/pm2";
import { PM2_BIN } from "../../blocks/pm2/render";
import { bunCheck, bunInstall } from "../../blocks/base/bun";
import { localPostgres, postgresClient } from "../../blocks/postgres/local";
import { remoteDatabaseScript } from "../../blocks/postgres/remote";
import { pgForFacts } from "../../blocks/postgres/version";
import { SecretsFile } from "../../blocks/secrets/secrets-file";
import { Health, Step } from "../../host/resources";
import { appCommandsScript, startCommand } from "./app";
import { type DuelCodeArgs, duelCodeCheck, duelCodeRun, restartArgs } from "./code";
import { renderRepoEcosystem, repoEcosystemCheck } from "./ecosystem";
import { gracefulRestartScript, hungRestartScript } from "./restart";
import { STREAMING_DUEL, streamingDuelCheck, streamingDuelRun } from "./streaming";
import type { Platform } from "./detect";
import { browserEnv, DUEL_APP, duelApps } from "./render";
import { activeProxies, proxyApp, proxyApps, proxyUrls } from "./proxies";
import { duelAppUser, type DuelSettings } from "./settings";

export type { DuelSettings } from "./settings";

export interface DuelHostArgs extends HostTarget {
  readonly settings: DuelSettings;
  /** KEY → value of the secrets file (DATABASE_URL, ADMIN_CODE, stream keys…). */
  readonly secrets: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** The database password, for creating the local role (secret). */
  readonly databasePassword?: pulumi.Input<string>;
}

/** The Hyperscape duel stack on a GPU host, with systemd or without it (Vast.ai). */
export class DuelHost extends pulumi.ComponentResource {
  readonly urls: Record<string, string>;
  readonly platforms: readonly Platform[];

  constructor(name: string, args: DuelHostArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hostform:duel:DuelHost", name, {}, opts);
    // The app user follows the host's flavor when the stack names none.
    const s = { ...args.settings, appUser: duelAppUser(args.settings, args.flavor) };
    const connection = args.connection;
    const parent = { parent: this };
    const host = new VmHost(`${name}-vm`, { connection, flavor: args.flavor, appUser: s.appUser, node: s.node, privileges: args.privileges }, parent);
    const after = { ...parent, dependsOn: host.ready };
    const pm2Bin = PM2_BIN;
    const workspace = `${host.home}/hyperscape`;
    const local = s.database.mode === "local";
    const revision = { node: `${s.node.source} ${s.node.version}`, app: s.app };

    const proxies = activeProxies(s.externalPorts, s);
    const { media, all: browser } = browserResources(name, { connection, browser: s.browser, packages: ["ffmpeg", "xvfb", ...(proxies.length ? ["socat"] : [])], machine: host.facts.observed.apply((f) => f.arch) }, after);
    // The seeds' runtime: bun from the npm registry, for the host's CPU.
    const bun = s.app.runtime === "bun" ? [new Step(`${name}-bun`, {
      connection, title: `bun ${s.app.bunVersion}`,
      check: bunCheck(s.app.bunVersion),
      run: host.facts.observed.apply((f) => bunInstall(s.app.bunVersion, f.arch, s.node.registry)),
      triggers: s.app.bunVersion,
    }, after)] : [];
    const pgCluster = host.facts.observed.apply((f) => pgForFacts(f));

    // The guide's ecosystem reads /tmp/hyperscape-secrets.env; /tmp is emptied at boot, so a
    // canonical copy outside /tmp is restored before PM2 starts (a unit, or onstart.sh).
    const canonical = new SecretsFile(`${name}-secrets-kept`, { connection, path: s.secretsCanonical, values: args.secrets, owner: "root" }, after);
    const runtime = new SecretsFile(`${name}-secrets`, { connection, path: s.secretsPath, values: args.secrets, owner: s.appUser }, after);

    const d = s.database;
    const db: pulumi.Resource[] = local
      ? [localPostgres(name, { connection, flavor: args.flavor, user: d.user, database: d.database, password: args.databasePassword ?? "", cluster: pgCluster }, { ...after, parent: this })]
      : [postgresClient(name, connection, after)];

    const env = {
      PORT: String(s.serverPort), DUEL_DATABASE_MODE: s.database.mode, USE_LOCAL_POSTGRES: String(s.database.useLocalPostgres),
      POSTGRES_POOL_MAX: String(s.poolMax), STREAM_PLATFORMS: s.platforms.join(","), ...browserEnv(s.angle, s.browser),
      ...STREAMING_DUEL,
    };
    const server = duelApps({ cwd: workspace, secretsFile: s.secretsPath, display: s.display, env, ...startCommand(s.app) });
    // The Vast.ai port proxies (seeds/000) run beside the server under the same PM2.
    const proxyAppList = proxyApps(s.externalPorts, s, host.home);
    const apps = [...server, ...proxyAppList];
    const repoEcosystem = s.app.ecosystem === "repository"
      ? renderRepoEcosystem({ file: `${workspace}/${s.app.ecosystemFile}`, cwd: workspace, app: server[0].name, env: { ...env, DISPLAY: s.display }, secretsFile: s.secretsPath, extraApps: proxyAppList })
      : undefined;
    const init = bootResources(name, {
      host, pm2Bin,
      secrets: { canonical: s.secretsCanonical, runtime: s.secretsPath, unit: "hyperscape-secrets.service", dependsOn: [canonical, runtime] },
      xvfb: { display: s.display, screen: s.screen, dependsOn: [media] },
      ...(local ? { localPostgres: pgCluster } : {}),
      onstartDependsOn: db,
    }, this);
    const boot: pulumi.Resource[] = [canonical, runtime, ...init.resources];

    const code = new Step(`${name}-code`, {
      connection, title: `duel server at ${s.ref}`,
      // Migrations run in both modes: against the local cluster or the remote database.
      ...codeScripts(s, host, workspace, pm2Bin, true),
      // A new runtime or command rebuilds the checkout and restarts the server into it.
      triggers: { repo: s.repo, ref: s.ref, ...revision },
    }, { ...parent, dependsOn: [...host.ready, ...boot, ...db, ...bun] });

    // A new environment reaches the server the way new code does: through its graceful restart.
    const restart = gracefulRestartScript(restartArgs(codeArgs(s, host, workspace, pm2Bin, true))) + "graceful_restart\n";
    const pm2 = new Pm2SystemdUnit(`${name}-pm2`, {
      host, version: s.pm2Version, apps, requires: init.pm2Requires, revision: JSON.stringify(revision),
      ...(repoEcosystem !== undefined ? { ecosystemText: repoEcosystem } : {}),
      environment: runtime.sha256, reloadCommands: { [DUEL_APP]: restart },
      dependsOn: [code, ...browser, ...boot],
    }, parent);
    // A streaming GPU box's PM2 logs grow with every fight: rotated (seed-coverage H47).
    logrotate(name, { host, file: "duel-pm2", user: s.appUser, ...PM2_LOG_ROTATION, paths: pm2LogPaths(host.home) }, parent);
    const pm2Home = { user: s.appUser, home: host.home, pm2Bin, nodeBinDir: host.nodeBinDir };
    new Step(`${name}-streaming-duel`, {
      connection, title: `${apps[0].name} runs with STREAMING_DUEL_ENABLED=true`,
      check: streamingDuelCheck(pm2Home, apps[0].name),
      run: streamingDuelRun(pm2Home, apps[0].name, pm2.ecosystemPath),
      triggers: pm2.apps.appliedAt,
    }, { ...parent, dependsOn: [pm2] });

    new Health(`${name}-health`, {
      connection, timeoutSeconds: s.healthTimeoutSeconds,
      secretValues: pulumi.output(args.secrets).apply((v) => Object.values(v)),
      checks: [
        { name: "server", url: `http://127.0.0.1:${s.serverPort}/health`, status: 200, app: "duel-arena" },
        { name: "streaming", url: `http://127.0.0.1:${s.serverPort}/streaming/state`, status: 200, app: "duel-arena" },
        // Through each proxy to the game server (hostform runs no CDN: the cdn proxy is the doctor's, from outside).
        ...proxies.filter((x) => x.target === s.serverPort).map((x) => ({ name: proxyApp(x.role), url: `http://127.0.0.1:${x.port}/health`, status: 200, app: proxyApp(x.role) })),
      ],
      // A remote database answers from this host (seeds/000 "Check database is accessible"); a local one is the cluster's.
      ...(local ? {} : { commands: [{ name: "database", command: remoteDatabaseScript(d) }] }),
      pm2: { user: s.appUser, home: host.home, pm2Bin, nodeBinDir: host.nodeBinDir, apps: apps.map((a) => a.name) },
      // A server that runs but does not answer restarts the way new code does, never hard during a duel.
      restarts: { [DUEL_APP]: hungRestartScript(restartArgs(codeArgs(s, host, workspace, pm2Bin, true))) },
      generation: pulumi.all([code.appliedAt, pm2.ecosystem.appliedAt, pm2.apps.appliedAt]).apply((at) => at.join(" ")),
    }, { ...parent, dependsOn: [pm2] });

    this.platforms = s.platforms;
    this.urls = proxyUrls(args.address, s.externalPorts, s.serverPort);
    this.registerOutputs({ urls: this.urls, platforms: this.platforms });
  }
}

/** The settings with the app user resolved for the host's flavor. */
type HostSettings = DuelSettings & { readonly appUser: string };

function codeArgs(s: HostSettings, host: VmHost, workspace: string, pm2Bin: string, migrate: boolean): DuelCodeArgs {
  const check = s.app.ecosystem === "repository" ? repoEcosystemCheck(s.app.ecosystemFile, DUEL_APP, `${host.nodeBinDir}/node`) : "";
  return {
    user: s.appUser, home: host.home, nodeBinDir: host.nodeBinDir, repo: s.repo, ref: s.ref, workspace, secretsFile: s.secretsCanonical,
    prepare: check + appCommandsScript(s.app, migrate), serverPort: s.serverPort, pm2Bin, gracefulTimeoutSeconds: s.gracefulTimeoutSeconds, healthTimeoutSeconds: s.healthTimeoutSeconds,
    ecosystemPath: ecosystemPathOf(host.home), app: DUEL_APP,
  };
}

function codeScripts(s: HostSettings, host: VmHost, workspace: string, pm2Bin: string, migrate: boolean) {
  const a = codeArgs(s, host, workspace, pm2Bin, migrate);
  return { check: duelCodeCheck(a), run: duelCodeRun(a) };
}
