/**
 * The one config module: reads and validates stack config, returns a typed object or throws one
 * error listing every bad key with its fix. Components never read pulumi.Config themselves.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { PRIVILEGE_POLICIES, type PrivilegePolicy } from "../components/blocks/base/privileges";
import { checkKnownKeys, Problems } from "../components/blocks/validate";
import { parseHostKey } from "../components/host/hostkey";
import type { Connection } from "../components/host/ssh";
import { type Flavor, TOPOLOGIES } from "../components/topologies/registry";
import { missingPluginProblem, type PluginLookup } from "./plugins";

export type { Flavor } from "../components/topologies/registry";

/** A topology of the registry (components/topologies/registry.ts), or "none". */
export type Role = string;

export interface HostConfig {
  readonly name: string;
  readonly flavor: Flavor;
  /** Which topology the host gets; "none" manages only hostform's marker file. */
  readonly role: Role;
  readonly connection: Connection;
  /** The secret hostform:sshPrivateKey (a pulumi secret Output), when no key path is set. */
  readonly privateKeySecret?: unknown;
  /** What to do about a privileged app user of its role (hostform:appUserPrivileges.<role>; default refuse). */
  readonly appUserPrivileges: PrivilegePolicy;
}

/** One role's settings (defaults filled in) and its secrets, as config gives them. */
export interface RoleConfig {
  readonly settings: unknown;
  /** Per secret key: a pulumi secret Output of the JSON text (or the file's text), or undefined when unset. */
  readonly secrets: Readonly<Record<string, unknown>>;
}

