import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { buildReport, parseDigest, type PreviewDigest, type Report } from "../../scripts/preview-model";
import { describe as describeChange, GITHUB_LIMIT, renderMarkdown } from "../../scripts/preview-render";
import { unifiedDiff } from "../../scripts/unified-diff";

// Recorded by test/e2e/preview-pr.test.ts from a sandbox stack (see test/fixtures/preview/README.md).
const FIXTURES = path.join(__dirname, "../fixtures/preview");
const digest = (c: string, f: string): PreviewDigest => parseDigest(readFileSync(path.join(FIXTURES, c, `${f}.json`), "utf8"));
const reportOf = (c: string): Report => buildReport("preview-e2e", digest(c, "intentional"), digest(c, "total"));
const comment = (c: string) => renderMarkdown(reportOf(c), "preview");
const lines = (l: string[]) => `${l.join("\n")}\n`;
const TITLE = ["<!-- hostform-preview stack=preview-e2e -->", "### hostform preview of stack `preview-e2e`", ""];
/** The lines every comment with changes starts with; `row`: the host's row of the table after its address. */
const head = (counts: string, row: string) => [
  ...TITLE,
  `Merging and deploying changes ${counts} (\`npm run up -- --stack preview-e2e\` applies them).`,
  "",
  "| host | created | updated | replaced | deleted | intentional | corrective | health URLs |",
  "|---|---:|---:|---:|---:|---:|---:|---|",
  `| \`10.231.10.2\` | ${row} |`,
  "",
];

