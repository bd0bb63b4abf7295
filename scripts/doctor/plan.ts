/**
 * What the doctor checks on each host, per role: the runbooks' health checks (seeds/001 for the
 * Flatlogic VM, seeds/000 and 003 for the duel stack) applied to the stack's settings. Pure: the
 * plan says what to read and what to expect; probe.ts reads it, checks.ts judges it. A topology
 * that has its own doctor (the registry's `doctor`, e.g. components/topologies/metahuman/doctor.ts)
 * brings its sections and judge in `topology`; Flatlogic's and duel's checks are still planned here.
 */
import type { MinimumMemory } from "../../components/blocks/base/memory";
import { nodeBinDir } from "../../components/blocks/base/node";
import { xSocket } from "../../components/blocks/xvfb/render";
import type { HealthCheck } from "../../components/host/kinds/health";
import type { Pm2Home } from "../../components/host/kinds/pm2";
import { PM2_BIN } from "../../components/blocks/pm2/render";
import type { RemoteDatabase } from "../../components/blocks/postgres/remote";
import { activeProxies, proxyApp, proxyChecks } from "../../components/topologies/duel/proxies";
import { duelAppUser, type DuelSettings } from "../../components/topologies/duel/settings";
import type { DoctorPlan } from "../../components/topologies/doctor";
import type { FlatlogicSettings } from "../../components/topologies/flatlogic/settings";
import { TELEMETRY } from "../../components/topologies/flatlogic/apps";
import { TOPOLOGIES } from "../../components/topologies/registry";
import type { HostConfig, StackConfig } from "../../infra/config";

/** A port that must be listening, and who should own it: a PM2 app, or a process name. */
export interface ExpectedPort {
  readonly port: number;
  readonly app?: string;
  readonly process?: string;
}

/** A URL fetched from where the doctor runs, as users reach the host. */
export interface PublicUrl {
  /** The check's name after "public " ("server", a proxy's role); none for the host's one public URL. */
  readonly name?: string;
  readonly url: string;
  readonly status: number;
  /** How it reaches the host, for the report: "Cloudflare", "the host's address", … */
  readonly via: string;
  /** A port proxy's external port and the host's port behind it (the duel stack's Vast.ai proxies). */
  readonly proxy?: { readonly port: number; readonly target: number };
}

export interface HostPlan {
  readonly host: string;
  readonly role: HostConfig["role"];
  readonly flavor: HostConfig["flavor"];
  readonly address: string;
  /** The stack, for remedies that say `npm run up -- --stack <stack>`. */
  readonly stack: string;
  /** Paths whose filesystems are checked for space and inodes (one row per filesystem). */
  readonly paths: readonly string[];
  /** systemd units hostform manages here (systemd hosts). */
  readonly units: readonly string[];
  /** Containers: /root/onstart.sh brings the stack up at every start; its log says what failed. */
  readonly onstart: boolean;
  readonly pm2?: Pm2Home & { readonly apps: readonly string[]; readonly unit?: string };
  readonly ports: readonly ExpectedPort[];
  /** Checked on the host, against 127.0.0.1. */
  readonly health: readonly HealthCheck[];
  readonly public?: readonly PublicUrl[];
  readonly apacheLog?: string;
  /** In the app user's tree: listed as that user (`user`), never by root. */
  readonly releases?: { readonly dir: string; readonly keep: number; readonly user: string };
  /** Writable by the app user (`user`): read as that user, never by root. */
  readonly secretsFile?: { readonly path: string; readonly required: readonly string[]; readonly user: string };
  readonly postgres: boolean;
  /** Remote database mode: the server DATABASE_URL names (no password), checked from the host. */
  readonly remoteDatabase?: RemoteDatabase;
  readonly display?: { readonly display: string; readonly socket: string };
  readonly gpu: boolean;
  /** The memory the role asks for (the registry's minimumMemory): a host with less is a warning. */
  readonly minimumMemory?: MinimumMemory;
  /** The topology's own checks (the registry's `doctor`): its probe sections and their judge. */
  readonly topology?: DoctorPlan;
}

/** As VmHost places the app user's home. */
const homeOf = (user: string): string => (user === "root" ? "/root" : `/home/${user}`);

