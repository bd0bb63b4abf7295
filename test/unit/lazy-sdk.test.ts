import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "../..");
const PRELOAD = path.join(ROOT, "scripts/lazy-sdk.cjs");

/** Runs `code` in a fresh Node.js, with or without the preload; its stdout parsed as JSON. */
function node(code: string, preload: boolean): Record<string, unknown> {
  const out = execFileSync(process.execPath, [...(preload ? ["--require", PRELOAD] : []), "-e", code], { cwd: ROOT, encoding: "utf8" });
  return JSON.parse(out) as Record<string, unknown>;
}

const LOADED = `const loaded = (p) => Object.keys(require.cache).some((k) => k.includes(p));`;

describe("scripts/lazy-sdk.cjs (preloaded by scripts/pulumi.sh)", () => {
  it("loads @pulumi/pulumi without @npmcli/arborist and the TypeScript compiler, and only those are deferred", () => {
    const code = `${LOADED} require("@pulumi/pulumi"); console.log(JSON.stringify({
      arborist: loaded("/@npmcli/arborist/"), typescript: loaded("/typescript/lib/typescript.js"), grpc: loaded("/@grpc/grpc-js/") }))`;
    expect(node(code, false)).toEqual({ arborist: true, typescript: true, grpc: true });
    expect(node(code, true)).toEqual({ arborist: false, typescript: false, grpc: true });
  });

  it("loads them on first use: a function still serializes (the compiler parses it), and others get the real module", () => {
    const code = `${LOADED} const pulumi = require("@pulumi/pulumi");
      const before = loaded("/typescript/lib/typescript.js");
      pulumi.runtime.serializeFunction(() => 42).then((f) => console.log(JSON.stringify({
        before, text: f.text.includes("42"), after: loaded("/typescript/lib/typescript.js"),
        direct: Object.getPrototypeOf(require("typescript")) !== null })));`;
    expect(node(code, true)).toEqual({ before: false, text: true, after: true, direct: true });
  });
});
