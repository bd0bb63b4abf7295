/**
 * The repository's own ecosystem file (seeds/000: ecosystem.config.cjs), run through a small
 * ecosystem file of hostform's that loads it, checks it has what the duel stack needs, and gives
 * each app hostform's plain settings and the secrets file. Pure renderers.
 */
import { LOAD_ENV_JS } from "../../blocks/secrets/envfile";
import type { Pm2App } from "../../blocks/pm2/render";
import { checkPaths, Problems } from "../../blocks/validate";
import { sh } from "../../host/quote";

/**
 * JavaScript defining checkApps(apps, name): the problems of a repository's ecosystem for the duel
 * stack, each with its fix. Shared by the wrapper (PM2 refuses to load it) and the code step
 * (which fails before anything restarts).
 */
export const CHECK_APPS_JS = `function checkApps(apps, name) {
  const out = [];
  if (!Array.isArray(apps)) return ["module.exports.apps is not a list: export { apps: [...] } as PM2 expects"];
  const app = apps.find((a) => a && a.name === name);
  if (!app) return ["no app named " + JSON.stringify(name) + " (it has " + JSON.stringify(apps.map((a) => a && a.name)) + "): hostform's health checks and graceful restart address that app"];
  if (typeof app.script !== "string" || app.script === "") out.push(name + ": no script: give what PM2 starts, e.g. script: 'bun', args: 'run start'");
  if (app.autorestart === false) out.push(name + ": autorestart is false: the graceful restart (seeds/003) exits the server and needs PM2 to start it again");
  const flag = app.env && app.env.STREAMING_DUEL_ENABLED;
  if (flag !== undefined && String(flag) !== "true") out.push(name + ": env STREAMING_DUEL_ENABLED is " + JSON.stringify(flag) + ": without true a restart does not wait for the duel (seeds/003); remove it or set it to 'true'");
  return out;
}
`;

export interface RepoEcosystemArgs {
  /** The repository's ecosystem file (absolute). */
  readonly file: string;
  /** The checkout: apps without a cwd run there, a relative cwd is resolved from it. */
  readonly cwd: string;
  /** The app the duel stack checks and restarts ("duel-arena"). */
  readonly app: string;
  /** hostform's plain settings, given to every app over the repository's own env. */
  readonly env: Readonly<Record<string, string>>;
  /** The secrets file, read at load time; its values win (as in the generated file). */
  readonly secretsFile: string;
  /** hostform's own apps beside the repository's (the port proxies): no secrets, no hostform env. */
  readonly extraApps?: readonly Pm2App[];
}

/** ~/ecosystem.config.js when the repository's file is used. */
export function renderRepoEcosystem(a: RepoEcosystemArgs): string {
  const p = new Problems();
  checkPaths(p, a, ["file", "cwd", "secretsFile"]);
  for (const key of Object.keys(a.env)) p.check(/^[A-Z_][A-Z0-9_]*$/.test(key), `env key ${JSON.stringify(key)} must match [A-Z_][A-Z0-9_]*`);
  const json = (v: unknown) => JSON.stringify(v);
  const env = Object.entries(a.env).map(([k, v]) => `  ${json(k)}: ${json(v)},`).join("\n");
  const extra = (a.extraApps ?? []).map((x) => `\n  ${json({ name: x.name, cwd: x.cwd, script: x.script, args: x.args ?? [], autorestart: x.autorestart ?? true })},`).join("");
  for (const x of a.extraApps ?? []) p.check(Object.keys(x.env).length === 0 && x.envFile === undefined, `extra app ${json(x.name)}: no env here`);
  p.done("renderRepoEcosystem");
  return `// Written by hostform; changes made on the host are replaced on the next run.
// The repository's own ecosystem file, with hostform's settings and secrets given to its apps.
"use strict";
const fs = require("fs");
const path = require("path");

${LOAD_ENV_JS}
${CHECK_APPS_JS}
const file = ${json(a.file)};
delete require.cache[file];
const repo = require(file);
const problems = checkApps(repo.apps, ${json(a.app)});
if (problems.length > 0) throw new Error(file + ": " + problems.join("; "));
const hostform = {
${env}
};
module.exports = Object.assign({}, repo, {
  apps: repo.apps.map((app) => Object.assign({}, app, {
    cwd: path.resolve(${json(a.cwd)}, app.cwd || "."),
    env: Object.assign({}, app.env, hostform, loadEnv(${json(a.secretsFile)})),
  }))${extra ? `.concat([${extra}\n])` : ""},
});
`;
}

/** Shell for the code step (gitPrelude's `ws` and `as_user`): the repository's file passes checkApps, or exit 3. */
export function repoEcosystemCheck(file: string, app: string, nodeBin: string): string {
  const js = `${CHECK_APPS_JS}const f = require("path").resolve(process.argv[1]);
let apps;
try { apps = require(f).apps; } catch (e) { console.error(process.argv[1] + " does not load: " + e.message.split("\\n")[0]); process.exit(3); }
const problems = checkApps(apps, process.argv[2]);
for (const p of problems) console.error(process.argv[1] + ": " + p);
process.exit(problems.length ? 3 : 0);
`;
  return `if [ ! -f "$ws"/${sh(file)} ]; then echo ${sh(`hostform:duel.app.ecosystem is "repository" but the checkout has no ${file}: add it, or set hostform:duel.app.ecosystem to "generated"`)} >&2; exit 3; fi
(cd "$ws" && as_user ${sh(nodeBin)} -e ${sh(js, true)} ${sh(file)} ${sh(app)}) || exit 3
`;
}
