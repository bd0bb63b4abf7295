import * as pulumi from "@pulumi/pulumi";
import { npmTool } from "../../blocks/base/npm-tool";
import type { AppUserPolicy } from "../../blocks/base/privileges";
import { VmHost } from "../../blocks/base/vmhost";
import { agentUnitName, agentUnits, envFreshCheck, envFreshRun, unitsActiveCheck } from "../../blocks/init/agents";
import { logrotate } from "../../blocks/logrotate/logrotate";
import { Pm2SystemdUnit } from "../../blocks/pm2/pm2";
import { PM2_BIN, pm2UnitName } from "../../blocks/pm2/render";
import { pm2Workers, workersCheck } from "../../blocks/pm2/workers";
import { SecretsFile } from "../../blocks/secrets/secrets-file";
import { File, Health, Step } from "../../host/resources";
import type { Connection } from "../../host/ssh";
import { metahumanCodeCheck, metahumanCodeRun } from "./code";
import { AGENTS_ENV, homeClosedCheck, homeClosedRun, LOGROTATE_FILE, metahumanApps, renderStartScript, renderStopScript, START_COMMAND, STOP_COMMAND, WEB_APP } from "./render";
import type { MetahumanSettings } from "./settings";

export interface MetahumanHostArgs {
  readonly connection: pulumi.Input<Connection>;
  readonly flavor: "systemd";
  readonly address: string;
  /** What to do about a privileged app user (hostform:appUserPrivileges); unset: refuse. */
  readonly privileges?: AppUserPolicy;
  readonly settings: MetahumanSettings;
  /** Secrets for the web app and the agents (API keys, CLOUDFLARE_TUNNEL_TOKEN…); may be empty. */
  readonly env: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** MetaHuman OS (seeds/002): the web app clustered under PM2, its agents outside PM2 as units. */
export class MetahumanHost extends pulumi.ComponentResource {
  readonly urls: Record<string, string>;
  /** Each enabled agent's state as last read: "active", or what it is instead ("(optional)" when it may be). */
  readonly agents: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: MetahumanHostArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hostform:metahuman:MetahumanHost", name, {}, opts);
    const s = args.settings;
    const connection = args.connection;
    const parent = { parent: this };
    const host = new VmHost(`${name}-vm`, { connection, flavor: args.flavor, appUser: s.appUser, node: s.node, privileges: args.privileges }, parent);
    const pm2Bin = PM2_BIN;
    const pnpm = npmTool(`${name}-pnpm`, { host, pkg: "pnpm", version: s.pnpmVersion, bin: "bin/pnpm.cjs" }, parent);
    // The same secrets twice: the user's copy for PM2 (which reads it as the user), root's for the
    // agents' units (systemd reads EnvironmentFile= as root, so never from the user's home).
    const env = new SecretsFile(`${name}-env`, { connection, path: `${host.home}/metahuman.env`, values: args.env, owner: s.appUser }, { ...parent, dependsOn: host.ready });
    const agentsEnv = new SecretsFile(`${name}-agents-env`, { connection, path: AGENTS_ENV, values: args.env, owner: "root" }, { ...parent, dependsOn: host.ready });
    const units = s.agents.map((a) => agentUnitName("metahuman", a.name));
    const home = new Step(`${name}-home`, {
      connection, title: `${host.home} closed to other users`, check: homeClosedCheck(s.appUser, host.home), run: homeClosedRun(s.appUser, host.home),
    }, { ...parent, dependsOn: host.ready });

    const code = new Step(`${name}-code`, {
      connection, title: `MetaHuman OS at ${s.commit ?? s.ref}`,
      ...codeScripts(s, host.home, host.nodeBinDir, pm2Bin, units),
      triggers: { repo: s.repo, ref: s.ref, commit: s.commit ?? null },
    }, { ...parent, dependsOn: [...host.ready, pnpm, env, home] });

