/**
 * The dynamic provider's behaviour, loaded at run time by the serialized shim (shim.ts), so a
 * refresh of state written by an older hostform runs the current code. It must accept every
 * shape of outputs that an earlier version wrote: see `upgrade`.
 */
import type * as pulumi from "@pulumi/pulumi";
import { type Connection, session } from "./ssh";
import type { BaseInputs, Kind } from "./kinds/kind";
import { kinds, type KindName } from "./kinds";

/** Version of the outputs' shape. Bump it and extend `upgrade` when the shape changes. */
export const SCHEMA = 1;

type Props = Record<string, unknown> & BaseInputs;
type Outs = Props & { observed: unknown; hostformSchema: number; appliedAt?: string };

/** Keys hostform keeps in state beside the inputs; never inputs themselves. */
const STATE_ONLY = ["__provider", "observed", "hostformSchema", "appliedAt"];
/** Not compared as settings: state-only keys, and the connection (compared on its own). */
const INTERNAL = new Set([...STATE_ONLY, "connection"]);

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
  const kept = kind.toOutputs ? kind.toOutputs(inputsOf(inputs)) : inputsOf(inputs);
  return plain({ ...kept, observed, hostformSchema: SCHEMA }) as Outs;
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

function sameConnection(a: Connection | undefined, b: Connection | undefined): boolean {
  return stable(a) === stable(b);
}

/** Input keys that are not host state (commands, flags) compare as values; managed ones via observation. */
function changedSettings(kind: Kind<Props, unknown>, olds: Props, news: Props): string[] {
  const keys = new Set([...Object.keys(olds), ...Object.keys(news)]);
  return [...keys].filter((k) => !INTERNAL.has(k) && !kind.managed.includes(k) && !(kind.identity as string[]).includes(k)
    && stable(olds[k]) !== stable(news[k]));
}

export async function check(name: KindName, _olds: Props, news: Props): Promise<pulumi.dynamic.CheckResult> {
  const kind = kindOf(name);
  const failures = kind.validate(news);
  const inputs = failures.length === 0 && kind.normalize ? kind.normalize(news) : news;
  if (!news.connection?.host || !news.connection?.hostKey) {
    failures.push({ property: "connection", reason: "needs host and hostKey (the host key is pinned, never learned on first use)" });
  }
  return { inputs, failures };
}

export async function create(name: KindName, inputs: Props): Promise<pulumi.dynamic.CreateResult> {
  const kind = kindOf(name);
  return { id: kind.id(inputs), outs: await converge(kind, inputs, false, undefined) };
}

/**
 * Observe, close the gap, observe again. `appliedAt` changes only when something was done on the
 * host, so resources that must follow a change (a health check after a deploy) can depend on it.
 */
async function converge(kind: Kind<Props, unknown>, inputs: Props, settingsChanged: boolean, appliedBefore: unknown): Promise<Outs> {
  const s = await session(inputs.connection);
  const before = await kind.observe(s, inputs);
  const act = kind.drifted(inputs, before).length > 0 || settingsChanged;
  if (act) await kind.converge(s, inputs, before, settingsChanged);
  const after = await kind.observe(s, inputs);
  const left = kind.drifted(inputs, after);
  if (left.length) throw new Error(`${kind.id(inputs)}: still differs after converging (${left.join(", ")})`);
  const appliedAt = act || typeof appliedBefore !== "string" ? new Date().toISOString() : appliedBefore;
  return { ...outputs(kind, inputs, after), appliedAt };
}

export async function read(name: KindName, id: string, props: Props): Promise<pulumi.dynamic.ReadResult> {
  const kind = kindOf(name);
  const old = upgrade(props);
  const applied = inputsOf(old);
  const observed = await kind.observe(await session(old.connection), applied);
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
  return { outs: await converge(kind, news, settings.length > 0, upgrade(olds).appliedAt) };
}

export async function remove(name: KindName, _id: string, props: Props): Promise<void> {
  const kind = kindOf(name);
  const old = upgrade(props);
  await kind.remove(await session(old.connection), inputsOf(old), old.observed);
}
