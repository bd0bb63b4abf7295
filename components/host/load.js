// @hostform/provider's entry in the Pulumi provider process. In a checkout the TypeScript sources are
// here and runtime.js loads them; the packed library (npm pack, docs/library.md) ships no sources,
// only the implementation compiled by `npm run build` under dist/.
const fs = require("node:fs");
const path = require("node:path");

module.exports = fs.existsSync(path.join(__dirname, "provider.ts")) ? require("./runtime.js") : require("../../dist/components/host/provider.js");
