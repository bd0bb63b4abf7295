/**
 * A unified diff of two texts (`diff -u` format, 3 lines of context), for file contents in preview
 * comments. Pure. Lines are matched by longest common subsequence after the common head and tail
 * are set aside; a middle too large for that (more than MAX_CELLS line pairs) is shown as all
 * removed, then all added, which is still a correct diff.
 */
const CONTEXT = 3;
const MAX_CELLS = 4_000_000;

type Edit = { op: " " | "-" | "+"; line: string };

function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  else lines[lines.length - 1] += "\n\\ No newline at end of file";
  return lines;
}

function lcsEdits(a: string[], b: string[]): Edit[] {
  if (a.length * b.length > MAX_CELLS) return [...a.map((line) => ({ op: "-" as const, line })), ...b.map((line) => ({ op: "+" as const, line }))];
  const w = b.length + 1;
  // len[i*w+j]: length of the LCS of a[i..] and b[j..].
  const len = new Uint32Array((a.length + 1) * w);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      len[i * w + j] = a[i] === b[j] ? len[(i + 1) * w + j + 1] + 1 : Math.max(len[(i + 1) * w + j], len[i * w + j + 1]);
    }
  }
  const out: Edit[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) { out.push({ op: " ", line: a[i] }); i++; j++; }
    else if (j < b.length && (i === a.length || len[i * w + j + 1] >= len[(i + 1) * w + j])) out.push({ op: "+", line: b[j++] });
    else out.push({ op: "-", line: a[i++] });
  }
  // Removals before additions within a run of changes, as diff -u prints them.
  for (let k = 0; k < out.length; k++) {
    if (out[k].op === " ") continue;
    let end = k;
    while (end < out.length && out[end].op !== " ") end++;
    const run = out.slice(k, end);
    out.splice(k, run.length, ...run.filter((e) => e.op === "-"), ...run.filter((e) => e.op === "+"));
    k = end;
  }
  return out;
}

function edits(a: string[], b: string[]): Edit[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  return [
    ...a.slice(0, head).map((line) => ({ op: " " as const, line })),
    ...lcsEdits(a.slice(head, a.length - tail), b.slice(head, b.length - tail)),
    ...a.slice(a.length - tail).map((line) => ({ op: " " as const, line })),
  ];
}

const range = (start: number, count: number) => (count === 1 ? `${start}` : `${count === 0 ? start - 1 : start},${count}`);

/** `--- from` / `+++ to` headers and hunks; "" when the texts are equal. */
export function unifiedDiff(before: string, after: string, from: string, to: string): string {
  if (before === after) return "";
  const all = edits(splitLines(before), splitLines(after));
  const hunks: string[] = [];
  let k = 0;
  while (k < all.length) {
    if (all[k].op === " ") { k++; continue; }
    // A hunk: from CONTEXT lines before this change to CONTEXT lines after the last change that is
    // at most 2*CONTEXT unchanged lines from the next one.
    const start = Math.max(0, k - CONTEXT);
    let end = k;
    for (;;) {
      while (end < all.length && all[end].op !== " ") end++;
      let gap = end;
      while (gap < all.length && all[gap].op === " ") gap++;
      if (gap < all.length && gap - end <= 2 * CONTEXT) end = gap;
      else break;
    }
    const stop = Math.min(all.length, end + CONTEXT);
    const before0 = all.slice(0, start).filter((e) => e.op !== "+").length;
    const after0 = all.slice(0, start).filter((e) => e.op !== "-").length;
    const body = all.slice(start, stop);
    const oldCount = body.filter((e) => e.op !== "+").length;
    const newCount = body.filter((e) => e.op !== "-").length;
    hunks.push(`@@ -${range(before0 + 1, oldCount)} +${range(after0 + 1, newCount)} @@`, ...body.map((e) => `${e.op}${e.line}`));
    k = stop;
  }
  return [`--- ${from}`, `+++ ${to}`, ...hunks].join("\n");
}
