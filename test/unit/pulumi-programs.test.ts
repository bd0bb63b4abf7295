import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

// Pulumi's Node.js runner, given a program directory, runs the entry point of the nearest
// package.json (its `exports`, else `main`). Below the repository's package.json that is the
// hostform library (dist/lib/index.js), not the program: every Pulumi project in the repository
// without a package.json of its own names its entry file (`main:` in Pulumi.yaml).
const ROOT = path.resolve(__dirname, "../..");
const projects = execFileSync("git", ["ls-files", "*Pulumi.yaml"], { cwd: ROOT, encoding: "utf8" }).split("\n").filter(Boolean);

describe("the repository's Pulumi projects", () => {
  it("are found (the root project, the test programs, the bench's)", () => {
    expect(projects).toContain("Pulumi.yaml");
    expect(projects).toContain("test/e2e/programs/resources/Pulumi.yaml");
    expect(projects).toContain("bench/programs/empty/Pulumi.yaml");
  });

  it("name an entry file that exists, unless they have a package.json of their own", () => {
    const wrong: string[] = [];
    for (const p of projects) {
      const dir = path.dirname(path.join(ROOT, p));
      if (dir !== ROOT && existsSync(path.join(dir, "package.json"))) continue;
      const main = (parse(readFileSync(path.join(ROOT, p), "utf8")) as { main?: string }).main;
      if (!main || !/\.(ts|js)$/.test(main) || !existsSync(path.join(dir, main))) wrong.push(`${p}: main ${JSON.stringify(main)}`);
    }
    expect(wrong).toEqual([]);
  });
});
