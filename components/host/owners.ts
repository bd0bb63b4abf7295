/**
 * Who manages what on a host. Renaming a host in config (or a component) makes Pulumi create the
 * new resources and then delete the old ones, which name the same paths, units and packages on the
 * same machine: without a record, those deletes would take down what the new resources just took
 * over. So each create or update records its resource as a manager of each thing it manages, in
 * root-owned /var/lib/hostform/owners, and a delete leaves alone every thing that another resource
 * still manages. Records are one file per (thing, manager), so two resources of one stack that
 * both want `curl` installed keep it until the last of them goes.
 */
import { createHash } from "node:crypto";
import type { KindName } from "./kinds";
import { script, strict } from "./quote";

export const OWNERS = "/var/lib/hostform/owners";

const digest = (text: string) => createHash("sha256").update(text, "utf8").digest("hex").slice(0, 32);

type Inputs = Record<string, unknown>;

/** The things a resource manages on its host, each as "<what>:<name>"; none for read-only kinds. */
export function thingsOf(kind: KindName, i: Inputs): string[] {
  switch (kind) {
    case "file": return [`file:${i.path}`];
    case "directory": return [`directory:${i.path}`];
    case "unit": return [`unit:${i.name}`];
    case "service": return [`service:${i.name}`];
    case "packages": return (Array.isArray(i.packages) ? (i.packages as string[]) : []).map((p) => `package:${p}`);
    case "pm2Apps": return [`pm2:${i.user}`];
    case "step": return [`step:${i.title}`];
    default: return [];
  }
}

/** The same inputs narrowed to the things this resource may still delete (only packages come apart). */
export function narrowed(kind: KindName, i: Inputs, free: readonly string[]): Inputs | undefined {
  if (free.length === 0) return undefined;
  if (kind === "packages") return { ...i, packages: free.map((t) => t.slice("package:".length)) };
  return i;
}

/** Records `owner` as a manager of each thing. */
export function claimScript(things: readonly string[], owner: string, dir = OWNERS): string {
  const lines = things.map((t) => script`d=${`${dir}/${digest(t)}`}; mkdir -p -- "$d"; printf '%s\\n' ${t} > "$d/.thing"; printf '%s\\n' ${owner} > "$d/"${digest(owner)}`);
  return strict(script`install -d -m 0700 ${dir}\n` + lines.join("\n") + "\n");
}

/** Prints "managed <thing>" for each thing that a resource other than `owner` still manages. */
export function othersScript(things: readonly string[], owner: string | undefined, dir = OWNERS): string {
  const mine = owner === undefined ? "" : digest(owner);
  const lines = things.map((t) => script`for m in ${`${dir}/${digest(t)}`}/*; do if [ -f "$m" ] && [ "\${m##*/}" != ${mine || "-"} ]; then printf 'managed %s\\n' ${t}; break; fi; done`);
  return strict(lines.join("\n") + "\n");
}

export function parseOthers(stdout: string): Set<string> {
  return new Set(stdout.split("\n").filter((l) => l.startsWith("managed ")).map((l) => l.slice(8)));
}

/** Drops `owner`'s records (after its delete), and a thing's folder when nobody manages it any more. */
export function releaseScript(things: readonly string[], owner: string, dir = OWNERS): string {
  const lines = things.map((t) => script`d=${`${dir}/${digest(t)}`}; rm -f -- "$d/"${digest(owner)}; if [ -d "$d" ] && [ -z "$(find "$d" -mindepth 1 -maxdepth 1 ! -name .thing -print -quit)" ]; then rm -rf -- "$d"; fi`);
  return strict(lines.join("\n") + "\n");
}
