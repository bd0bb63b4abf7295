import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "../..");
const PRELOAD = path.join(ROOT, "scripts/lazy-sdk.cjs");

/** Runs `code` in a fresh Node.js, with or without the preload; its stdout parsed as JSON. */
function node(code: string, preload: boolean, env: NodeJS.ProcessEnv = {}): Record<string, unknown> {
  const out = execFileSync(process.execPath, [...(preload ? ["--require", PRELOAD] : []), "-e", code], {
    cwd: ROOT, encoding: "utf8", env: { ...process.env, HOSTFORM_SDK_DEBUG: undefined, ...env },
  });
  return JSON.parse(out) as Record<string, unknown>;
}

const LOADED = `const loaded = (p) => Object.keys(require.cache).some((k) => k.includes(p));`;

describe("scripts/lazy-sdk.cjs (preloaded by scripts/pulumi.sh)", () => {
  // @pulumi/pulumi 3.276 no longer requires @npmcli/arborist (3.248 did, at start-up): a later SDK
  // that loads it again fails here, and lazy-sdk.cjs would need its deferral back.
  it("loads @pulumi/pulumi without the TypeScript compiler (and arborist, which the SDK no longer loads), and only it is deferred", () => {
    const code = `${LOADED} require("@pulumi/pulumi"); console.log(JSON.stringify({
      arborist: loaded("/@npmcli/arborist/"), typescript: loaded("/typescript/lib/typescript.js"), grpc: loaded("/@grpc/grpc-js/") }))`;
    expect(node(code, false)).toEqual({ arborist: false, typescript: true, grpc: true });
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

  // What each trim replaces, probed through the SDK's public entry: a debug line (a Log RPC when an
  // engine is connected), the stack of a resource, the stack string of a promise.
  const TRIMS = `const pulumi = require("@pulumi/pulumi");
    const log = require("@pulumi/pulumi/log"), dbg = require("@pulumi/pulumi/runtime/debuggable");
    const p = Promise.resolve(1), wrapped = dbg.debuggablePromise(p, "ctx");
    console.log(JSON.stringify({
      debugIsNoop: log.debug.toString() === "() => Promise.resolve()",
      stackFrames: pulumi.Resource.stackTrace(0).length,
      samePromise: wrapped === p, promiseStack: typeof p._debugStackTrace }))`;

  it("trims the SDK's debug lines, resource stacks and promise stacks; without the preload they are there", () => {
    expect(node(TRIMS, true)).toEqual({ debugIsNoop: true, stackFrames: 0, samePromise: true, promiseStack: "undefined" });
    const shipped = node(TRIMS, false);
    expect(shipped).toMatchObject({ debugIsNoop: false, samePromise: false, promiseStack: "string" });
    expect(shipped.stackFrames).toBeGreaterThan(0);
  });

  it("HOSTFORM_SDK_DEBUG=1 keeps the debug lines, the stacks and the leak report as the SDK ships them", () => {
    const shipped = node(TRIMS, true, { HOSTFORM_SDK_DEBUG: "1" });
    expect(shipped).toMatchObject({ debugIsNoop: false, samePromise: false, promiseStack: "string" });
    expect(shipped.stackFrames).toBeGreaterThan(0);
  });

  it("the SDK calls the trimmed functions through the patched objects (a later SDK that binds them early fails here)", () => {
    const sdk = (f: string) => readFileSync(path.join(ROOT, "node_modules/@pulumi/pulumi", f), "utf8");
    const registration = sdk("runtime/resource.js");
    expect(registration).toContain("log.debug(`Registering resource:");
    expect(registration).toContain("debuggable_1.debuggablePromise(");
    expect(sdk("resource.js")).toContain("const stackTrace = Resource.stackTrace(4);");
  });

  it("defers only a compiler it can find: without typescript installed the SDK's shim still falls back to its vendored one", () => {
    // A program folder with no typescript anywhere above it, and a stand-in of the SDK's
    // typescript-shim.js (the same try/catch: the installed compiler, else the vendored one).
    const dir = mkdtempSync(path.join(tmpdir(), "lazy-sdk-"));
    try {
      const sdk = path.join(dir, "node_modules/@pulumi/pulumi");
      mkdirSync(path.join(sdk, "vendor/typescript"), { recursive: true });
      writeFileSync(path.join(sdk, "vendor/typescript/typescript.js"), "module.exports = { vendored: true };\n");
      writeFileSync(path.join(sdk, "typescript-shim.js"),
        'try { module.exports = require("typescript"); } catch { module.exports = require("./vendor/typescript/typescript.js"); }\n');
      const code = `const ts = require(${JSON.stringify(path.join(sdk, "typescript-shim.js"))}); console.log(JSON.stringify({ vendored: ts.vendored === true }))`;
      const run = (preload: boolean) => JSON.parse(execFileSync(process.execPath, [...(preload ? ["--require", PRELOAD] : []), "-e", code], {
        cwd: dir, encoding: "utf8", env: { ...process.env, NODE_PATH: undefined, HOSTFORM_SDK_DEBUG: undefined },
      }));
      expect(run(false)).toEqual({ vendored: true });
      expect(run(true)).toEqual({ vendored: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