export function planHost(h: HostConfig, config: StackConfig, stack: string): HostPlan {
  // Settings come validated, defaults filled in, from the topology's own settings (infra/config.ts).
  const settings = config.roles[h.role]?.settings;
  const minimumMemory = settings === undefined ? undefined : TOPOLOGIES[h.role]?.minimumMemory?.(settings);
  const topology = settings === undefined ? undefined : TOPOLOGIES[h.role]?.doctor?.(settings, { name: h.name, flavor: h.flavor, stack });
  const base: HostPlan = {
    host: h.name, role: h.role, flavor: h.flavor, address: h.connection.host, stack,
    paths: ["/", "/tmp", "/var/log", ...(topology?.paths ?? [])], units: [], onstart: false, ports: [], health: [], postgres: false, gpu: false,
    ...(minimumMemory ? { minimumMemory } : {}), ...(topology ? { topology } : {}),
  };
  if (h.role === "flatlogic" && settings) return { ...base, ...flatlogic(h, settings as FlatlogicSettings) };
  if (h.role === "duel" && settings) return { ...base, ...duel(h, settings as DuelSettings) };
  return base;
}

function pm2Of(user: string, node: Parameters<typeof nodeBinDir>[0], apps: string[], systemd: boolean) {
  return { user, home: homeOf(user), pm2Bin: PM2_BIN, nodeBinDir: nodeBinDir(node), apps, ...(systemd ? { unit: `pm2-${user}.service` } : {}) };
}

/** seeds/001: Cloudflare → Apache :80 → Next.js :3001 and API :3000, PM2 under systemd. */
function flatlogic(h: HostConfig, s: FlatlogicSettings): Partial<HostPlan> {
  const systemd = h.flavor === "systemd";
  const pm2 = pm2Of(s.appUser, s.node, ["frontend-dev", "backend-dev", "fl-telemetry", "fl-executor"], systemd);
  return {
    paths: ["/", "/tmp", "/var/log", pm2.home],
    units: systemd ? ["apache2.service", pm2.unit!] : [],
    onstart: !systemd,
    pm2,
    // The runbook's `ss -ltnp | grep -E ':80|:3001|:3000|:4317|:4318'`.
    ports: [
      { port: 80, process: "apache2" },
      { port: s.frontendPort, app: "frontend-dev" },
      { port: s.backendPort, app: "backend-dev" },
      ...TELEMETRY.ports.map((port) => ({ port, app: "fl-telemetry" })),
    ],
    // The runbook's expected healthy responses: 200, 401 without a JWT, 200 through Apache.
    health: [
      { name: "frontend", url: `http://127.0.0.1:${s.frontendPort}/`, status: 200, app: "frontend-dev" },
      { name: "api-auth", url: `http://127.0.0.1:${s.backendPort}/api/auth/me`, status: 401, app: "backend-dev" },
      { name: "apache", url: "http://127.0.0.1:80/", status: 200 },
    ],
    public: [s.cloudflare
      ? { url: `http://${s.cloudflare.recordName}/`, status: 200, via: "Cloudflare" }
      : { url: `http://${h.connection.host}/`, status: 200, via: "the host's address" }],
    apacheLog: "/var/log/apache2/error.log",
    releases: { dir: `${pm2.home}/executor/frontend-releases`, keep: s.releasesKeep, user: pm2.user },
  };
}

/** seeds/000 and 003: the duel server under PM2, Xvfb before it, a GPU, the Vast.ai port proxies. */
function duel(h: HostConfig, s: DuelSettings): Partial<HostPlan> {
  const systemd = h.flavor === "systemd";
  const proxies = activeProxies(s.externalPorts, s);
  const pm2 = pm2Of(duelAppUser(s, h.flavor), s.node, ["duel-arena", ...proxies.map((x) => proxyApp(x.role))], systemd);
  const local = s.database.mode === "local";
  return {
    paths: ["/", "/tmp", "/var/log", pm2.home],
    units: systemd ? [pm2.unit!, "xvfb.service", "hyperscape-secrets.service"] : [],
    onstart: !systemd,
    pm2,
    ports: [{ port: s.serverPort, app: "duel-arena" }, ...proxies.map((x) => ({ port: x.port, app: proxyApp(x.role) })), ...(local ? [{ port: s.database.port, process: "postgres" }] : [])],
    health: [
      { name: "server", url: `http://127.0.0.1:${s.serverPort}/health`, status: 200, app: "duel-arena" },
      { name: "streaming", url: `http://127.0.0.1:${s.serverPort}/streaming/state`, status: 200, app: "duel-arena" },
    ],
    // seeds/000's checklist, "Port proxies configured (35143, 35079, 35144)": each one from outside.
    public: proxyChecks(h.connection.host, s.externalPorts, s),
    // "Missing DATABASE_URL → Check /tmp/hyperscape-secrets.env" (seeds/000, Server Crashes on Startup).
    secretsFile: { path: s.secretsPath, required: ["DATABASE_URL", "ADMIN_CODE"], user: pm2.user },
    postgres: local,
    ...(local ? {} : { remoteDatabase: { host: s.database.host, port: s.database.port, database: s.database.database, user: s.database.user } }),
    display: { display: s.display, socket: xSocket(s.display) },
    gpu: true,
  };
}
