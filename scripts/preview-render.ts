/**
 * Renders a Report (preview-model.ts) as one Markdown comment: a summary table per host, then each
 * resource's changes, intentional and corrective in their own sections. File contents appear as
 * unified diffs; a secret only as "changed". Pure; pinned by exact-text tests on recorded output.
 */
import { allUnreached, hostLabel, REASONS, type Unreachable } from "../components/host/reach";
import { loginOf } from "../components/host/sudo";
import { type Change, type PropChange, type Report, SECRET, UNKNOWN } from "./preview-model";
import { unifiedDiff } from "./unified-diff";

/** GitHub refuses a comment or issue body over 65536 characters; measured in bytes, with a margin. */
export const GITHUB_LIMIT = 65000;
const size = (text: string) => Buffer.byteLength(text, "utf8");

export type Mode = "preview" | "drift";

/** One property change as a line, or a line and a diff for multi-line text. */
export interface Described { line: string; diff?: string }

const LABELS = { intentional: ["deployed", "this pull request"], corrective: ["deployed", "on the host"] } as const;

/**
 * A value as one code span. Names read from hosts (a PM2 app, a working directory) may hold line
 * breaks, and a line after one is read as Markdown of its own (a heading, a link): each shows as ␤.
 * Backticks are outrun by a longer fence, as CommonMark allows.
 */
