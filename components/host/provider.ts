/**
 * The dynamic provider's behaviour, loaded at run time by the serialized shim (shim.ts), so a
 * refresh of state written by an older hostform runs the current code. It must accept every
 * shape of outputs that an earlier version wrote: see `upgrade`.
 */
import type * as pulumi from "@pulumi/pulumi";
import { watchEngine } from "./engine";
import { currentPins, HostKeyRefused, openPinned, withCurrentPin } from "./pins";
import { changing, closeAll, type Connection, reading, type Session, session as sessionOf } from "./ssh";
import type { BaseInputs, Kind } from "./kinds/kind";
import { kinds, type KindName } from "./kinds";
import { isHashKey, newHashKey } from "./keyed";
import { claimScript, narrowed, othersScript, parseOthers, releaseScript, thingsOf } from "./owners";
import { HostUnreachable, keepsStateWhenUnreachable } from "./reach";
import { envFileValues, redactError, remember } from "./redact";

// From the provider's first call on, not only once it opens a connection: a provider left by a
// killed run exits within seconds either way (engine.ts).
watchEngine(closeAll);

/** The host's connection, with the key the stack's config pins now for it (pins.ts). */
const session = (c: Connection): Promise<Session> => openPinned(withCurrentPin(c, currentPins()), sessionOf);

/** Version of the outputs' shape. Bump it and extend `upgrade` when the shape changes. */
export const SCHEMA = 1;

type Props = Record<string, unknown> & BaseInputs & {
  /** The resource (stack, type, name), recorded on the host as a manager of what it manages (owners.ts). */
  managedBy?: string;
  /** Secret values to mask in what this resource prints; in state only as ciphertext (the engine keeps inputs), never in outputs. */
  secretValues?: readonly string[];
};
type Outs = Props & { observed: unknown; hostformSchema: number; appliedAt?: string };

/** Keys hostform keeps in state beside the inputs; never inputs themselves. */
const STATE_ONLY = ["__provider", "observed", "hostformSchema", "appliedAt"];
/**
 * Not compared as settings: state-only keys, the connection (compared on its own), and inputs that
 * say nothing about the host (who manages it, what to mask), so adding them to old state changes nothing.
 */
const INTERNAL = new Set([...STATE_ONLY, "connection", "managedBy", "secretValues"]);
/** Inputs never written to state. */
const NOT_KEPT = ["secretValues"];

function kindOf(name: KindName): Kind<Props, unknown> {
  const k = kinds[name] as unknown as Kind<Props, unknown> | undefined;
  if (!k) throw new Error(`hostform: unknown resource kind ${name}`);
  return k;
}

/** Outputs written before schema 1 kept the observation under `state`; newer ones under `observed`. */
export function upgrade(props: Record<string, unknown>): Outs {
  const p = { ...props } as Record<string, unknown>;
  if (p.hostformSchema === undefined) {
    p.observed = p.observed ?? p.state;
    delete p.state;
  }
  p.hostformSchema = SCHEMA;
  return p as Outs;
}

function inputsOf(props: Record<string, unknown>): Props {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(props)) if (!STATE_ONLY.includes(k)) out[k] = v;
  return out as Props;
}

/** Outputs: the inputs as applied plus what was observed (a kind may drop a secret's content). */
function outputs(kind: Kind<Props, unknown>, inputs: Props, observed: unknown): Outs {
  const kept: Record<string, unknown> = kind.toOutputs ? kind.toOutputs(inputsOf(inputs)) : inputsOf(inputs);
  for (const k of NOT_KEPT) delete kept[k];
  return plain({ ...kept, observed, hostformSchema: SCHEMA }) as Outs;
}

/**
 * Every error leaves the provider masked: messages carry remote stderr and app logs. A host's own
 * failures (key refused, unreachable, sudo refused) carry neither, and are kept as they are: their
 * advice is not masked (a sudoers rule reads as a credential), nor their one-line log copy lost.
 */
async function masked<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw e instanceof HostKeyRefused || e instanceof HostUnreachable ? e : redactError(e);
  }
}

/**
 * A resource with secret material hashes it under its own key (keyed.ts): the program passes a
 * secret placeholder `hashKey`, the first check puts a random key in, and later checks keep the
 * stored one. The engine keeps the value secret in state because the input was secret.
 */
function withHashKey(olds: Props, news: Props): Props {
  if (!("hashKey" in news)) return news;
  return { ...news, hashKey: isHashKey(olds?.hashKey) ? olds.hashKey : isHashKey(news.hashKey) ? news.hashKey : newHashKey() };
}

/** Secret values this resource carries, for masking every message of this run. */
function rememberSecrets(news: Props): void {
  if (Array.isArray(news.secretValues)) remember(news.secretValues);
  if (news.secret === true && typeof news.content === "string") remember(envFileValues(news.content));
}

/** Drops undefined values, which the provider protocol's Struct cannot carry. */
export function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

export function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value as object).sort().filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stable((value as Record<string, unknown>)[k])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** The host's name in a connection is for messages: renaming it changes nothing on the host. */
function sameConnection(a: Connection | undefined, b: Connection | undefined): boolean {
  const unnamed = (c: Connection | undefined) => (c ? { ...c, name: undefined } : c);
  return stable(unnamed(a)) === stable(unnamed(b));
}

/** Input keys that are not host state (commands, flags) compare as values; managed ones via observation. */
function changedSettings(kind: Kind<Props, unknown>, olds: Props, news: Props): string[] {
  const keys = new Set([...Object.keys(olds), ...Object.keys(news)]);
  return [...keys].filter((k) => !INTERNAL.has(k) && !kind.managed.includes(k) && !(kind.identity as string[]).includes(k)
    && stable(olds[k]) !== stable(news[k]));
}

