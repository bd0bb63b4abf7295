// The Pulumi program, compiled ahead of time: `node scripts/program-build.cjs` (npm run setup runs it)
// compiles every .ts file under infra/ and components/ into .build/program/, with the compiler and
// the options Pulumi's own runner (@pulumi/pulumi/cmd/run) gives ts-node, so the JavaScript is the
// same text, dynamic providers' serialized code included. The program then starts from
// infra/program.js (Pulumi.yaml: typescript: false) without loading ts-node, and without the
// TypeScript compiler at start (bench/README.md).
//
// Each output's first line names the sha256 of its source and a key of the compiler (a tsconfig.json
// where the program runs, the TypeScript and SDK versions: ts-node is the SDK's vendored copy, this
// file's FORMAT). The program checks both for every
// file it loads; a stale or missing output (a source edited, a `git pull`, a new compiler) is built
// again before it runs, so a stale program never runs. `--check` lists stale files and exits 1;
// a folder argument builds another checkout than this file's.
"use strict";
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

const FORMAT = 1;
const HEADER = "//hostform-build ";
const SOURCE_DIRS = ["infra", "components"];
/** Where Pulumi runs the program: the folder of Pulumi.yaml's main. */
const PROGRAM_DIR = "infra";
const OUT = path.join(".build", "program");

const sha256 = (text) => crypto.createHash("sha256").update(text).digest("hex");
const version = (pkg) => JSON.parse(fs.readFileSync(require.resolve(`${pkg}/package.json`), "utf8")).version;

/** What the compiled text depends on besides the source: the same sources with another key are stale. */
function compilerKey(root) {
  const tsconfig = path.join(root, PROGRAM_DIR, "tsconfig.json");
  return sha256(JSON.stringify({
    FORMAT, typescript: version("typescript"), pulumi: version("@pulumi/pulumi"),
    tsconfig: fs.existsSync(tsconfig) ? fs.readFileSync(tsconfig, "utf8") : null,
  }));
}

/** The program's sources: .ts files under infra/ and components/, relative to root, sorted. */
function sources(root) {
  const out = [];
  const walk = (rel) => {
    for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const r = path.join(rel, e.name);
      if (e.isDirectory() && e.name !== "node_modules") walk(r);
      else if (e.isFile() && r.endsWith(".ts") && !r.endsWith(".d.ts")) out.push(r);
    }
  };
  for (const d of SOURCE_DIRS) if (fs.existsSync(path.join(root, d))) walk(d);
  return out.sort();
}

const outputOf = (root, rel) => path.join(root, OUT, `${rel}.js`);
const headerOf = (source, key) => `${HEADER}${sha256(source)} ${key}\n`;

/** The compiled text of `rel` when it was built from exactly `source` with `key`; undefined when stale or missing. */
function fresh(root, rel, source, key) {
  let out;
  try {
    out = fs.readFileSync(outputOf(root, rel), "utf8");
  } catch {
    return undefined;
  }
  const header = headerOf(source, key);
  return out.startsWith(header) ? out.slice(header.length) : undefined;
}

/** The sources whose output is missing or was built from other text or another compiler. */
function stale(root) {
  const key = compilerKey(root);
  return sources(root).filter((rel) => fresh(root, rel, fs.readFileSync(path.join(root, rel), "utf8"), key) === undefined);
}

/**
 * ts-node as Pulumi's runner sets it up for this program (cmd/run/run.js). The runner works in the
 * program's directory, infra/ (Pulumi.yaml's main), and looks for tsconfig.json there: there is none,
 * so the program has always been compiled with the runner's defaults (ES2020, nodenext), not with
 * the repository's tsconfig.json (which type-checks). Keep it so: the same options, the same text.
 */
function compilerFor(root) {
  const tsutils = require("@pulumi/pulumi/tsutils");
  const { tsnodeRequire, typescriptRequire } = tsutils.typeScriptRequireStrings();
  const tsconfig = path.join(root, PROGRAM_DIR, "tsconfig.json");
  const extensions = { ...require.extensions };
  const service = require(tsnodeRequire).register({
    compiler: typescriptRequire, transpileOnly: true, project: tsconfig, skipProject: !fs.existsSync(tsconfig), cache: false,
    compilerOptions: { target: "ES2020", module: "nodenext", moduleResolution: "nodenext", sourceMap: "true", ...tsutils.loadTypeScriptCompilerOptions(tsconfig) },
  });
  // Only its compiler is wanted here, not its require hooks.
  for (const ext of Object.keys(require.extensions)) if (!(ext in extensions)) delete require.extensions[ext];
  Object.assign(require.extensions, extensions);
  return (source, file) => service.compile(source, file);
}

/** Check, then act: compiles the stale sources only; returns them. Each output is written whole (rename). */
function build(root) {
  const todo = stale(root);
  if (!todo.length) return todo;
  const key = compilerKey(root);
  const compile = compilerFor(root);
  for (const rel of todo) {
    const file = path.join(root, rel);
    const source = fs.readFileSync(file, "utf8");
    const out = outputOf(root, rel);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    const tmp = `${out}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, headerOf(source, key) + compile(source, file));
    fs.renameSync(tmp, out);
  }
  return todo;
}

/**
 * In the program's process: .ts files load from the build. A file whose output is stale (or that is
 * not one of the sources) sends the whole build through `build` once, in a child process, so this
 * process never loads the compiler; a file that is still not fresh after it is an error.
 */
function register(root) {
  const key = compilerKey(root);
  let rebuilt = false;
  require.extensions[".ts"] = (module, file) => {
    const rel = path.relative(root, file);
    if (!SOURCE_DIRS.some((d) => rel.startsWith(d + path.sep))) {
      throw new Error(`hostform: ${file} is not a source of the program's build (${SOURCE_DIRS.join("/, ")}/): scripts/program-build.cjs compiles only those`);
    }
    const source = fs.readFileSync(file, "utf8");
    let js = fresh(root, rel, source, key);
    if (js === undefined && !rebuilt) {
      rebuilt = true;
      require("node:child_process").execFileSync(process.execPath, [__filename, root], { stdio: ["ignore", "ignore", "inherit"] });
      js = fresh(root, rel, source, key);
    }
    if (js === undefined) throw new Error(`hostform: ${rel} is newer than its compiled output in ${OUT}/ and building it again did not help: run node scripts/program-build.cjs`);
    module._compile(js, file);
  };
}

module.exports = { build, compilerKey, register, sources, stale, OUT };

if (require.main === module) {
  const root = path.resolve(process.argv.slice(2).find((a) => !a.startsWith("--")) ?? path.join(__dirname, ".."));
  if (process.argv.includes("--check")) {
    const s = stale(root);
    for (const rel of s) console.log(rel);
    process.exit(s.length ? 1 : 0);
  }
  const built = build(root);
  if (built.length) console.error(`[program-build] compiled ${built.length} of ${sources(root).length} sources into ${OUT}/`);
}
