import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { buildReport, parseDigest, type PreviewDigest, type Report } from "../../scripts/preview-model";
import { previewArgs } from "../../scripts/preview-run";
import { GITHUB_LIMIT, renderMarkdown } from "../../scripts/preview-render";
import { connectionOf, hostExec, ROOT, run, sandbox, TestStack } from "./harness";

// Issue 11: the pull request preview on real `pulumi preview --json` output from a sandbox stack,
// one case per kind of change. HOSTFORM_UPDATE_FIXTURES=1 saves each case's two digests under
// test/fixtures/preview/<case>/, which the renderer's unit tests read.
const PROGRAM = path.join(__dirname, "programs/preview");
const HOST = "pr-preview";
const DIR = "/srv/hostform-preview";
const TOKEN = `tok-${Math.random().toString(36).slice(2)}-SECRET`;
const FIXTURES = path.join(ROOT, "test/fixtures/preview");
const sha256 = (t: string) => createHash("sha256").update(t).digest("hex");

/** Drops what the renderer never reads: the serialized provider code (~10 KB a resource) and source positions. */
function slim(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(slim);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).filter(([k]) => !["__provider", "stackTrace", "sourcePosition"].includes(k)).map(([k, v]) => [k, slim(v)]));
  }
  return value;
}

/** The digest as JSON with one step a line: half the size of indented JSON, still readable in a diff. */
function fixtureText(d: PreviewDigest): string {
  const { steps, ...rest } = slim(d) as PreviewDigest;
  const fields = [`"steps": [\n${(steps ?? []).map((s) => JSON.stringify(s)).join(",\n")}\n]`, ...Object.entries(rest).map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`)];
  return `{\n${fields.join(",\n")}\n}\n`;
}

describe("pull request preview on a sandbox stack", () => {
  const stack = new TestStack(PROGRAM);
  let h: sandbox.SandboxHost;
  const base: Record<string, unknown> = {};

  /** Sets the secret, and keeps its ciphertext for the config that `configure` writes. */
  const setToken = async (token: string) => {
    const r = await stack.pulumi("config", "set", "--secret", "test:token", token);
    expect(r.code, r.all).toBe(0);
    base["test:token"] = parse(readFileSync(stack.configFile, "utf8")).config["test:token"];
  };
  const configure = async (extra: Record<string, unknown>) => stack.setConfig({ ...base, ...extra });
  const up = async () => {
    const r = await stack.up();
    expect(r.code, r.all).toBe(0);
  };

  /** Both previews, checked for leaks, saved as fixtures on request; the report and its comment. */
  async function capture(name: string): Promise<{ report: Report; md: string; raw: string }> {
    const digests: PreviewDigest[] = [];
    let raw = "";
    for (const [file, refresh] of [["intentional", false], ["total", true]] as const) {
      const r = await stack.pulumi(...previewArgs(refresh));
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).not.toContain(TOKEN);
      raw += r.stdout;
      digests.push(parseDigest(r.stdout));
      if (process.env.HOSTFORM_UPDATE_FIXTURES === "1") {
        mkdirSync(path.join(FIXTURES, name), { recursive: true });
        writeFileSync(path.join(FIXTURES, name, `${file}.json`), fixtureText(digests[digests.length - 1]));
      }
    }
    const report = buildReport("preview-e2e", digests[0], digests[1]);
    const md = renderMarkdown(report, "preview");
    expect(md).not.toContain("SECRET");
    expect(md.length).toBeLessThanOrEqual(GITHUB_LIMIT);
    return { report, md, raw };
  }
  const summary = (r: Report) => r.changes.map((c) => `${c.name} ${c.op}${c.intentional ? " intentional" : ""}${c.corrective ? " corrective" : ""}`);

  beforeAll(async () => {
    [h] = await sandbox.up([{ name: HOST, flavor: "systemd" }]);
    await stack.init();
    base["test:connection"] = connectionOf(h);
    await configure({});
    await setToken(TOKEN);
    await up();
  });
  afterAll(async () => {
    await sandbox.down([HOST]);
    stack.remove();
  });

  it("says so when nothing changes", async () => {
    const { report, md } = await capture("no-change");
    expect(report.changes).toEqual([]);
    expect(md).toContain("No changes: the hosts already match this pull request.");
  });

  it("labels a change of the code intentional, with the file as a unified diff", async () => {
    await configure({ "test:appConf": "listen 80\nworkers 8\n" });
    const { report, md } = await capture("intentional");
    expect(summary(report)).toEqual(["app-conf update intentional"]);
    expect(md).toContain("--- deployed\n+++ this pull request\n@@ -1,2 +1,2 @@\n listen 80\n-workers 4\n+workers 8\n");
    await configure({});
  });

  it("labels hand edits on the host corrective, and the CLI commands report them", async () => {
    await hostExec(HOST, [
      `echo 'workers 64' >> ${DIR}/app.conf`,
      `echo 'EXTRA=1' >> ${DIR}/token.env`,
      "systemctl stop hostform-preview-web.service",
    ].join(" && "));
    const { report, md } = await capture("corrective");
    expect(summary(report)).toEqual(["app-conf update corrective", "health update corrective", "token update corrective", "web update corrective"]);
    expect(md).toContain("--- deployed\n+++ on the host\n@@ -1,2 +1,3 @@\n listen 80\n workers 4\n+workers 64\n");
    expect(md).toContain("- content: changed (secret, not shown)");
    expect(md).not.toContain("EXTRA");

    // The commands a workflow runs, on the same stack.
    const env = { PULUMI_BACKEND_URL: `file://${stack.backend}`, PULUMI_CONFIG_PASSPHRASE: stack.passphrase };
    const cli = ["--stack", stack.name, "--config-file", stack.configFile, "--cwd", PROGRAM];
    const pr = await run("npx", ["tsx", "scripts/preview-pr.ts", ...cli], { env });
    expect(pr.code, pr.stderr).toBe(0);
    expect(pr.stdout).toContain("<!-- hostform-preview stack=");
    expect(pr.stdout).toContain("#### Corrective: changed on the host since the last deployment");
    const drift = await run("npx", ["tsx", "scripts/drift.ts", ...cli, "--format", "json"], { env });
    expect(drift.code, drift.stderr).toBe(7);
    expect((JSON.parse(drift.stdout) as Report).changes.map((c) => c.name)).toEqual(["app-conf", "health", "token", "web"]);

    await up();
    const clean = await run("npx", ["tsx", "scripts/drift.ts", ...cli, "--format", "markdown"], { env });
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);
    expect(clean.stdout).toContain("No drift: every host matches the last deployment.");
  });

  it("shows a resource changed by both the pull request and a hand edit in both sections", async () => {
    await configure({ "test:appConf": "listen 80\nworkers 8\n", "test:packages": ["busybox", "tree"] });
    await hostExec(HOST, `chmod 0600 ${DIR}/app.conf && echo '# tuned by hand' >> ${DIR}/app.conf && systemctl stop hostform-preview-web.service`);
    const { report, md } = await capture("both");
    expect(summary(report)).toEqual(["app-conf update intentional corrective", "health update corrective", "pkgs update intentional", "web update corrective"]);
    expect(md).toContain("- mode: `0644` → `0600`");
    expect(md).toContain("- packages: added `tree`");
    await configure({});
    await up();
  });

  it("shows a replaced resource", async () => {
    await configure({ "test:appConfPath": `${DIR}/app-v2.conf` });
    const { report, md } = await capture("replace");
    expect(summary(report)).toEqual(["app-conf replace intentional"]);
    expect(md).toContain(`- path: \`${DIR}/app.conf\` → \`${DIR}/app-v2.conf\``);
    await configure({});
  });

  it("says a changed secret changed, with neither its value nor a hash of it", async () => {
    const next = `${TOKEN}-2`;
    await setToken(next);
    const { report, md, raw } = await capture("secret");
    expect(summary(report)).toEqual(["token update intentional"]);
    expect(md).toContain("- content: changed (secret, not shown)");
    // The CLI's JSON carries a keyed hash of the content (issue 10), never a plain one; the comment carries neither.
    const deployedHash = sha256(`API_TOKEN=${TOKEN}\n`);
    expect(raw).toContain('"contentHmac"');
    expect(raw).not.toContain(deployedHash);
    for (const leak of [TOKEN, next, deployedHash, sha256(`API_TOKEN=${next}\n`)]) expect(md).not.toContain(leak);
    expect(md).not.toMatch(/[0-9a-f]{64}/);
    await setToken(TOKEN);
  });

  it("cuts a diff too long for a comment and counts what was left out", async () => {
    await configure({ "test:longLines": 12000 });
    const { report, md } = await capture("long-diff");
    expect(summary(report)).toEqual(["long update intentional"]);
    expect(md.length).toBeLessThanOrEqual(GITHUB_LIMIT);
    expect(md).toMatch(/… \d+ more lines of this diff left out \(comment size limit\)/);
    await configure({});
  });
});
