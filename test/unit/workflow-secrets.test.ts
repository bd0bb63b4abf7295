import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

// Security review N2: the pipelines hold the prod passphrase, the state backend's credentials and
// the root SSH key. They may reach only code a maintainer has read, so these rules hold for every
// workflow: secrets only in jobs of a gated environment (main only, or the reviewed preview), only
// in a step's env, never next to an `npm ci` that runs dependencies' scripts; actions pinned to a
// commit; checkout keeps no token; setup-go pinned; the bot edits only its own comment or issue.
const ROOT = path.resolve(__dirname, "../..");

type Yaml = Record<string, unknown>;
interface Step { uses?: string; run?: string; with?: Yaml; env?: Yaml; name?: string }
interface Job { if?: string; environment?: string | { name?: string }; env?: Yaml; steps?: Step[]; secrets?: unknown; uses?: string }

const SECRET = /\bsecrets\.([A-Za-z_][A-Za-z0-9_]*)/g;
/** The secrets a piece of a workflow names, except the job's own token. */
const secretsIn = (x: unknown): string[] =>
  [...new Set([...JSON.stringify(x ?? null).matchAll(SECRET)].map((m) => m[1]))].filter((s) => s !== "GITHUB_TOKEN");
const PINNED = /^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/;
const ON_MAIN = /github\.ref\s*==\s*'refs\/heads\/main'/;
const PREVIEW_LABEL = /contains\(github\.event\.pull_request\.labels\.\*\.name,\s*'preview'\)/;

/** Triggers of a workflow, as names. */
function triggers(doc: Yaml): string[] {
  const on = doc.on ?? doc.true; // YAML 1.1 readers turn a bare `on` into true
  if (typeof on === "string") return [on];
  if (Array.isArray(on)) return on.map(String);
  return Object.keys((on ?? {}) as Yaml);
}

