/**
 * The Flatlogic VM topology's settings (stack key `hostform:flatlogic`): one DEFAULTS object with
 * the runbook's values (seeds/001), and the validation that turns a stack's object into settings.
 */
import { NODE_DEFAULTS, type NodeRuntime, nodeSettings } from "../../blocks/base/node";
import { PM2_VERSION } from "../../blocks/pm2/pm2";
import { checkKnownKeys, isDnsName, isPositiveInt, type Problems, settingsReader, show } from "../../blocks/validate";
import { FFMPEG_GUARDRAIL_DEFAULTS, type FfmpegGuardrails } from "./apps";
import { MEMORY_DEFAULTS, type MemorySettings, memorySettings } from "./memory";

/** Every setting of the Flatlogic VM topology. */
export interface FlatlogicSettings {
  readonly serverName: string;
  readonly repo: string;
  readonly ref: string;
  readonly releasesKeep: number;
  readonly frontendRelease?: string;
  readonly appUser: string;
  readonly node: NodeRuntime;
  readonly pm2Version: string;
  readonly frontendPort: number;
  readonly backendPort: number;
  readonly behindCloudflare: boolean;
  readonly extraApacheConfig?: string;
  readonly ffmpeg: FfmpegGuardrails;
  /** The pm2 unit's memory bound and the VM size below which hostform warns (memory.ts). */
  readonly memory: MemorySettings;
  readonly cloudflare?: { readonly zoneId: string; readonly recordName: string };
  readonly healthTimeoutSeconds: number;
  /** Where executor.js and telemetry.js live: the VM image's ~/executor by default; "workspace" takes them from the repository's executor/. */
  readonly executorFrom: "image" | "workspace";
}

/** The runbook's values; `repo` has none (required). */
export const DEFAULTS = {
  /** The public name Apache serves and Cloudflare points at. */
  serverName: "tbp.flatlogic.app",
  /** Branch or tag deployed. */
  ref: "main",
  /** Immutable frontend releases kept (the active one never goes); fl-executor's FRONTEND_RELEASES_KEEP. */
  releasesKeep: 2,
  /** The user owning ~/executor and running PM2. */
  appUser: "ubuntu",
  /** Node.js 20 (the runbook requires 20.x), from NodeSource. */
  node: NODE_DEFAULTS,
  pm2Version: PM2_VERSION,
  /** Next.js (`frontend-dev`) and the API (`backend-dev`). */
  frontendPort: 3001,
  backendPort: 3000,
  /** The runbook's FFmpeg guardrails (timeouts) and hostform's circuit-breaker choice. */
  ffmpeg: FFMPEG_GUARDRAIL_DEFAULTS,
  /** MemoryMax (and OOMPolicy=continue) of the pm2 unit, and the VM size below which up, hosts check and the doctor warn. */
  memory: MEMORY_DEFAULTS,
  /** How long a deploy waits for the apps to answer. */
  healthTimeoutSeconds: 90,
  /** executor.js and its telemetry daemon from the VM image's ~/executor. */
  executorFrom: "image",
} as const;

/** Every key hostform:flatlogic has; any other is a typo. */
const KEYS = ["serverName", "repo", "ref", "releasesKeep", "frontendRelease", "appUser", "node", "pm2Version", "frontendPort", "backendPort",
  "behindCloudflare", "extraApacheConfig", "ffmpeg", "memory", "cloudflare", "healthTimeoutSeconds", "executorFrom"] as const;