export function code(text: string): string {
  const flat = text.replace(/\r\n|\r|\n/g, "\u2424");
  const run = Math.max(0, ...[...flat.matchAll(/`+/g)].map((m) => m[0].length));
  const ticks = "`".repeat(run + 1);
  const pad = flat.startsWith("`") || flat.endsWith("`") ? " " : "";
  return `${ticks}${pad}${flat}${pad}${ticks}`;
}

/** A code span in a table cell: GitHub splits a row at every `|`, even in a span, unless escaped. */
const cell = (text: string): string => code(text).replace(/\|/g, "\\|");

function fence(body: string, lang: string): string {
  const run = Math.max(2, ...[...body.matchAll(/`+/g)].map((m) => m[0].length));
  const ticks = "`".repeat(run + 1);
  return `${ticks}${lang}\n${body}\n${ticks}`;
}

function inline(value: unknown, fmt: (text: string) => string): string {
  if (value === UNKNOWN) return UNKNOWN;
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return fmt(text.length > 200 ? `${text.slice(0, 200)}…` : text);
}

const isText = (v: unknown): v is string => typeof v === "string" && v !== SECRET && v !== UNKNOWN;
const isList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === "string");

/** `labels`: the two sides of a diff, e.g. deployed / on the host; `fmt` marks values (Markdown code spans). */
export function describe(p: PropChange, labels: readonly [string, string], fmt: (text: string) => string = code): Described {
  if (p.before === SECRET || p.after === SECRET) return { line: `${p.key}: changed (secret, not shown)` };
  if ((isText(p.before) || p.before === undefined) && (isText(p.after) || p.after === undefined) && `${p.before ?? ""}${p.after ?? ""}`.includes("\n")) {
    return { line: `${p.key}:`, diff: unifiedDiff(p.before ?? "", p.after ?? "", labels[0], labels[1]) };
  }
  const [before, after] = [p.before, p.after];
  if (isList(before) && isList(after)) {
    const added = after.filter((x) => !before.includes(x));
    const removed = before.filter((x) => !after.includes(x));
    const parts = [added.length ? `added ${added.map(fmt).join(", ")}` : "", removed.length ? `removed ${removed.map(fmt).join(", ")}` : ""].filter(Boolean);
    if (parts.length) return { line: `${p.key}: ${parts.join("; ")}` };
  }
  if (p.before === undefined) return { line: `${p.key}: set to ${inline(p.after, fmt)}` };
  if (p.after === undefined) return { line: `${p.key}: unset (was ${inline(p.before, fmt)})` };
  return { line: `${p.key}: ${inline(p.before, fmt)} → ${inline(p.after, fmt)}` };
}

/** A diff cut to `maxLines` lines, saying how many were left out. */
function cut(diff: string, maxLines: number): { text: string; left: number } {
  const lines = diff.split("\n");
  if (lines.length <= maxLines) return { text: diff, left: 0 };
  return { text: lines.slice(0, maxLines).join("\n"), left: lines.length - maxLines };
}

function labelOf(c: Change): string {
  if (c.intentional && c.corrective) return "intentional and corrective";
  if (c.corrective) return "corrective";
  if (c.intentional) return "intentional";
  return "follows another change";
}

function heading(c: Change): string {
  return `**${code(c.name)}** ${c.kind}${c.what ? ` ${code(c.what)}` : ""} on ${code(c.host)}: **${c.op}** (${labelOf(c)})`;
}

function properties(changes: PropChange[], labels: readonly [string, string], maxLines: number): string[] {
  const out: string[] = [];
  for (const p of changes) {
    const d = describe(p, labels);
    out.push(`- ${d.line}`);
    if (d.diff === undefined) continue;
    const { text, left } = cut(d.diff, maxLines);
    if (text) out.push("", fence(text, "diff"));
    if (left) out.push("", `… ${left} more line${left === 1 ? "" : "s"} of this diff left out (comment size limit)`);
    out.push("");
  }
  return out;
}

function block(c: Change, changes: PropChange[], labels: readonly [string, string], maxLines: number): string[] {
  const lines = [heading(c), "", ...properties(changes, labels, maxLines)];
  if (lines[lines.length - 1] !== "") lines.push("");
  return lines;
}

function healthOf(r: Report, host: string): string {
  const h = r.health[host];
  if (!h?.urls.length) return "none";
  return `${h.urls.map(cell).join("<br>")}<br>${h.rechecked ? "checked again by `up`" : "not checked again"}`;
}

function table(r: Report): string[] {
  const hosts = [...new Set(r.changes.map((c) => c.host))];
  const count = (h: string, op: string) => r.changes.filter((c) => c.host === h && c.op === op).length;
  return [
    "| host | created | updated | replaced | deleted | intentional | corrective | health URLs |",
    "|---|---:|---:|---:|---:|---:|---:|---|",
    ...hosts.map((h) => `| ${cell(h)} | ${count(h, "create")} | ${count(h, "update")} | ${count(h, "replace")} | ${count(h, "delete")} | `
      + `${r.changes.filter((c) => c.host === h && c.intentional).length} | ${r.changes.filter((c) => c.host === h && c.corrective).length} | `
      + `${healthOf(r, h)} |`),
  ];
}

function intentionalSection(r: Report, mode: Mode, maxLines: number): string[] {
  const list = r.changes.filter((c) => c.intentional || !c.corrective);
  if (!list.length) return [];
  const title = mode === "preview" ? "Intentional: what this pull request changes" : "Not deployed yet: the code differs from the last deployment";
  const labels = mode === "preview" ? LABELS.intentional : (["deployed", "the code"] as const);
  return [`#### ${title}`, "", ...list.flatMap((c) => block(c, c.intentional ?? [], labels, maxLines))];
}

function correctiveSection(r: Report, maxLines: number): string[] {
  const list = r.changes.filter((c) => c.corrective);
  if (!list.length) return [];
  return [
    "#### Corrective: changed on the host since the last deployment; `up` puts it back",
    "",
    ...list.flatMap((c) => block(c, c.corrective!, LABELS.corrective, maxLines)),
  ];
}

function summary(r: Report, mode: Mode): string {
  const hosts = new Set(r.changes.map((c) => c.host)).size;
  const n = r.changes.length;
  const what = `${n} resource${n === 1 ? "" : "s"} on ${hosts} host${hosts === 1 ? "" : "s"}`;
  const intentional = r.changes.filter((c) => c.intentional).length;
  const corrective = r.changes.filter((c) => c.corrective).length;
  const lead = mode === "preview" ? `Merging and deploying changes ${what}` : `The hosts differ from the code in ${what}`;
  return `${lead}: ${intentional} intentional, ${corrective} corrective (\`npm run up -- --stack ${r.stack}\` applies them).`;
}

function reasonCell(u: Unreachable): string {
  if (u.reason === "other") return `${REASONS.other}: ${cell(u.detail)}`;
  const user = loginOf(u.address);
  if (u.reason === "sudo") return `${REASONS.sudo} for ${cell(user)}: ${cell(u.detail)}; give ${cell(user)} a NOPASSWD sudoers rule, or log in as root`;
  return REASONS[u.reason];
}

/** Hosts that were not read: their state is unknown, so neither "no drift" nor a diff speaks for them. */
function unreachableSection(list: readonly Unreachable[]): string[] {
  if (!list.length) return [];
  const n = list.length;
  return [
    `**Not checked: ${n} host${n === 1 ? "" : "s"} could not be ${allUnreached(list) ? "reached" : "checked"}**, so ${n === 1 ? "its" : "their"} state is unknown:`,
    "",
    "| host | reason |",
    "|---|---|",
    ...list.map((u) => `| ${cell(hostLabel(u))} | ${reasonCell(u)} |`),
    "",
  ];
}

export function marker(mode: Mode, stack: string): string {
  return `<!-- hostform-${mode} stack=${stack} -->`;
}

function renderWith(r: Report, mode: Mode, maxLines: number): string {
  const title = mode === "preview" ? `### hostform preview of stack ${code(r.stack)}` : `### Drift on stack ${code(r.stack)}`;
  const out = [marker(mode, r.stack), title, ""];
  if (r.errors.length) {
    out.push(`**The ${mode} failed**; the hosts were not compared:`, "", fence(r.errors.join("\n\n"), ""));
    return `${out.join("\n")}\n`;
  }
  const unreachable = r.unreachable ?? [];
  out.push(...unreachableSection(unreachable));
  if (!r.changes.length) {
    if (unreachable.length) out.push(mode === "preview" ? "No changes on the hosts that were read." : "No drift on the hosts that were read.");
    else out.push(mode === "preview" ? "No changes: the hosts already match this pull request." : "No drift: every host matches the last deployment.");
    return `${out.join("\n")}\n`;
  }
  out.push(summary(r, mode), "", ...table(r), "");
  const sections = mode === "preview"
    ? [...intentionalSection(r, mode, maxLines), ...correctiveSection(r, maxLines)]
    : [...correctiveSection(r, maxLines), ...intentionalSection(r, mode, maxLines)];
  out.push(...sections);
  return `${out.join("\n").trimEnd()}\n`;
}

/**
 * The Markdown for a report, at most `limit` bytes: diffs are shortened first (each keeps its
 * head and says how many lines were left out); if even that is too long, the text is cut at the end.
 */
export function renderMarkdown(r: Report, mode: Mode, limit = GITHUB_LIMIT): string {
  const whole = renderWith(r, mode, Infinity);
  if (size(whole) <= limit) return whole;
  // The most diff lines each diff may keep for the comment to fit: a long diff is cut, short ones stay whole.
  let [fits, tooMany] = [0, whole.split("\n").length];
  while (tooMany - fits > 1) {
    const mid = Math.floor((fits + tooMany) / 2);
    if (size(renderWith(r, mode, mid)) <= limit) fits = mid;
    else tooMany = mid;
  }
  const text = renderWith(r, mode, fits);
  if (size(text) <= limit) return text;
  // So many resources that even without diffs it is too long: cut at the end.
  const bytes = Buffer.from(text, "utf8");
  const keep = limit - 200;
  return `${bytes.subarray(0, keep).toString("utf8").replace(/\uFFFD$/, "")}\n\n… ${bytes.length - keep} more bytes left out (comment size limit)\n`;
}