/** A job's steps with those of the local composite actions it uses in their place. */
function expand(steps: Step[], actions: Record<string, string>): Step[] {
  return steps.flatMap((s) => {
    if (!s.uses?.startsWith("./")) return [s];
    const text = actions[s.uses.replace(/^\.\//, "").replace(/\/$/, "")];
    const inner = ((text ? parse(text) : {}) as { runs?: { steps?: Step[] } }).runs?.steps ?? [];
    return [s, ...expand(inner, actions)];
  });
}

/**
 * What is wrong in a set of workflows; empty when nothing is. `workflows`: file name → text;
 * `actions`: a local action's folder (`.github/actions/setup`) → its action.yml.
 */
export function problems(workflows: Record<string, string>, actions: Record<string, string>): string[] {
  const out: string[] = [];
  const stepRules = (where: string, steps: Step[]) => {
    for (const s of steps) {
      if (s.uses && !s.uses.startsWith("./") && !PINNED.test(s.uses)) out.push(`${where}: ${s.uses} is not pinned to a commit SHA`);
      if (s.uses?.startsWith("actions/checkout@") && String(s.with?.["persist-credentials"]) !== "false") {
        out.push(`${where}: checkout keeps the token in .git/config (persist-credentials: false)`);
      }
      if (s.uses?.startsWith("actions/setup-go@") && !s.with?.["go-version-file"] && !/^\d+\.\d+(\.\d+)?$/.test(String(s.with?.["go-version"] ?? ""))) {
        out.push(`${where}: setup-go takes go-version ${String(s.with?.["go-version"])}, not a version`);
      }
    }
  };
  for (const [dir, text] of Object.entries(actions)) {
    const doc = parse(text) as { runs?: { steps?: Step[] } };
    stepRules(dir, doc.runs?.steps ?? []);
    for (const s of doc.runs?.steps ?? []) if (secretsIn(s).length) out.push(`${dir}: a composite action step names secrets`);
  }
  for (const [file, text] of Object.entries(workflows)) {
    const doc = parse(text) as Yaml;
    const on = triggers(doc);
    if (on.includes("pull_request_target")) out.push(`${file}: pull_request_target runs with secrets for any pull request`);
    const wfSecrets = secretsIn(doc.env);
    if (wfSecrets.length) out.push(`${file}: workflow env holds secrets ${wfSecrets.join(", ")}`);
    for (const [id, job] of Object.entries((doc.jobs ?? {}) as Record<string, Job>)) {
      const where = `${file} ${id}`;
      const steps = job.steps ?? [];
      stepRules(where, steps);
      const jobEnvSecrets = secretsIn(job.env);
      if (jobEnvSecrets.length) out.push(`${where}: job env holds secrets ${jobEnvSecrets.join(", ")}`);
      const used = [...secretsIn(job), ...(job.secrets === "inherit" ? ["inherit"] : [])];
      if (!used.length) continue;
      const env = typeof job.environment === "string" ? job.environment : job.environment?.name;
      if (!env) {
        out.push(`${where}: uses secrets ${used.join(", ")} outside an environment`);
      } else if (env.startsWith("preview-")) {
        if (on.some((t) => t !== "pull_request")) out.push(`${where}: the preview environment runs on ${on.join(", ")}, not only pull requests`);
        if (!PREVIEW_LABEL.test(job.if ?? "")) out.push(`${where}: the preview job does not wait for the maintainers' preview label`);
      } else if (!ON_MAIN.test(job.if ?? "")) {
        out.push(`${where}: uses secrets ${used.join(", ")} on any branch (no if: github.ref == 'refs/heads/main')`);
      }
      for (const s of expand(steps, actions)) {
        const run = s.run ?? "";
        if (/\bnpm\s+(ci|install|i)\b/.test(run) && !/--ignore-scripts\b/.test(run)) out.push(`${where}: ${run.trim()} runs install scripts in a job with secrets`);
        if (/\bnpm\s+run\s+(-s\s+|--silent\s+)?setup\b|scripts\/setup\.sh/.test(run)) out.push(`${where}: npm run setup runs npm ci with install scripts in a job with secrets`);
      }
    }
    // The bot's own comment or issue: by marker and by author, since anyone can paste a marker.
    for (const job of Object.values((doc.jobs ?? {}) as Record<string, Job>)) {
      for (const s of job.steps ?? []) {
        if (/hostform-(preview|drift) stack=/.test(s.run ?? "") && !/\.user\.login == \\"github-actions\[bot\]\\"/.test(s.run ?? "")) {
          out.push(`${file}: "${s.name ?? "a step"}" selects by marker, not by the bot's login`);
        }
      }
    }
  }
  return out;
}

function read(dir: string): { workflows: Record<string, string>; actions: Record<string, string> } {
  const wf = path.join(dir, ".github/workflows");
  const ac = path.join(dir, ".github/actions");
  const workflows = Object.fromEntries(readdirSync(wf).map((f) => [f, readFileSync(path.join(wf, f), "utf8")]));
  const actions = Object.fromEntries((existsSync(ac) ? readdirSync(ac) : [])
    .map((d) => [`.github/actions/${d}`, readFileSync(path.join(ac, d, "action.yml"), "utf8")]));
  return { workflows, actions };
}

describe("the repository's workflows", () => {
  // HOSTFORM_WORKFLOWS_ROOT: another tree's root, to check its .github (e.g. main's before N2).
  it("give the deploy secrets only to reviewed code", () => {
    const { workflows, actions } = read(process.env.HOSTFORM_WORKFLOWS_ROOT ?? ROOT);
    expect(problems(workflows, actions)).toEqual([]);
  });
});

// A small workflow that follows every rule; each case below breaks one.
const SHA = "08c6903cd8c0fde910a37f88322edcfb5dd907a8";
const good = (job: Partial<Record<"if" | "environment" | "jobEnv" | "checkout" | "stepEnv" | "run", string>> = {}) => `
on:
  push:
    branches: [main]
jobs:
  deploy:
    if: ${job.if ?? "github.ref == 'refs/heads/main'"}
    runs-on: ubuntu-latest
    environment: ${job.environment ?? "prod"}
    env:
      STACK: prod${job.jobEnv ?? ""}
    steps:
      - uses: ${job.checkout ?? `actions/checkout@${SHA} # v5.0.0\n        with:\n          persist-credentials: false`}
      - uses: ./.github/actions/setup
      - name: up
        env:
          HOSTFORM_SSH_KEY: \${{ secrets.HOSTFORM_SSH_KEY }}${job.stepEnv ?? ""}
        run: ${job.run ?? "npm run up"}
`;
const SETUP = `
runs:
  using: composite
  steps:
    - uses: actions/setup-go@44694675825211faa026b3c33043df3e48a5fa00 # v6.0.0
      with:
        go-version-file: toolchain/langhost/go.mod
    - run: npm ci --ignore-scripts
      shell: bash
`;
const check = (wf: string, setup = SETUP) => problems({ "deploy.yml": wf }, { ".github/actions/setup": setup });

describe("the workflow rules", () => {
  it("pass a workflow that follows them", () => {
    expect(check(good())).toEqual([]);
  });
  it("refuse secrets in a job env or the workflow env", () => {
    expect(check(good({ jobEnv: "\n      PULUMI_CONFIG_PASSPHRASE: ${{ secrets.PULUMI_CONFIG_PASSPHRASE }}" })))
      .toEqual(["deploy.yml deploy: job env holds secrets PULUMI_CONFIG_PASSPHRASE"]);
    expect(check(`env:\n  K: \${{ secrets.AWS_SECRET_ACCESS_KEY }}\n${good()}`))
      .toEqual(["deploy.yml: workflow env holds secrets AWS_SECRET_ACCESS_KEY"]);
  });
  it("refuse secrets outside an environment, or on any branch", () => {
    expect(check(good({ environment: "''" }))).toEqual(["deploy.yml deploy: uses secrets HOSTFORM_SSH_KEY outside an environment"]);
    expect(check(good({ if: "always()" }))).toEqual(["deploy.yml deploy: uses secrets HOSTFORM_SSH_KEY on any branch (no if: github.ref == 'refs/heads/main')"]);
  });
  it("refuse a preview environment without the label, or on other triggers", () => {
    expect(check(good({ environment: "preview-prod" }))).toEqual([
      "deploy.yml deploy: the preview environment runs on push, not only pull requests",
      "deploy.yml deploy: the preview job does not wait for the maintainers' preview label",
    ]);
  });
  it("refuse a tag or branch for an action, and a checkout that keeps the token", () => {
    expect(check(good({ checkout: "actions/checkout@v4\n        with:\n          persist-credentials: false" })))
      .toEqual(["deploy.yml deploy: actions/checkout@v4 is not pinned to a commit SHA"]);
    expect(check(good({ checkout: `actions/checkout@${SHA}` })))
      .toEqual(["deploy.yml deploy: checkout keeps the token in .git/config (persist-credentials: false)"]);
  });
  it("refuse install scripts in a job with secrets, in its steps or its local action", () => {
    expect(check(good({ run: "npm ci && npm run up" }))).toEqual(["deploy.yml deploy: npm ci && npm run up runs install scripts in a job with secrets"]);
    expect(check(good(), SETUP.replace("npm ci --ignore-scripts", "npm run setup")))
      .toEqual(["deploy.yml deploy: npm run setup runs npm ci with install scripts in a job with secrets"]);
  });
  it("refuse setup-go on a floating version", () => {
    expect(check(good(), SETUP.replace("go-version-file: toolchain/langhost/go.mod", "go-version: stable")))
      .toEqual([".github/actions/setup: setup-go takes go-version stable, not a version"]);
  });
  it("refuse picking the bot's comment by marker alone", () => {
    const byMarker = `marker="<!-- hostform-preview stack=$STACK -->"\n          gh api x --jq ".[] | select(.body | contains(\\"$marker\\")) | .id"`;
    expect(check(good({ run: `|\n          ${byMarker}` }))).toEqual(['deploy.yml: "up" selects by marker, not by the bot\'s login']);
  });
});
