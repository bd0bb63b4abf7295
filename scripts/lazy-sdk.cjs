// Preloaded by scripts/pulumi.sh (NODE_OPTIONS=--require) into the Node.js processes the Pulumi CLI
// starts: the program and the dynamic provider. @pulumi/pulumi loads two large packages at start-up
// that a no-op check never uses: @npmcli/arborist (for packaging function code, which dynamic
// providers never do) and, in the provider process, the TypeScript compiler (for serializing
// closures, which only the program does). Together about 0.8 s of CPU in every provider process and
// 0.5 s in the program (bench/README.md). Here both load on first use instead. Only the SDK's own
// requires are deferred; anything else that requires them gets the real module.
"use strict";
const Module = require("node:module");
const path = require("node:path");

const DEFERRED = {
  "@npmcli/arborist": `${path.sep}runtime${path.sep}closure${path.sep}codePaths.js`,
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

const load = Module._load;
Module._load = function (request, parent, isMain) {
  const from = DEFERRED[request];
  const name = parent && parent.filename;
  if (from && name && name.endsWith(from) && name.includes(`${path.sep}@pulumi${path.sep}pulumi${path.sep}`)) {
    return lazy(() => load.call(this, request, parent, isMain));
  }
  return load.call(this, request, parent, isMain);
};
