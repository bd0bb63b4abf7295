/**
 * What a deploy of a stack would change, read from the real CLI's machine-readable output, and why:
 * intentional (the code differs from the last deployment) or corrective (the host drifted from it).
 * Pure, so it is tested on recorded output (test/fixtures/preview/).
 *
 * Two digests of `pulumi preview --json --show-sames` (the shape of pkg/backend/display/json.go,
 * ShowPreviewDigest) are enough:
 * - `--refresh=false`: each step's oldState is the last deployment, newState the code. Its changes
 *   are the intentional ones.
 * - `--refresh`: oldState is what a refresh read from the hosts (hostform's read writes what it finds
 *   back as inputs), newState the code. Its changes are what `up` will do.
 * The drift of a resource is then last deployment → refreshed state. `pulumi refresh --preview-only
 * --json` cannot give it: the digest is built from the events before each step runs, so its refresh
 * steps carry the old state twice.
 */
import { stable } from "../components/host/provider";
import type { Unreachable } from "../components/host/reach";

export interface StepState {
  urn: string;
  type: string;
  id?: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

export interface PreviewStep {
  op: string;
  urn: string;
  oldState?: StepState;
  newState?: StepState;
  replaceReasons?: string[];
}

export interface PreviewDigest {
  steps?: PreviewStep[];
  diagnostics?: { urn?: string; message: string; severity: string }[];
  changeSummary?: Record<string, number>;
}

/** A secret value: never shown, and neither is any hash of it. */
export const SECRET = "(secret)";
/** A value the engine computes during `up` (Pulumi's unknown sentinel in previews). */
export const UNKNOWN = "(known after up)";
const UNKNOWN_SENTINEL = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export type Op = "create" | "update" | "replace" | "delete";

export interface PropChange {
  key: string;
  /** Absent: the property was not set. */
  before?: unknown;
  after?: unknown;
}

export interface Change {
  /** The resource's name in the program. */
  name: string;
  /** Its kind: File, SystemdUnit, AptPackages, … */
  kind: string;
  host: string;
  /** What it is on the host: a path, a unit name, a package list. */
  what: string;
  /** What `up` will do. */
  op: Op;
  /** The code's change, last deployment → pull request; absent when the code did not change it. */
  intentional?: PropChange[];
  /** What was changed on the host, last deployment → host now; absent when the host did not drift. */
  corrective?: PropChange[];
}

export interface HostHealth { urls: string[]; rechecked: boolean }

export interface Report {
  stack: string;
  changes: Change[];
  /** Per host with changes: its health URLs, and whether `up` checks them again. */
  health: Record<string, HostHealth>;
  /** Error diagnostics of a failed run. */
  errors: string[];
  /** Hosts that could not be reached, so were not read: their drift is unknown. Absent when every host was read. */
  unreachable?: Unreachable[];
}

/** Hostform's bookkeeping and anything hash-like: never a change a reader acts on, and hashes can leak secrets. */
const HIDDEN = new Set(["__provider", "observed", "appliedAt", "hostformSchema", "generation", "connection", "secret", "managedBy", "secretValues"]);
/** Hash-like keys: plain (sha256) and keyed (hmac, and its hashKey). */
const HASH = /sha256|hash|hmac/i;
const hidden = (key: string) => HIDDEN.has(key) || HASH.test(key);
/** Of the connection, what identifies the host; never a key's content. */
const CONNECTION = ["host", "port", "user", "hostKey", "privateKeyPath"];

/** `--json` output; the CLI prints the digest alone, but tolerate lines before it. */
export function parseDigest(stdout: string): PreviewDigest {
  const start = stdout.search(/^\{/m);
  if (start < 0) throw new Error(`no JSON preview in the CLI output: ${stdout.slice(0, 200)}`);
  return JSON.parse(stdout.slice(start)) as PreviewDigest;
}

const kindOf = (type: string) => type.slice(type.lastIndexOf(":") + 1);
const nameOf = (urn: string) => urn.slice(urn.lastIndexOf("::") + 2);
export const isHostResource = (s: Pick<PreviewStep, "oldState" | "newState">) => (s.newState ?? s.oldState)?.type.startsWith("pulumi-nodejs:dynamic/host:") ?? false;

function inputsOf(s: StepState | undefined): Record<string, unknown> {
  return s?.inputs ?? {};
}

function isSecret(s: PreviewStep): boolean {
  return inputsOf(s.newState).secret === true || inputsOf(s.oldState).secret === true;
}

function show(value: unknown): unknown {
  if (value === "[secret]") return SECRET;
  if (value === UNKNOWN_SENTINEL) return UNKNOWN;
  if (Array.isArray(value)) return value.map(show);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).filter(([k]) => !HASH.test(k) && !/privateKey$/i.test(k)).map(([k, v]) => [k, show(v)]));
  }
  return value;
}

