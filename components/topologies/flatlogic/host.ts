import * as pulumi from "@pulumi/pulumi";
import { CloudflareDns } from "../../blocks/dns/cloudflare";
import { bootResources } from "../../blocks/init/boot";
import { logrotate } from "../../blocks/logrotate/logrotate";
import { PM2_LOG_ROTATION, pm2LogPaths } from "../../blocks/logrotate/render";
import { Health } from "../../host/resources";
import { Pm2SystemdUnit } from "../../blocks/pm2/pm2";
import { PM2_BIN } from "../../blocks/pm2/render";
import { SecretsFile } from "../../blocks/secrets/secrets-file";
import { type HostTarget, VmHost } from "../../blocks/base/vmhost";
import { flatlogicApps } from "./apps";
import { AppCode } from "./code";
import { flatlogicMinimumMemory } from "./memory";
import type { FlatlogicSettings } from "./settings";
import { ApacheReverseProxy } from "../../blocks/apache/proxy";

export type { FlatlogicSettings } from "./settings";

export interface FlatlogicHostArgs extends HostTarget {
  readonly settings: FlatlogicSettings;
  /** The backend's environment secrets (DB password, tokens…). */
  readonly backendEnv: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** Cloudflare → Apache :80 → Next.js :3001 and API :3000, PM2 under systemd: the runbook's VM. */
export class FlatlogicHost extends pulumi.ComponentResource {
  readonly urls: Record<string, string>;

  constructor(name: string, args: FlatlogicHostArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hostform:flatlogic:FlatlogicHost", name, {}, opts);
    const s = args.settings;
    const parent = { parent: this };
    const host = new VmHost(`${name}-vm`, { connection: args.connection, flavor: args.flavor, appUser: s.appUser, node: s.node, privileges: args.privileges,
      minimumMemory: flatlogicMinimumMemory(s.memory), hostName: name }, parent);
    const executor = `${host.home}/executor`;
    const workspace = `${executor}/workspace`;
    const pm2Bin = PM2_BIN;

    const secrets = new SecretsFile(`${name}-backend-env`, {
      connection: args.connection, path: `${executor}/backend.env`, values: args.backendEnv, owner: s.appUser,
    }, { ...parent, dependsOn: host.ready });
    const code = new AppCode(`${name}-code`, {
      host, repo: s.repo, ref: s.ref, workspace, releasesDir: `${executor}/frontend-releases`,
      keep: s.releasesKeep, pin: s.frontendRelease, pm2Bin, dependsOn: [secrets],
      // The executor and its telemetry daemon come from the VM image, or both from the repository's executor/.
      workspaceApps: ["backend-dev", ...(s.executorFrom === "workspace" ? ["fl-telemetry", "fl-executor"] : [])],
    }, parent);
    const apps = flatlogicApps({
      user: s.appUser, workspace, frontendDir: code.frontendDir, frontendPort: s.frontendPort, backendPort: s.backendPort,
      backendEnvFile: secrets.path, ffmpeg: s.ffmpeg, executorDir: s.executorFrom === "workspace" ? `${workspace}/executor` : executor,
      releasesKeep: s.releasesKeep,
    });
    // Systemd brings Apache and PM2 back through their units; a container through /root/onstart.sh.
    bootResources(name, { host, pm2Bin, onstartDependsOn: host.ready }, this);
    const pm2 = new Pm2SystemdUnit(`${name}-pm2`, {
      host, version: s.pm2Version, apps, revision: `${s.ref}@${s.frontendRelease ?? "newest"}`, environment: secrets.sha256, dependsOn: [code.release],
      // The June 2026 OOM: a cgroup bound on everything PM2 runs, and a kill inside it stops one process, not the unit (memory.ts).
      memory: { max: s.memory.pm2MemoryMax, oomPolicy: "continue" },
    }, parent);
    // The June 2026 VM had 3.8 GiB and a small disk: PM2's logs are rotated (seed-coverage H47).
    logrotate(name, { host, file: "flatlogic-pm2", user: s.appUser, ...PM2_LOG_ROTATION, paths: pm2LogPaths(host.home) }, parent);
    const apache = new ApacheReverseProxy(`${name}-apache`, {
      host,
      vhost: { serverName: s.serverName, frontendPort: s.frontendPort, backendPort: s.backendPort, behindCloudflare: s.behindCloudflare },
      extraConfig: s.extraApacheConfig,
    }, parent);

    const checks = [
      { name: "frontend", url: `http://127.0.0.1:${s.frontendPort}/`, status: 200, app: "frontend-dev" },
      { name: "api-auth", url: `http://127.0.0.1:${s.backendPort}/api/auth/me`, status: 401, app: "backend-dev" },
      { name: "apache", url: "http://127.0.0.1:80/", status: 200 },
    ];
    new Health(`${name}-health`, {
      connection: args.connection, checks, timeoutSeconds: s.healthTimeoutSeconds,
      secretValues: pulumi.output(args.backendEnv).apply((v) => Object.values(v)),
      pm2: { user: s.appUser, home: host.home, pm2Bin, nodeBinDir: host.nodeBinDir, apps: apps.map((a) => a.name) },
      // Every deploy is checked: a change of what runs changes one of these, nothing else does. A
      // changed pm2 unit (its memory bound) restarts PM2 and every app with it.
      generation: pulumi.all([code.workspace.appliedAt, code.release.appliedAt, pm2.ecosystem.appliedAt, pm2.apps.appliedAt, ...(pm2.unit ? [pm2.unit.appliedAt] : [])])
        .apply((at) => at.join(" ")),
    }, { ...parent, dependsOn: [pm2, apache] });

    if (s.cloudflare) {
      new CloudflareDns(`${name}-dns`, { zoneId: s.cloudflare.zoneId, name: s.cloudflare.recordName, address: args.address }, parent);
    }
    this.urls = {
      public: `http://${args.address}/`,
      api: `http://${args.address}/api/auth/me`,
      frontend: `http://${args.address}:${s.frontendPort}/`,
      backend: `http://${args.address}:${s.backendPort}/api/auth/me`,
    };
    this.registerOutputs({ urls: this.urls });
  }
}
