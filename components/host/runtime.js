// Entry point of @hostform/provider in the Pulumi provider process, where no TypeScript loader
// runs: register tsx, then load the implementation from source.
require("tsx/cjs/api").register();
module.exports = require("./provider.ts");
