/**
 * Typed arguments for an operator's own Pulumi program, validated by the stack config's module
 * (infra/config.ts loadConfig and the topologies' settings.ts), never by a second validator: the
 * typed input is handed to loadConfig as the stack file would hold it, so defaults, fixes and
 * problems are the stack's, word for word, and a SettingsError is thrown before any resource exists.
 */
import * as pulumi from "@pulumi/pulumi";
import type { HostTarget } from "../components/blocks/base/vmhost";
import { PRIVILEGE_POLICIES, type PrivilegePolicy } from "../components/blocks/base/privileges";
import type { Agent } from "../components/blocks/init/agents";
import type { DuelHostArgs } from "../components/topologies/duel/host";
import { databasePassword, type DuelSettings } from "../components/topologies/duel/settings";
import type { FlatlogicHostArgs, FlatlogicSettings } from "../components/topologies/flatlogic/host";
import type { MetahumanHostArgs } from "../components/topologies/metahuman/host";
import type { MetahumanSettings } from "../components/topologies/metahuman/settings";
import type { Flavor } from "../components/topologies/registry";
import { ConfigError, loadConfig, type HostConfig, type RawConfig } from "../infra/config";
import { connectionInput } from "../infra/hosts";

/** One host as a hostform:hosts entry holds it; its key pinned, never trusted on first use. */
export interface HostInput {
  /** Short lowercase name: child resources are named from it. */
  readonly name: string;
  /** IP address or DNS name. */
  readonly address: string;
  /** The host's SSH public key, "ssh-ed25519 AAAA…", from ssh-keyscan verified out of band. */
  readonly hostKey: string;
  /** SSH port; default 22. */
  readonly port?: number;
  /** Login with passwordless sudo; default root. */
  readonly user?: string;
  /** Private key file; or `privateKey`. */
  readonly privateKeyPath?: string;
  /** Private key text (e.g. config.requireSecret(...)); kept secret. */
  readonly privateKey?: pulumi.Input<string>;
  /** "systemd" (default), or "container": no init system (Vast.ai). */
  readonly flavor?: Flavor;
  /** A privileged app user: "refuse" (default), "revoke" or "accept" (hostform:appUserPrivileges). */
  readonly appUserPrivileges?: PrivilegePolicy;
}

/** A settings object as the stack key holds it: every key optional (DEFAULTS fill it), nested objects partial. */
type Loose<T> = { readonly [K in keyof T]?: T[K] extends readonly unknown[] ? T[K] : T[K] extends object ? Partial<T[K]> : T[K] };

/** hostform:flatlogic (components/topologies/flatlogic/README.md); only `repo` is required. */
export type FlatlogicSettingsInput = Loose<Omit<FlatlogicSettings, "repo">> & { readonly repo: string };
/** hostform:duel (components/topologies/duel/README.md); database, pool and stream platforms come from the secrets. */
export type DuelSettingsInput = Loose<Omit<DuelSettings, "repo" | "database" | "poolMax" | "platforms">> & { readonly repo: string };
/** hostform:metahuman (components/topologies/metahuman/README.md); agents are changed or added by name. */
export type MetahumanSettingsInput = Loose<Omit<MetahumanSettings, "repo" | "agents">> & {
  readonly repo: string;
  readonly agents?: Readonly<Record<string, Partial<Omit<Agent, "name">> & { readonly enabled?: boolean }>>;
};

/**
 * The stack config's ConfigError (same message: every problem with its key and fix) as a Pulumi
 * RunError, so the CLI prints it without a stack trace, as it prints the stack's own.
 */
export class SettingsError extends pulumi.RunError {
  constructor(readonly problems: readonly string[], message: string) {
    super(message);
    this.name = "SettingsError";
  }
}

interface Validated { readonly host: HostConfig; readonly settings: unknown; readonly connection: HostTarget["connection"] }