/** The properties that differ, as they may be shown. A secret's content is compared by the caller. */
export function propChanges(before: Record<string, unknown> | undefined, after: Record<string, unknown> | undefined, secret: boolean): PropChange[] {
  const out: PropChange[] = [];
  const b = before ?? {};
  const a = after ?? {};
  for (const key of [...new Set([...Object.keys(b), ...Object.keys(a)])].sort()) {
    if (hidden(key) || (secret && (key === "content" || key === "stdin"))) continue;
    if (stable(show(b[key])) === stable(show(a[key]))) continue;
    out.push({ key, ...(key in b ? { before: show(b[key]) } : {}), ...(key in a ? { after: show(a[key]) } : {}) });
  }
  const bc = b.connection as Record<string, unknown> | undefined;
  const ac = a.connection as Record<string, unknown> | undefined;
  if (bc && ac) {
    for (const k of CONNECTION) {
      if (stable(bc[k]) !== stable(ac[k])) out.push({ key: `connection.${k}`, before: show(bc[k]), after: show(ac[k]) });
    }
  }
  return out;
}

function opOf(step: PreviewStep): Op | undefined {
  switch (step.op) {
    case "create": case "update": case "delete": case "replace": return step.op;
    case "create-replacement": case "delete-replaced": return "replace";
    default: return undefined;
  }
}

/**
 * The host's address from the connection; a connection holding a private key is a secret, shown as
 * "[secret]", and then the resource's id (`<host>:<what>`) says it. A resource not created yet has none.
 */
export function hostOf(s: Pick<PreviewStep, "oldState" | "newState">): string {
  const c = (inputsOf(s.newState).connection ?? inputsOf(s.oldState).connection) as { host?: unknown } | undefined;
  if (typeof c?.host === "string") return c.host;
  const id = s.oldState?.id ?? s.newState?.id;
  return id ? id.slice(0, id.indexOf(":")) : "(a host behind a secret connection)";
}

function whatOf(s: PreviewStep): string {
  const i = { ...inputsOf(s.oldState), ...inputsOf(s.newState) };
  if (typeof i.path === "string") return i.path;
  if (typeof i.name === "string") return i.name;
  if (typeof i.title === "string") return i.title;
  if (Array.isArray(i.packages)) return i.packages.join(" ");
  if (typeof i.user === "string") return `pm2 of ${i.user}`;
  return "";
}

/** Steps of host resources by URN; `update`-kind steps win over the refresh steps a refreshing preview also lists. */
function byUrn(d: PreviewDigest): Map<string, PreviewStep> {
  const out = new Map<string, PreviewStep>();
  for (const s of d.steps ?? []) {
    if (!isHostResource(s) || s.op === "refresh" || s.op === "read") continue;
    if (!out.has(s.urn) || opOf(s)) out.set(s.urn, s);
  }
  return out;
}

/** A secret file's content on the host differs from the deployed one: its observed hash is compared, never shown. */
function secretDrifted(deployed: PreviewStep | undefined, live: PreviewStep): boolean {
  // A secret file's observed hash is keyed (hmac) since issue 10; older state kept a plain sha256.
  const hash = (s: StepState | undefined) => {
    const o = s?.outputs?.observed as { sha256?: unknown; hmac?: unknown } | undefined;
    return o?.hmac ?? o?.sha256;
  };
  return hash(deployed?.oldState) !== undefined && hash(deployed?.oldState) !== hash(live.oldState);
}

