// Entry point of @hostform/provider in the Pulumi provider process, where no TypeScript loader runs:
// the implementation from the program's build (scripts/program-build.cjs), checked against its
// sources and built again first when stale, so no compiler loads here (tsx did, on every start).
const path = require("node:path");
require("../../scripts/program-build.cjs").register(path.resolve(__dirname, "../.."));
module.exports = require("./provider.ts");