export async function check(name: KindName, olds: Props, given: Props): Promise<pulumi.dynamic.CheckResult> {
  const kind = kindOf(name);
  const news = withHashKey(olds, given);
  rememberSecrets(news);
  const failures = kind.validate(news);
  const inputs = failures.length === 0 && kind.normalize ? kind.normalize(news) : news;
  if (!news.connection?.host || !news.connection?.hostKey) {
    failures.push({ property: "connection", reason: "needs host and hostKey (the host key is pinned, never learned on first use)" });
  }
  // plain: a kind's normalize may leave a key undefined, which the provider protocol's Struct cannot carry.
  return { inputs: plain(inputs), failures };
}

export async function create(name: KindName, inputs: Props): Promise<pulumi.dynamic.CreateResult> {
  const kind = kindOf(name);
  return masked(async () => ({ id: kind.id(inputs), outs: await converge(name, inputs, [], undefined) }));
}

/**
 * Observe, close the gap, observe again. `appliedAt` changes only when something was done on the
 * host, so resources that must follow a change (a health check after a deploy) can depend on it.
 */
async function converge(name: KindName, inputs: Props, changed: readonly string[], appliedBefore: unknown): Promise<Outs> {
  const kind = kindOf(name);
  const s = await session(inputs.connection);
  const settingsChanged = changed.length > 0;
  const before = await kind.observe(reading(s), inputs);
  const act = kind.drifted(inputs, before).length > 0 || settingsChanged;
  if (act) await kind.converge(changing(s), inputs, before, settingsChanged, changed);
  const after = await kind.observe(reading(s), inputs);
  const left = kind.drifted(inputs, after);
  if (left.length) {
    const why = kind.explain?.(inputs, after) ?? [];
    throw new Error(`${kind.id(inputs)}: still differs after converging (${left.join(", ")})${why.length ? `:\n  ${why.join("\n  ")}` : ""}`);
  }
  await claim(changing(s), name, inputs);
  const appliedAt = act || typeof appliedBefore !== "string" ? new Date().toISOString() : appliedBefore;
  return { ...outputs(kind, inputs, after), appliedAt };
}

/** Records this resource on the host as a manager of what it manages (owners.ts). */
async function claim(s: Session, name: KindName, inputs: Props): Promise<void> {
  const things = thingsOf(name, inputs);
  if (things.length && inputs.managedBy) await s.run(`record what ${inputs.managedBy} manages`, claimScript(things, inputs.managedBy));
}

export async function read(name: KindName, id: string, props: Props): Promise<pulumi.dynamic.ReadResult> {
  return masked(async () => {
    try {
      return await readMasked(name, id, props);
    } catch (e) {
      // Under drift and up (reach.ts): the host is listed as unreachable, the other hosts are still read.
      if (keepsStateWhenUnreachable(e)) return { id, props: plain(upgrade(props)) };
      throw e;
    }
  });
}

async function readMasked(name: KindName, id: string, props: Props): Promise<pulumi.dynamic.ReadResult> {
  const kind = kindOf(name);
  const old = upgrade(props);
  const applied = inputsOf(old);
  const observed = await kind.observe(reading(await session(old.connection)), applied);
  const drift = kind.drifted(applied, observed);
  const outs = plain({ ...old, observed });
  return drift.length ? { id, props: outs, inputs: plain(kind.asInputs(applied, observed)) } : { id, props: outs };
}

export async function diff(name: KindName, _id: string, olds: Props, news: Props): Promise<pulumi.dynamic.DiffResult> {
  const kind = kindOf(name);
  const old = upgrade(olds);
  const replaces = kind.identity.filter((k) => stable(old[k]) !== stable(news[k]));
  const managed = kind.drifted(news, old.observed);
  const settings = changedSettings(kind, inputsOf(old), news);
  const conn = sameConnection(old.connection, news.connection) ? [] : ["connection"];
  const changes = [...replaces, ...managed, ...settings, ...conn];
  return { changes: changes.length > 0, replaces, deleteBeforeReplace: false };
}

export async function update(name: KindName, _id: string, olds: Props, news: Props): Promise<pulumi.dynamic.UpdateResult> {
  const kind = kindOf(name);
  const settings = changedSettings(kind, inputsOf(upgrade(olds)), news);
  return masked(async () => ({ outs: await converge(name, news, settings, upgrade(olds).appliedAt) }));
}

/**
 * Deletes what this resource managed, except what another resource now manages on the same host
 * (a host or component renamed in config: the new resources were created first and recorded
 * themselves). State written before managers were recorded has no `managedBy`: then any record
 * is another's.
 */
export async function remove(name: KindName, _id: string, props: Props): Promise<void> {
  const kind = kindOf(name);
  const old = upgrade(props);
  await masked(async () => {
    const s = changing(await session(old.connection));
    const inputs = inputsOf(old);
    const things = thingsOf(name, inputs);
    const others = things.length ? parseOthers(await s.run("read who manages what", othersScript(things, old.managedBy))) : new Set<string>();
    const left = narrowed(name, inputs, things.filter((t) => !others.has(t)));
    if (things.length === 0 || left) await kind.remove(s, (left ?? inputs) as Props, old.observed);
    if (things.length && old.managedBy) await s.run(`forget ${old.managedBy}`, releaseScript(things, old.managedBy));
  });
}
