import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "../..");
const BUILD = path.join(ROOT, "scripts/program-build.cjs");
const { build, stale } = require(BUILD) as { build: (root: string) => string[]; stale: (root: string) => string[] };

describe("scripts/program-build.cjs: the program compiled ahead of time, never run stale", () => {
  let root: string;
  const write = (rel: string, text: string) => {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  };
  /** Loads infra/index.ts of `root` through the build's require hook, in a fresh Node.js, as infra/program.js does. */
  const load = () => execFileSync(process.execPath, ["-e",
    `require(${JSON.stringify(BUILD)}).register(${JSON.stringify(root)}); console.log(JSON.stringify(require(${JSON.stringify(path.join(root, "infra/index.ts"))})))`,
  ], { encoding: "utf8" }).trim();

  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), "hostform-build-"));
    write("infra/index.ts", `import { n } from "../components/lib";\nexport const value: number = n + 1;\n`);
    write("components/lib.ts", "export const n: number = 1;\n");
    write("components/types.d.ts", "export type T = string;\n");
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("lists every source as stale before a build and none after; .d.ts files are not sources", () => {
    expect(stale(root)).toEqual(["components/lib.ts", "infra/index.ts"]);
    expect(build(root)).toEqual(["components/lib.ts", "infra/index.ts"]);
    expect(stale(root)).toEqual([]);
    expect(build(root)).toEqual([]);
  });

  it("finds an edited source stale by its content, whatever its time stamp, and rebuilds only it", () => {
    build(root);
    write("components/lib.ts", "export const n: number = 2;\n");
    expect(stale(root)).toEqual(["components/lib.ts"]);
    write("components/lib.ts", "export const n: number = 1;\n");
    expect(stale(root)).toEqual([]);
    write("components/lib.ts", "export const n: number = 3;\n");
    expect(build(root)).toEqual(["components/lib.ts"]);
    expect(stale(root)).toEqual([]);
  });

  it("finds every source stale when the compiler's options change (a tsconfig.json where the program runs), or an output is lost", () => {
    build(root);
    write("infra/tsconfig.json", `{ "compilerOptions": { "target": "ES2022" } }\n`);
    expect(stale(root)).toEqual(["components/lib.ts", "infra/index.ts"]);
    build(root);
    rmSync(path.join(root, ".build/program/infra/index.ts.js"));
    expect(stale(root)).toEqual(["infra/index.ts"]);
  });

  it("the program never runs a stale output: an edit without a build is built before it loads", () => {
    build(root);
    expect(load()).toBe(`{"value":2}`);
    write("components/lib.ts", "export const n: number = 41;\n");
    expect(load()).toBe(`{"value":42}`);
    expect(stale(root)).toEqual([]);
  });

  it("compiles as Pulumi's runner does for infra/ (no tsconfig.json there: ES2020, CommonJS), source map inline", () => {
    write("components/lib.ts", "export const n: number = 1;\nexport function f(g: { x?: number }) { return (g.x ??= 1); }\n");
    build(root);
    const out = readFileSync(path.join(root, ".build/program/components/lib.ts.js"), "utf8");
    expect(out).toMatch(/^\/\/hostform-build [0-9a-f]{64} [0-9a-f]{64}\n"use strict";\n/);
    expect(out).toContain("exports.n = 1;");
    expect(out).toContain("return (g.x ?? (g.x = 1));");
    expect(out).toMatch(/\/\/# sourceMappingURL=data:application\/json;charset=utf-8;base64,[A-Za-z0-9+/=]+$/);
  });

  it("the provider process loads @hostform/provider from the build, without tsx or the TypeScript compiler", () => {
    const out = execFileSync(process.execPath, ["-e", `const p = require("@hostform/provider");
      const loaded = (s) => Object.keys(require.cache).some((k) => k.includes(s));
      console.log(JSON.stringify({ read: typeof p.read, tsx: loaded("/tsx/"), typescript: loaded("/typescript/lib/") }))`], { cwd: ROOT, encoding: "utf8" });
    expect(JSON.parse(out)).toEqual({ read: "function", tsx: false, typescript: false });
  });
});
