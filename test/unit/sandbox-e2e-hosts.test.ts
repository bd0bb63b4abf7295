import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { validateName } from "../../scripts/sandbox/naming";

// e2e files run in parallel (HOSTFORM_E2E_FILES): two files naming the same sandbox host would
// take it over from each other. Each file's hosts are the constants it passes to sandbox.up, directly
// (`name: HOST`) or through a helper of its own (`duelStack(HOST, …)`).
const DIR = path.resolve(__dirname, "../e2e");

function hostNames(source: string): string[] {
  const used = new Set<string>();
  for (const m of source.matchAll(/\bname: ([A-Z][A-Z_]*)\b/g)) used.add(m[1]!);
  for (const m of source.matchAll(/\b\w+Stack\(([A-Z][A-Z_]*)[,)]/g)) used.add(m[1]!);
  const names: string[] = [];
  for (const m of source.matchAll(/\bconst ([A-Z][A-Z_]*) = "([a-z][a-z0-9-]*)";/g)) if (used.has(m[1]!)) names.push(m[2]!);
  return names;
}

describe("e2e files' sandbox hosts", () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith(".test.ts")).sort();

  it("reads the hosts of a file, through helpers too", () => {
    const src = 'const HOST = "a-ctr";\nconst PG = "a-pg";\nconst OTHER = "not-a-host";\n'
      + 'function x() { duelStack(HOST, "container"); return sandbox.up([{ name: PG, flavor: "systemd" }]); }\n';
    expect(hostNames(src)).toEqual(["a-ctr", "a-pg"]);
  });

  it("every file starts hosts, with valid names no other file uses", () => {
    const owner = new Map<string, string>();
    const clashes: string[] = [];
    for (const f of files) {
      const names = hostNames(readFileSync(path.join(DIR, f), "utf8"));
      expect(names.length, `${f} starts no host this test can see`).toBeGreaterThan(0);
      for (const n of new Set(names)) {
        validateName(n);
        if (owner.has(n)) clashes.push(`${n}: ${owner.get(n)} and ${f}`);
        else owner.set(n, f);
      }
    }
    expect(clashes).toEqual([]);
    expect(owner.size).toBeGreaterThanOrEqual(files.length);
  });
});