/** The host (and its role's settings and secrets) through loadConfig, as stack config of one host. */
function validate(host: HostInput, role: string, settings?: object, secrets?: { key: string; value: unknown }): Validated {
  const { privateKey, appUserPrivileges, ...entry } = host;
  const plain: Record<string, string> = { hosts: JSON.stringify([{ ...entry, role }]) };
  if (settings !== undefined) plain[role] = JSON.stringify(settings);
  if (appUserPrivileges !== undefined && role !== "none") plain.appUserPrivileges = JSON.stringify({ [role]: appUserPrivileges });
  const secret: Record<string, unknown> = {};
  if (privateKey !== undefined) secret.sshPrivateKey = privateKey;
  if (secrets) {
    secret[secrets.key] = pulumi.secret(JSON.stringify(secrets.value));
    plain[secrets.key] = JSON.stringify(secrets.value);
  }
  const raw: RawConfig = { get: (key) => plain[key], getSecret: (key) => secret[key] };
  let config;
  try {
    config = loadConfig(raw, process.cwd());
  } catch (e) {
    if (e instanceof ConfigError) throw new SettingsError(e.problems, e.message);
    throw e;
  }
  const h = config.hosts[0];
  return { host: h, settings: config.roles[role]?.settings, connection: connectionInput(h) };
}

function target(v: Validated, role: string, policy: PrivilegePolicy = v.host.appUserPrivileges): HostTarget {
  const h = v.host;
  return {
    connection: v.connection, flavor: h.flavor, address: h.connection.host,
    privileges: { host: h.name, role, login: h.connection.user ?? "root", policy },
  };
}

/**
 * A host for blocks and resources of your own (no topology): its connection, flavor and address,
 * checked like a hostform:hosts entry. Throws SettingsError naming each bad key and its fix.
 */
export function hostTarget(host: HostInput): HostTarget {
  const v = validate(host, "none");
  // hostform:appUserPrivileges is keyed by topology; a host without one takes the policy as given.
  const policy = host.appUserPrivileges;
  if (policy !== undefined && !PRIVILEGE_POLICIES.includes(policy)) {
    const problem = `appUserPrivileges must be "refuse" (the default), "revoke" or "accept", got ${JSON.stringify(policy)}`;
    throw new SettingsError([problem], new ConfigError([problem]).message);
  }
  return target(v, "none", policy);
}

/** FlatlogicHost's arguments: settings with DEFAULTS filled in and checked like hostform:flatlogic. */
export function flatlogicArgs(a: { host: HostInput; settings: FlatlogicSettingsInput; backendEnv?: pulumi.Input<Record<string, pulumi.Input<string>>> }): FlatlogicHostArgs {
  const v = validate(a.host, "flatlogic", a.settings);
  return { ...target(v, "flatlogic"), settings: v.settings as FlatlogicSettings, backendEnv: pulumi.secret(a.backendEnv ?? {}) };
}

/**
 * DuelHost's arguments, checked like hostform:duel and hostform:duelSecrets. The secrets are
 * needed in plain text here (their DATABASE_URL and stream keys choose modes, as in the stack);
 * they are passed on as a Pulumi secret and never shown.
 */
export function duelArgs(a: { host: HostInput; settings: DuelSettingsInput; secrets: Readonly<Record<string, string>> }): DuelHostArgs {
  const v = validate(a.host, "duel", a.settings, { key: "duelSecrets", value: a.secrets });
  const secrets = pulumi.secret({ ...a.secrets });
  return { ...target(v, "duel"), settings: v.settings as DuelSettings, secrets, databasePassword: pulumi.secret(databasePassword(a.secrets.DATABASE_URL ?? "")) };
}

/** MetahumanHost's arguments (systemd hosts only), checked like hostform:metahuman. */
export function metahumanArgs(a: { host: HostInput; settings: MetahumanSettingsInput; env?: pulumi.Input<Record<string, pulumi.Input<string>>> }): MetahumanHostArgs {
  const v = validate(a.host, "metahuman", a.settings);
  return { ...target(v, "metahuman"), flavor: "systemd", settings: v.settings as MetahumanSettings, env: pulumi.secret(a.env ?? {}) };
}