export interface StackConfig {
  readonly hosts: readonly HostConfig[];
  /** Per role some host has: its settings and secrets. */
  readonly roles: Readonly<Record<string, RoleConfig>>;
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
const HOST_KEYS = ["name", "flavor", "role", "address", "port", "user", "hostKey", "privateKeyPath"] as const;

/**
 * `plugins`, given by the program (not by the doctor or `hosts check`, which need none), looks up
 * the resource plugins the settings need: a missing one is a problem like a bad key.
 */
export function loadConfig(raw: RawConfig, projectDir: string, plugins?: PluginLookup): StackConfig {
  const p = new Problems();
  const problems = p.list;
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

  const policies = privilegePolicies(raw, p);
  const seen = new Set<string>();
  const hosts: HostConfig[] = [];
  list.forEach((h, i) => {
    const key = `hostform:hosts[${i}]`;
    checkKnownKeys(p, key, h, HOST_KEYS);
    if (typeof h !== "object" || h === null) return;
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
    else if (!/^[A-Za-z0-9.:-]+$/.test(address)) problems.push(`${key}.address must be an IP address or a DNS name (no user@ or scheme://), got ${JSON.stringify(address.replace(/^[^@]*@/, "***@"))}`);
    const port = Number(h.port ?? inv?.port ?? 22);
    if (!Number.isInteger(port) || port < 1 || port > 65535) problems.push(`${key}.port must be a TCP port number, got ${JSON.stringify(h.port)}`);
    const hostKey = h.hostKey ?? inv?.hostPublicKey;
    if (typeof hostKey !== "string") {
      problems.push(`${key}.hostKey is missing: pin the host's SSH key ("ssh-ed25519 AAAA…", from ssh-keyscan verified out of band); hostform never trusts a key on first use`);
    } else {
      try { parseHostKey(hostKey); } catch (e) { problems.push(`${key}.hostKey: ${(e as Error).message}`); }
    }
    const user = h.user ?? inv?.user ?? "root";
    if (typeof user !== "string" || !/^[a-z_][a-z0-9_-]*$/.test(user)) problems.push(`${key}.user must be a login name, got ${JSON.stringify(user)}`);
    const privateKeyPath = h.privateKeyPath ?? inv?.privateKeyPath;
    const privateKey = privateKeyPath === undefined ? raw.getSecret?.("sshPrivateKey") : undefined;
    if (privateKeyPath === undefined && privateKey === undefined) {
      problems.push(`${key}: no SSH key: set ${key}.privateKeyPath, or the secret hostform:sshPrivateKey (pulumi config set --secret sshPrivateKey < key)`);
    }
    const role = h.role;
    const topology = typeof role === "string" ? TOPOLOGIES[role] : undefined;
    const names = Object.keys(TOPOLOGIES).map((r) => JSON.stringify(r));
    if (role === undefined) problems.push(`${key}.role is missing: give the host its topology (${names.join(" or ")}), or write role: none for a host hostform only marks (/etc/hostform/host.json)`);
    else if (role !== "none" && !topology) problems.push(`${key}.role must be one of ${[...names, '"none"'].join(", ")}, got ${JSON.stringify(role)}`);
    if (topology && (flavor === "systemd" || flavor === "container") && !topology.flavors.includes(flavor)) {
      problems.push(`${key}: role ${JSON.stringify(role)} does not run on flavor ${JSON.stringify(flavor)}: it supports ${topology.flavors.join(", ")}`);
    }
    hosts.push({
      name,
      flavor: flavor as Flavor,
      role: role as Role,
      connection: {
        host: String(address), port, user: String(user), hostKey: String(hostKey),
        ...(privateKeyPath !== undefined ? { privateKeyPath: String(privateKeyPath) } : {}),
      },
      ...(privateKey !== undefined ? { privateKeySecret: privateKey } : {}),
      appUserPrivileges: policies[String(role)] ?? "refuse",
    });
  });
  const roles: Record<string, RoleConfig> = {};
  for (const role of new Set(hosts.map((h) => h.role))) {
    const topology = TOPOLOGIES[role];
    if (topology) roles[role] = roleConfig(raw, projectDir, role, p);
  }
  hosts.forEach((h, i) => checkAppUser(h, i, roles[h.role], p));
  for (const [role, rc] of plugins ? Object.entries(roles) : []) {
    for (const need of TOPOLOGIES[role].plugins?.(rc.settings) ?? []) {
      const problem = missingPluginProblem(need.name, need.key, plugins!(need.name));
      if (problem) p.add(problem);
    }
  }
  const left = templatePlaceholders(raw);
  if (left.length) {
    // A placeholder's own complaints (not a key, not a remote…) would only repeat it: one list instead.
    const owned = (text: string) => left.some(({ key }) => text.startsWith(key) && /^($|[\s.:[])/.test(text.slice(key.length)));
    problems.splice(0, problems.length, placeholderProblem(left), ...problems.filter((text) => !owned(text)));
  }
  if (problems.length) throw new ConfigError(problems);
  return { hosts, roles };
}

/** hostform:appUserPrivileges: per role, "refuse" (the default), "revoke" or "accept". */
function privilegePolicies(raw: RawConfig, p: Problems): Record<string, PrivilegePolicy> {
  const key = "hostform:appUserPrivileges";
  const text = raw.get("appUserPrivileges");
  if (text === undefined) return {};
  let value: unknown;
  try { value = JSON.parse(text); } catch { value = text; }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    p.add(`${key} must be an object of role: refuse | revoke | accept, e.g. flatlogic: revoke`);
    return {};
  }
  const out: Record<string, PrivilegePolicy> = {};
  for (const [role, policy] of Object.entries(value)) {
    if (!TOPOLOGIES[role]) p.add(`${key}.${role}: no such role; the roles are ${Object.keys(TOPOLOGIES).join(", ")}`);
    else if (!PRIVILEGE_POLICIES.includes(policy as PrivilegePolicy)) {
      p.add(`${key}.${role} must be "refuse" (the default: up fails on a privileged app user), "revoke" (up removes its sudo rules and privileged groups) or "accept" (warns on every run), got ${JSON.stringify(policy)}`);
    } else out[role] = policy as PrivilegePolicy;
  }
  return out;
}

/** The user a host's role runs its apps as there (its topology decides the default per flavor), if it has a role. */
export function appUserOn(h: HostConfig, role: RoleConfig | undefined): string | undefined {
  const topology = TOPOLOGIES[h.role];
  return topology && role ? topology.appUser(role.settings, h.flavor) : undefined;
}

/**
 * The deploy login is not the app user (review N1): the apps face the internet, and the login holds
 * sudo. Root logging in to run root's apps (a Vast.ai container) is the one case where they match.
 */
function checkAppUser(h: HostConfig, index: number, role: RoleConfig | undefined, p: Problems): void {
  const appUser = appUserOn(h, role);
  if (appUser === undefined) return;
  const key = `hostform:hosts[${index}]`;
  const login = h.connection.user ?? "root";
  if (login === appUser && login !== "root") {
    p.add(`${key}.user ${JSON.stringify(login)} is also role ${h.role}'s app user (hostform:${h.role}.appUser): the login holds sudo, the app user must not. ` +
      `Log in as a separate user with passwordless sudo (e.g. deploy; docs/production.md) and set ${key}.user to it`);
  }
  if (appUser === "root" && h.appUserPrivileges === "revoke") {
    p.add(`hostform:appUserPrivileges.${h.role} is "revoke", but role ${h.role}'s app user on ${h.name} is root, whose rights cannot be revoked: set hostform:${h.role}.appUser to an unprivileged user`);
  }
}

/** hostform:<role> through its topology's settings, and its secrets (plain only for detection). */
function roleConfig(raw: RawConfig, projectDir: string, role: string, p: Problems): RoleConfig {
  const topology = TOPOLOGIES[role];
  let value: Record<string, unknown> = {};
  try {
    value = JSON.parse(raw.get(role) ?? "{}");
  } catch {
    p.add(`hostform:${role} must be an object of settings (see components/topologies/${role}/README.md)`);
  }
  const plain: Record<string, Record<string, string>> = {};
  const secrets: Record<string, unknown> = {};
  for (const spec of topology.secrets) {
    const value = raw.getSecret?.(spec.key);
    const fileText = value === undefined && spec.fileKey ? secretsFromFile(raw, projectDir, spec.fileKey, p) : undefined;
    secrets[spec.key] = value ?? fileText;
    if (!spec.detect) continue;
    try {
      plain[spec.key] = JSON.parse(raw.get(spec.key) ?? fileText ?? "{}");
    } catch {
      p.add(`hostform:${spec.key} must be an object of KEY: value (set each with: pulumi config set --secret --path '${spec.key}.NAME' …)`);
    }
  }
  return { settings: topology.settings(value, plain, p), secrets };
}

/** The plain keys a template fills in: the hosts and each topology's settings (secrets are set with the CLI). */
const TEMPLATE_KEYS = ["hosts", ...Object.keys(TOPOLOGIES)];

/**
 * Values the templates (Pulumi.prod.yaml, Pulumi.staging.yaml) leave for the operator: text in
 * <angle brackets>, documentation addresses (RFC 5737) and the placeholder key of older templates.
 */
export function templatePlaceholders(raw: RawConfig): { key: string; value: string }[] {
  const found: { key: string; value: string }[] = [];
  const walk = (v: unknown, key: string): void => {
    if (typeof v === "string") {
      const doc = /^(192\.0\.2|198\.51\.100|203\.0\.113)\.\d+$/.test(v) && key.endsWith(".address");
      if (/^<.*>$/s.test(v.trim()) || doc || v.includes("PLACEHOLDER")) found.push({ key, value: v });
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${key}[${i}]`));
    else if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, `${key}.${k}`);
  };
  for (const name of TEMPLATE_KEYS) {
    const text = raw.get(name);
    if (text === undefined) continue;
    try { walk(JSON.parse(text), `hostform:${name}`); } catch { walk(text, `hostform:${name}`); }
  }
  return found;
}

function placeholderProblem(left: { key: string; value: string }[]): string {
  return `the stack file still has ${left.length} template placeholder${left.length === 1 ? "" : "s"}; replace each with the real value ` +
    `(host keys: npm run hosts -- pin <address> --stack <stack> --host <name>):\n${left.map(({ key, value }) => `      ${key}: ${value}`).join("\n")}`;
}

/**
 * The sandbox keeps generated secrets in a 0600 file beside its state (e.g. hostform:duelSecretsFile),
 * since secret config values are encrypted per checkout and cannot be committed. hosts.ts wraps
 * them as Pulumi secrets like any other.
 */
function secretsFromFile(raw: RawConfig, projectDir: string, fileKey: string, p: Problems): string | undefined {
  const file = raw.get(fileKey);
  if (file === undefined) return undefined;
  try {
    return readFileSync(path.resolve(projectDir, file), "utf8");
  } catch {
    p.add(`hostform:${fileKey}: cannot read ${file}; npm run demo writes it for the sandbox`);
    return undefined;
  }
}
