/**
 * Each topology's README.md documents its settings: the table of `hostform:<role>.` keys names
 * exactly the keys its settings accept, and each default the table shows is DEFAULTS' value.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { Problems } from "../../components/blocks/validate";
import { DEFAULTS as DUEL } from "../../components/topologies/duel/settings";
import { DEFAULTS as FLATLOGIC } from "../../components/topologies/flatlogic/settings";
import { DEFAULTS as METAHUMAN } from "../../components/topologies/metahuman/settings";
import { TOPOLOGIES } from "../../components/topologies/registry";

const DEFAULTS: Record<string, Record<string, unknown>> = { flatlogic: FLATLOGIC, duel: DUEL, metahuman: METAHUMAN };
const readme = (role: string) => readFileSync(path.join(__dirname, "../../components/topologies", role, "README.md"), "utf8");

interface Row {
  /** The keys the first cell names (`a`, `b.c`; a `.x` continues the previous key's parent). */
  readonly keys: string[];
  readonly cell: string;
}

/** The rows of the Markdown table whose header's first cell is `` `<prefix>` key ``. */
function settingsTable(markdown: string, prefix: string): Row[] {
  const lines = markdown.split("\n");
  const start = lines.findIndex((l) => l.startsWith(`| \`${prefix}\` key |`));
  return start < 0 ? [] : tableRows(lines.slice(start + 2));
}

/** A role's settings rows: its `hostform:<role>.` table and those of its objects (`hostform:<role>.<key>.`), keys in full. */
function settingsRows(markdown: string, role: string): Row[] {
  const lines = markdown.split("\n");
  return lines.flatMap((l, i) => {
    const sub = new RegExp(`^\\| \`hostform:${role}\\.((?:[\\w-]+\\.)*)\` key \\|`).exec(l)?.[1];
    return sub === undefined ? [] : tableRows(lines.slice(i + 2)).map((r) => ({ ...r, keys: r.keys.map((k) => sub + k) }));
  });
}

function tableRows(lines: string[]): Row[] {
  const rows: Row[] = [];
  for (const line of lines) {
    if (!line.startsWith("|")) break;
    const [first, second] = line.split(/(?<!\\)\|/).slice(1).map((c) => c.trim());
    const names = [...first.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
    let parent = "";
    const keys = names.map((n) => {
      if (n.startsWith(".")) return parent + n;
      parent = n.includes(".") ? n.slice(0, n.lastIndexOf(".")) : n;
      return n;
    });
    rows.push({ keys, cell: second });
  }
  return rows;
}

/** The keys a topology's settings accept, as its unknown-key problem lists them. */
function knownKeys(role: string): string[] {
  const p = new Problems();
  TOPOLOGIES[role].settings({ notASettingProbe: 1 }, {}, p);
  const line = p.list.find((l) => l.startsWith(`hostform:${role}.notASettingProbe is not a setting`));
  return line?.split("known keys are ")[1].split(", ") ?? [];
}

/** The scalar values of a default (a nested object's leaves; booleans nested in objects are shown as words, not checked). */
function leaves(value: unknown, top = true): (string | number | boolean)[] {
  if (value !== null && typeof value === "object") return Object.values(value).flatMap((v) => leaves(v, false));
  if (typeof value === "boolean") return top ? [value] : [];
  return typeof value === "string" || typeof value === "number" ? [value] : [];
}

/** Whether a cell shows the value as a token of its own (`20` does not count inside `20.20.2`). */
function shows(cell: string, value: string | number | boolean): boolean {
  const text = String(value).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(^|[^\\w.])${text}($|[^\\w.]|\\.(?!\\w))`).test(cell.replace(/`/g, " "));
}

/** The rows of the topology's own table and the default cells for each top-level key. */
function cellsFor(role: string, key: string): string[] {
  return settingsRows(readme(role), role).filter((r) => r.keys.some((k) => k === key || k.startsWith(`${key}.`))).map((r) => r.cell);
}

describe("settingsTable", () => {
  it("reads keys, continuations and cells", () => {
    const md = "x\n| `hostform:t.` key | default |\n|---|---|\n| `a` | 1 |\n| `b.c`, `.d`, `e` | `x`, 2 |\n\nafter";
    expect(settingsTable(md, "hostform:t.")).toEqual([{ keys: ["a"], cell: "1" }, { keys: ["b.c", "b.d", "e"], cell: "`x`, 2" }]);
  });
  it("reads a role's tables with their objects' tables, keys in full", () => {
    const md = "| `hostform:t.` key | default |\n|---|---|\n| `a` | 1 |\n\n| `hostform:t.o.` key | default | seed |\n|---|---|---|\n| `b` | 2 | s |\n";
    expect(settingsRows(md, "t")).toEqual([{ keys: ["a"], cell: "1" }, { keys: ["o.b"], cell: "2" }]);
  });
  it("shows a value only as a token of its own", () => {
    expect(shows("`20.20.2`", 20)).toBe(false);
    expect(shows("`nodesource`, `20.20.2`", "20.20.2")).toBe(true);
    expect(shows("`cluster`, 1 (`\"max\"`: one per CPU)", 1)).toBe(true);
    expect(shows("12, `weekly`", 2)).toBe(false);
  });
});

describe.each(Object.keys(TOPOLOGIES))("components/topologies/%s/README.md", (role) => {
  const rows = settingsRows(readme(role), role);

  it("documents exactly the keys the settings accept", () => {
    const known = knownKeys(role);
    expect(known.length).toBeGreaterThan(5);
    const documented = new Set(rows.flatMap((r) => r.keys.map((k) => k.split(".")[0])));
    expect([...documented].sort()).toEqual([...known].sort());
  });

  it("shows each default as DEFAULTS has it", () => {
    const defaults = DEFAULTS[role];
    expect(defaults).toBeDefined();
    const missing: string[] = [];
    for (const [key, value] of Object.entries(defaults)) {
      let cells = cellsFor(role, key);
      // "as for [Flatlogic](../flatlogic/README.md)": the same default as that topology's, shown there.
      const asFor = cells.map((c) => /as for \[[^\]]+\]\(\.\.\/(\w+)\/README\.md\)/.exec(c)?.[1]).find((r) => r !== undefined);
      if (asFor) {
        expect(DEFAULTS[asFor][key], `${role}.${key} is documented "as for ${asFor}"`).toEqual(value);
        cells = cellsFor(asFor, key);
      }
      if (cells.length === 0) missing.push(`${key}: no row`);
      for (const leaf of leaves(value)) if (!cells.some((c) => shows(c, leaf))) missing.push(`${key}: ${JSON.stringify(leaf)}`);
    }
    expect(missing).toEqual([]);
  });
});

describe("components/topologies/duel/README.md, the app's settings", () => {
  it("shows each of DEFAULTS.app's values in the `hostform:duel.app.` table, which names exactly its keys", () => {
    const rows = settingsTable(readme("duel"), "hostform:duel.app.");
    expect(rows.flatMap((r) => r.keys).sort()).toEqual(Object.keys(DUEL.app).sort());
    for (const [key, value] of Object.entries(DUEL.app)) {
      expect(rows.find((r) => r.keys.includes(key))?.cell, key).toSatisfy((cell: string) => shows(cell, value));
    }
  });
});