function secretContentKey(s: PreviewStep): string {
  return kindOf((s.newState ?? s.oldState)!.type) === "Step" ? "stdin" : "content";
}

/** Whether hashes hostform keeps in the inputs (a Step's stdinSha256 or stdinHmac) differ; undefined when there are none to compare. */
function hashesDiffer(before: Record<string, unknown> | undefined, after: Record<string, unknown> | undefined): boolean | undefined {
  const keys = Object.keys(after ?? {}).filter((k) => /sha256|hmac/i.test(k) && before?.[k] !== undefined);
  return keys.length ? keys.some((k) => before![k] !== after![k]) : undefined;
}

function intentionalOf(step: PreviewStep | undefined): PropChange[] | undefined {
  const op = step && opOf(step);
  if (!step || !op) return undefined;
  if (op === "delete") return [];
  const before = op === "create" ? undefined : step.oldState?.inputs;
  const changes = propChanges(before, step.newState?.inputs, isSecret(step));
  // The CLI shows a secret as "[secret]" on both sides. A Step keeps its stdin's hash among the
  // inputs, compared here and never shown; a File does not, and when nothing visible explains its
  // update, the secret content is what changed.
  const secretChanged = hashesDiffer(before, step.newState?.inputs) ?? (op === "create" || changes.length === 0);
  if (isSecret(step) && secretChanged) changes.push({ key: secretContentKey(step), before: SECRET, after: SECRET });
  return changes;
}

function correctiveOf(deployed: PreviewStep | undefined, live: PreviewStep): PropChange[] | undefined {
  if (!deployed?.oldState || !live.oldState) return undefined;
  const changes = propChanges(deployed.oldState.inputs, live.oldState.inputs, isSecret(live));
  if (isSecret(live) && secretDrifted(deployed, live)) changes.push({ key: secretContentKey(live), before: SECRET, after: SECRET });
  return changes.length ? changes : undefined;
}

/**
 * `intentional`: the digest of `preview --refresh=false --json --show-sames`;
 * `total`: the digest of `preview --refresh --json --show-sames`.
 */
export function buildReport(stack: string, intentional: PreviewDigest, total: PreviewDigest): Report {
  const planned = byUrn(intentional);
  const changes: Change[] = [];
  const health: Record<string, HostHealth> = {};
  for (const step of byUrn(total).values()) {
    const kind = kindOf((step.newState ?? step.oldState)!.type);
    const host = hostOf(step);
    const op = opOf(step);
    if (kind === "Health") {
      const checks = (inputsOf(step.newState).checks ?? inputsOf(step.oldState).checks) as { url: string }[] | undefined;
      const h = health[host] ?? { urls: [], rechecked: false };
      health[host] = { urls: [...h.urls, ...(checks ?? []).map((c) => c.url)], rechecked: h.rechecked || (op !== undefined && op !== "delete") };
    }
    if (!op) continue;
    const deployed = planned.get(step.urn);
    const change: Change = { name: nameOf(step.urn), kind, host, what: whatOf(step), op };
    const intended = intentionalOf(deployed);
    const corrective = correctiveOf(deployed, step);
    if (intended) change.intentional = intended;
    if (corrective) change.corrective = corrective;
    // A health check that runs again only because what it checks was redeployed is not itself a
    // change; it shows in the summary's health column.
    if (kind === "Health" && !corrective && !intended?.length) continue;
    changes.push(change);
  }
  // The engine works in parallel, so its order changes from run to run; a comment edited in place
  // on every push should not.
  changes.sort((a, b) => a.host.localeCompare(b.host) || a.name.localeCompare(b.name));
  const hosts = new Set(changes.map((c) => c.host));
  for (const h of Object.keys(health)) if (!hosts.has(h)) delete health[h];
  const errors = [...(intentional.diagnostics ?? []), ...(total.diagnostics ?? [])].filter((d) => d.severity === "error").map((d) => d.message.trim());
  return { stack, changes, health, errors: [...new Set(errors)] };
}
