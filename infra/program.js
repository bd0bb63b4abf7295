// The program's entry (Pulumi.yaml main, typescript: false): infra/index.ts from its compiled output,
// checked against its source and rebuilt first when stale (scripts/program-build.cjs).
"use strict";
const path = require("node:path");
require("../scripts/program-build.cjs").register(path.resolve(__dirname, ".."));
module.exports = require("./index.ts");