/** hostform:flatlogic, every key defaulting to DEFAULTS; problems name the key and the fix. */
export function flatlogicSettings(v: Record<string, unknown>, p: Problems): FlatlogicSettings {
  const { k, str, int, repo, ref, bool } = settingsReader("hostform:flatlogic", v, p);
  checkKnownKeys(p, "hostform:flatlogic", v, KEYS);
  const node = nodeSettings(v.node, k("node"), p, { re: /^20\.\d+\.\d+$/, what: "a Node.js 20.x.y version (the runbook requires 20.x)" });
  const cf = v.cloudflare as Record<string, unknown> | undefined;
  checkKnownKeys(p, k("cloudflare"), cf, ["zoneId", "recordName"]);
  if (cf !== undefined && (typeof cf.zoneId !== "string" || !/^[A-Za-z0-9-]+$/.test(cf.zoneId) || !isDnsName(cf.recordName) && cf.recordName !== "@")) {
    p.add(`${k("cloudflare")} needs zoneId (the zone's id) and recordName (a DNS name), or leave it out: no DNS record is managed`);
  }
  const pin = v.frontendRelease;
  if (pin !== undefined && !(typeof pin === "string" && /^\d{14}-[0-9a-f]{12}$/.test(pin))) p.add(`${k("frontendRelease")} must be a retained release id like 20260703161124-0123456789ab (ls ~/executor/frontend-releases), got ${show(pin)}`);
  const extra = v.extraApacheConfig;
  if (extra !== undefined && (typeof extra !== "string" || /[\0\r]/.test(extra))) p.add(`${k("extraApacheConfig")} must be Apache directives as text, got ${show(extra)}`);
  const ffmpeg = ffmpegSettings(v.ffmpeg, k("ffmpeg"), p);
  const serverName = str("serverName", DEFAULTS.serverName, /^[a-z0-9.-]+$/, "a DNS name");
  if (!isDnsName(serverName)) p.add(`${k("serverName")} must be a DNS name like tbp.flatlogic.app, got ${show(serverName)}`);
  const settings: FlatlogicSettings = {
    serverName,
    repo: repo("repo", "the app's git remote"),
    ref: ref("ref", DEFAULTS.ref),
    releasesKeep: int("releasesKeep", DEFAULTS.releasesKeep, 1, 50),
    ...(typeof pin === "string" ? { frontendRelease: pin } : {}),
    appUser: str("appUser", DEFAULTS.appUser, /^[a-z_][a-z0-9_-]{0,31}$/, "a user name"),
    node,
    pm2Version: str("pm2Version", DEFAULTS.pm2Version, /^\d+\.\d+\.\d+$/, "an exact pm2 version"),
    frontendPort: int("frontendPort", DEFAULTS.frontendPort, 1, 65535),
    backendPort: int("backendPort", DEFAULTS.backendPort, 1, 65535),
    behindCloudflare: bool("behindCloudflare", v.cloudflare !== undefined),
    ...(typeof extra === "string" ? { extraApacheConfig: extra } : {}),
    ffmpeg,
    memory: memorySettings(v.memory, k("memory"), p),
    ...(cf ? { cloudflare: { zoneId: String(cf.zoneId), recordName: String(cf.recordName) } } : {}),
    healthTimeoutSeconds: int("healthTimeoutSeconds", DEFAULTS.healthTimeoutSeconds, 5, 1800),
    executorFrom: str("executorFrom", DEFAULTS.executorFrom, /^(image|workspace)$/, '"image" (~/executor/executor.js and telemetry.js of the VM image) or "workspace" (executor/ in the repository)') as "image" | "workspace",
  };
  for (const [name, port] of [["frontendPort", settings.frontendPort], ["backendPort", settings.backendPort]] as const) {
    if (port === 80) p.add(`${k(name)} must not be 80: Apache listens there`);
  }
  if (settings.frontendPort === settings.backendPort) p.add(`${k("backendPort")} must differ from frontendPort (${settings.frontendPort})`);
  return settings;
}

/** The FFmpeg guardrails: known keys only, each a positive whole number. */
function ffmpegSettings(value: unknown, key: string, p: Problems): FfmpegGuardrails {
  const keys = Object.keys(FFMPEG_GUARDRAIL_DEFAULTS) as (keyof FfmpegGuardrails)[];
  checkKnownKeys(p, key, value, keys);
  const merged = { ...FFMPEG_GUARDRAIL_DEFAULTS, ...(value && typeof value === "object" ? value : {}) } as FfmpegGuardrails;
  for (const name of keys) if (!isPositiveInt(merged[name])) p.add(`${key}.${name} must be a positive whole number, got ${show(merged[name])}`);
  return merged;
}
