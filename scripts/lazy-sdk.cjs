// Preloaded by scripts/pulumi.sh (NODE_OPTIONS=--require) into the Node.js processes the Pulumi CLI
// starts: the program and the dynamic provider. @pulumi/pulumi loads the TypeScript compiler at
// start-up (for serializing closures, which only the program does, never a provider process): 0.3 to
// 0.5 s of CPU (bench/README.md). Here it loads on first use instead. Only the SDK's own require is
// deferred; anything else that requires it gets the real module. (Up to 3.248 the SDK also loaded
// @npmcli/arborist eagerly, deferred here too; 3.276 reads package.json files without it.)
//
// It also trims three things the SDK does per resource and per promise, for nobody unless the
// engine runs with -v or a program leaks a promise (review 3, §2(f): the program's CPU halves):
//   - log.debug: each call is a Log RPC to the engine, about 3 per registered resource, which the
//     engine drops unless it runs verbose;
//   - Resource.stackTrace: a whole stack (Error.stackTraceLimit = Infinity) parsed per resource,
//     only for the source position the state records;
//   - debuggablePromise: a stack string per promise the SDK makes, only for its leak report.
// HOSTFORM_SDK_DEBUG=1 keeps the SDK as it ships (debug lines with -v, source positions, leaks).
"use strict";
const Module = require("node:module");
const path = require("node:path");

const DEFERRED = {
  typescript: `${path.sep}typescript-shim.js`,
};

function lazy(load) {
  let real;
  const get = () => (real ??= load());
  // __esModule: TypeScript's __importStar then keeps the proxy instead of copying every export.
  return new Proxy(Object.create(null), {
    get: (_, prop) => (prop === "__esModule" ? true : get()[prop]),
    has: (_, prop) => prop in get(),
    ownKeys: () => Reflect.ownKeys(get()),
    getOwnPropertyDescriptor: (_, prop) => {
      const d = Reflect.getOwnPropertyDescriptor(get(), prop);
      return d && { ...d, configurable: true };
    },
  });
}

const SDK = `${path.sep}@pulumi${path.sep}pulumi${path.sep}`;
const noDebug = () => Promise.resolve();
const noStack = () => [];
const sameOne = (p) => p;
/** The SDK's modules trimmed, by their file under @pulumi/pulumi/, and the trim. */
const TRIMS = {
  [path.join("log", "index.js")]: (m) => { m.debug = noDebug; },
  [path.join("runtime", "debuggable.js")]: (m) => { m.debuggablePromise = sameOne; },
  "resource.js": (m) => { m.Resource.stackTrace = noStack; },
};
const trimmed = new Set();
const trimming = process.env.HOSTFORM_SDK_DEBUG !== "1";
/** The requests by which the SDK loads those modules ("./log", "../runtime/debuggable", ...). */
const TRIMMED_REQUEST = /(^|\/)(log|debuggable|resource)(\.js|\/index\.js)?$/;

/**
 * Whether `request` can be found from `parent` now. One that cannot is not deferred, so the SDK's
 * own fallback runs where it expects to: typescript-shim.js takes its vendored compiler when the
 * program installs no typescript (an operator's program, docs/library.md); deferred, the failure
 * came later, out of the shim's try, and failed every dynamic resource's serialization.
 */
function resolvable(request, parent, isMain) {
  try {
    Module._resolveFilename(request, parent, isMain);
    return true;
  } catch {
    return false;
  }
}

const load = Module._load;
Module._load = function (request, parent, isMain) {
  const from = DEFERRED[request];
  const name = parent && parent.filename;
  if (from && name && name.endsWith(from) && name.includes(SDK) && resolvable(request, parent, isMain)) {
    return lazy(() => load.call(this, request, parent, isMain));
  }
  const m = load.call(this, request, parent, isMain);
  if (trimming && name && TRIMMED_REQUEST.test(request) && name.includes(SDK)) {
    const file = Module._resolveFilename(request, parent, isMain);
    const at = file.lastIndexOf(SDK);
    const trim = at >= 0 && !trimmed.has(file) ? TRIMS[file.slice(at + SDK.length)] : undefined;
    // Inside a require cycle the module is not done yet (resource.js ↔ runtime/resource.js): the
    // outer require, when it returns, trims it.
    if (trim && Module._cache[file]?.loaded) {
      trimmed.add(file);
      trim(m);
    }
  }
  return m;
};