describe("pull request comment, on recorded previews", () => {
  it("says so when nothing changes", () => {
    expect(comment("no-change")).toBe(lines([
      ...TITLE,
      "No changes: the hosts already match this pull request.",
    ]));
  });

  it("labels a change of the code intentional and shows the file as a unified diff", () => {
    expect(comment("intentional")).toBe(lines([
      ...head("1 resource on 1 host: 1 intentional, 0 corrective", "0 | 1 | 0 | 0 | 1 | 0 | `http://127.0.0.1:8080/app.conf`<br>not checked again"),
      "#### Intentional: what this pull request changes",
      "",
      "**`app-conf`** File `/srv/hostform-preview/app.conf` on `10.231.10.2`: **update** (intentional)",
      "",
      "- content:",
      "",
      "```diff",
      "--- deployed",
      "+++ this pull request",
      "@@ -1,2 +1,2 @@",
      " listen 80",
      "-workers 4",
      "+workers 8",
      "```",
    ]));
  });

  it("lists hand edits in the corrective section with what was changed on the host", () => {
    expect(comment("corrective")).toBe(lines([
      ...head("4 resources on 1 host: 0 intentional, 4 corrective", "0 | 4 | 0 | 0 | 0 | 4 | `http://127.0.0.1:8080/app.conf`<br>checked again by `up`"),
      "#### Corrective: changed on the host since the last deployment; `up` puts it back",
      "",
      "**`app-conf`** File `/srv/hostform-preview/app.conf` on `10.231.10.2`: **update** (corrective)",
      "",
      "- content:",
      "",
      "```diff",
      "--- deployed",
      "+++ on the host",
      "@@ -1,2 +1,3 @@",
      " listen 80",
      " workers 4",
      "+workers 64",
      "```",
      "",
      "**`health`** Health on `10.231.10.2`: **update** (corrective)",
      "",
      "- health: `healthy` → `web: http://127.0.0.1:8080/app.conf answered nothing, expected 200`",
      "",
      "**`token`** File `/srv/hostform-preview/token.env` on `10.231.10.2`: **update** (corrective)",
      "",
      "- content: changed (secret, not shown)",
      "",
      "**`web`** SystemdUnit `hostform-preview-web.service` on `10.231.10.2`: **update** (corrective)",
      "",
      "- active: `true` → `false`",
    ]));
  });

  it("shows a replaced resource", () => {
    expect(comment("replace")).toBe(lines([
      ...head("1 resource on 1 host: 1 intentional, 0 corrective", "0 | 0 | 1 | 0 | 1 | 0 | `http://127.0.0.1:8080/app.conf`<br>not checked again"),
      "#### Intentional: what this pull request changes",
      "",
      "**`app-conf`** File `/srv/hostform-preview/app-v2.conf` on `10.231.10.2`: **replace** (intentional)",
      "",
      "- path: `/srv/hostform-preview/app.conf` → `/srv/hostform-preview/app-v2.conf`",
    ]));
  });

  it("says a secret changed, with neither its value nor a hash", () => {
    expect(comment("secret")).toBe(lines([
      ...head("1 resource on 1 host: 1 intentional, 0 corrective", "0 | 1 | 0 | 0 | 1 | 0 | `http://127.0.0.1:8080/app.conf`<br>not checked again"),
      "#### Intentional: what this pull request changes",
      "",
      "**`token`** File `/srv/hostform-preview/token.env` on `10.231.10.2`: **update** (intentional)",
      "",
      "- content: changed (secret, not shown)",
    ]));
  });

  it("is the example docs/ci.md shows", () => {
    const page = readFileSync(path.join(__dirname, "../../docs/ci.md"), "utf8");
    const example = /<!-- example-comment:start -->\n````markdown\n([\s\S]*?)````\n<!-- example-comment:end -->/.exec(page)?.[1];
    expect(example).toBe(comment("both"));
  });

  it("shows a resource changed by both in both sections, labelled so", () => {
    const md = comment("both");
    const [intentional, corrective] = md.split("#### Corrective");
    const heading = "**`app-conf`** File `/srv/hostform-preview/app.conf` on `10.231.10.2`: **update** (intentional and corrective)";
    expect(intentional).toContain(`${heading}\n\n- content:\n\n\`\`\`diff\n--- deployed\n+++ this pull request\n`);
    expect(corrective).toContain(`${heading}\n\n- content:\n\n\`\`\`diff\n--- deployed\n+++ on the host\n`);
    expect(corrective).toContain("- mode: `0644` → `0600`");
    expect(intentional).toContain("- packages: added `tree`");
  });

  it("never shows a hash, though the CLI's JSON carries them", () => {
    const hash = /\b[0-9a-f]{64}\b/;
    for (const c of ["corrective", "both", "secret"]) {
      expect(readFileSync(path.join(FIXTURES, c, "total.json"), "utf8")).toMatch(hash);
      expect(comment(c)).not.toMatch(hash);
      expect(JSON.stringify(reportOf(c))).not.toMatch(hash);
    }
  });

  it("cuts a diff too long for GitHub and counts the lines left out", () => {
    const md = comment("long-diff");
    expect(Buffer.byteLength(md)).toBeLessThanOrEqual(GITHUB_LIMIT);
    expect(Buffer.byteLength(md)).toBeGreaterThan(GITHUB_LIMIT - 200);
    const shown = md.slice(md.indexOf("```diff\n") + 8, md.lastIndexOf("\n```")).split("\n");
    const left = Number(/… (\d+) more lines of this diff left out \(comment size limit\)/.exec(md)?.[1]);
    const whole = Array.from({ length: 12000 }, (_, n) => `${n + 1}\n`).join("");
    expect(shown.slice(0, 4)).toEqual(["--- deployed", "+++ this pull request", "@@ -0,0 +1,12000 @@", "+1"]);
    expect(shown.length + left).toBe(unifiedDiff("", whole, "a", "b").split("\n").length);
  });

  it("fits a smaller limit by leaving diffs out, counting their lines", () => {
    const limit = Buffer.byteLength(comment("both")) - 60;
    const md = renderMarkdown(reportOf("both"), "preview", limit);
    expect(Buffer.byteLength(md)).toBeLessThanOrEqual(limit);
    expect(md.match(/… \d+ more lines? of this diff left out/g)).toEqual(["… 6 more lines of this diff left out", "… 6 more lines of this diff left out"]);
    expect(md).toContain("- packages: added `tree`");
  });

  it("finds the host in the resource id when the connection is a secret", () => {
    // A stack with hostform:sshPrivateKey passes the connection as a secret: the CLI prints "[secret]".
    const hide = (d: PreviewDigest): PreviewDigest => JSON.parse(JSON.stringify(d, (k, v) => (k === "connection" ? "[secret]" : v)));
    const r = buildReport("s", hide(digest("corrective", "intentional")), hide(digest("corrective", "total")));
    expect(r.changes.map((c) => `${c.host} ${c.name}`)).toEqual(["10.231.10.2 app-conf", "10.231.10.2 health", "10.231.10.2 token", "10.231.10.2 web"]);
  });

  it("says a secret Step's stdin changed when its hash did, and shows no hash", () => {
    const step = (stdinSha256: string, run: string) => ({
      urn: "urn:pulumi:s::p::pulumi-nodejs:dynamic/host:Step::db-role", type: "pulumi-nodejs:dynamic/host:Step", id: "10.0.0.5:step:db role",
      inputs: { connection: "[secret]", title: "db role", run, stdin: "[secret]", secret: true, stdinSha256 },
    });
    const digest = (op: string, old: ReturnType<typeof step>, next: ReturnType<typeof step>): PreviewDigest => ({ steps: [{ op, urn: old.urn, oldState: old, newState: next }] });
    const a = "a".repeat(64);
    const b = "b".repeat(64);
    const both = buildReport("s", digest("update", step(a, "psql"), step(b, "psql -q")), digest("update", step(a, "psql"), step(b, "psql -q")));
    expect(both.changes[0].intentional).toEqual([{ key: "run", before: "psql", after: "psql -q" }, { key: "stdin", before: "(secret)", after: "(secret)" }]);
    const runOnly = buildReport("s", digest("update", step(a, "psql"), step(a, "psql -q")), digest("update", step(a, "psql"), step(a, "psql -q")));
    expect(runOnly.changes[0].intentional).toEqual([{ key: "run", before: "psql", after: "psql -q" }]);
    expect(renderMarkdown(both, "preview")).not.toContain(b);
  });

  it("puts the corrective section first in a drift report", () => {
    const md = renderMarkdown(reportOf("both"), "drift");
    expect(md.startsWith("<!-- hostform-drift stack=preview-e2e -->\n### Drift on stack `preview-e2e`\n")).toBe(true);
    expect(md.indexOf("#### Corrective")).toBeLessThan(md.indexOf("#### Not deployed yet: the code differs from the last deployment"));
  });

  it("says why a preview failed", () => {
    expect(renderMarkdown({ stack: "prod", changes: [], health: {}, errors: ["error: hostform: the stack config has 1 problem"] }, "preview")).toBe(lines([
      "<!-- hostform-preview stack=prod -->",
      "### hostform preview of stack `prod`",
      "",
      "**The preview failed**; the hosts were not compared:",
      "",
      "```",
      "error: hostform: the stack config has 1 problem",
      "```",
    ]));
  });
});

describe("a property change", () => {
  const labels = ["deployed", "on the host"] as const;
  it("lists what a list gained and lost (packages, PM2 apps)", () => {
    expect(describeChange({ key: "apps", before: ["api", "web"], after: ["api", "web (stopped)"] }, labels).line).toBe("apps: added `web (stopped)`; removed `web`");
  });
  it("quotes values holding backticks", () => {
    expect(describeChange({ key: "path", before: "/a`b", after: "/c" }, labels).line).toBe("path: ``/a`b`` → `/c`");
  });
  it("says set and unset", () => {
    expect(describeChange({ key: "mode", after: "0640" }, labels).line).toBe("mode: set to `0640`");
    expect(describeChange({ key: "mode", before: "0640" }, labels).line).toBe("mode: unset (was `0640`)");
  });
});