    const apps = metahumanApps(s, s.checkout, env.path);
    const pm2 = new Pm2SystemdUnit(`${name}-pm2`, {
      host, version: s.pm2Version, apps, revision: `${s.ref}@${s.commit ?? "newest"}`, environment: env.sha256, dependsOn: [code],
    }, parent);
    const workers = pm2Workers(name, { host, pm2Bin, app: WEB_APP, instances: s.instances }, { ...parent, dependsOn: [pm2] });
    const agents = agentUnits(name, {
      host, agents: s.agents, prefix: "metahuman", workingDirectory: s.checkout, env: { NODE_ENV: s.nodeEnv }, envFile: agentsEnv.path, system: "MetaHuman OS",
    }, { ...parent, dependsOn: [code, agentsEnv] });
    // Rotated secrets reach the agents: each running one that started before root's copy was last
    // written starts again. The check reads that on the host (a refresh shows a hand edit); the
    // trigger reruns it in the up that rewrites the file, after the refresh read the old one.
    const agentsFresh = units.length ? [new Step(`${name}-agents-env-fresh`, {
      connection, title: `MetaHuman agents started after ${AGENTS_ENV} was written`,
      check: envFreshCheck(units, AGENTS_ENV), run: envFreshRun(units, AGENTS_ENV), triggers: { written: agentsEnv.file.appliedAt },
    }, { ...parent, dependsOn: [agentsEnv, ...Object.values(agents)] })] : [];

    new File(`${name}-stop`, {
      connection, path: STOP_COMMAND, mode: "0755",
      content: renderStopScript({ user: s.appUser, home: host.home, pm2Bin, nodeBinDir: host.nodeBinDir, units }),
    }, { ...parent, dependsOn: host.ready });
    new File(`${name}-start`, {
      connection, path: START_COMMAND, mode: "0755",
      content: renderStartScript({
        user: s.appUser, home: host.home, pm2Bin, nodeBinDir: host.nodeBinDir, ecosystemPath: pm2.ecosystemPath, pm2Unit: pm2UnitName(s.appUser),
        units: s.agents.filter((a) => !a.optional).map((a) => agentUnitName("metahuman", a.name)),
        optionalUnits: s.agents.filter((a) => a.optional).map((a) => agentUnitName("metahuman", a.name)), port: s.port,
      }),
    }, { ...parent, dependsOn: host.ready });
    logrotate(name, {
      host, file: LOGROTATE_FILE, user: s.appUser, keep: s.logRotate.keep, period: s.logRotate.period,
      ...(s.logRotate.maxSize ? { maxSize: s.logRotate.maxSize } : {}),
      paths: [`${host.home}/.pm2/pm2.log`, `${host.home}/.pm2/logs/*.log`, `${s.checkout}/${s.logDir}/*.log`],
    }, parent);

    const required = s.agents.filter((a) => !a.optional).map((a) => agentUnitName("metahuman", a.name));
    const pm2Home = { user: s.appUser, home: host.home, pm2Bin, nodeBinDir: host.nodeBinDir };
    new Health(`${name}-health`, {
      connection, timeoutSeconds: s.healthTimeoutSeconds,
      checks: [{ name: "web", url: `http://127.0.0.1:${s.port}/`, status: 200, app: WEB_APP }],
      commands: [
        { name: "web-workers", command: workersCheck({ ...pm2Home, app: WEB_APP, instances: s.instances }) },
        ...(required.length ? [{ name: "agents", command: unitsActiveCheck(required) }] : []),
      ],
      pm2: { ...pm2Home, apps: [WEB_APP] },
      generation: pulumi.all([code.appliedAt, pm2.ecosystem.appliedAt, pm2.apps.appliedAt, workers.appliedAt, ...Object.values(agents).map((u) => u.appliedAt)]).apply((at) => at.join(" ")),
    }, { ...parent, dependsOn: [workers, ...agentsFresh, ...Object.values(agents)] });

    // An optional agent that does not run fails nothing; it is said here, on every run.
    this.agents = pulumi.all(Object.fromEntries(s.agents.map((a) => [a.name, agents[a.name].observed.apply((o) => {
      if (o === undefined) return "not read yet";
      if (o.active) return "active";
      if (a.optional) pulumi.log.warn(`optional agent ${a.name} (${agentUnitName("metahuman", a.name)}) is not running; see: journalctl -u ${agentUnitName("metahuman", a.name)}`, this);
      return `${o.exists === false ? "missing" : "not running"}${a.optional ? " (optional)" : ""}`;
    })])));
    this.urls = { web: `http://${args.address}:${s.port}/`, events: `http://${args.address}:${s.port}/api/stream` };
    this.registerOutputs({ urls: this.urls, agents: this.agents });
  }
}

function codeScripts(s: MetahumanSettings, home: string, nodeBinDir: string, pm2Bin: string, units: string[]) {
  const a = {
    user: s.appUser, home, nodeBinDir, repo: s.repo, ref: s.ref, ...(s.commit ? { commit: s.commit } : {}), workspace: s.checkout,
    cwd: s.cwd, script: s.script, logDir: s.logDir, pm2Bin, app: WEB_APP, units,
  };
  return { check: metahumanCodeCheck(a), run: metahumanCodeRun(a) };
}
