import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { formatText } from "../../scripts/drift-report";
import { buildReport, parseDigest } from "../../scripts/preview-model";

// Recorded by test/e2e/preview-pr.test.ts: hand edits on a sandbox host (see test/fixtures/preview/README.md).
const digest = (c: string, f: string) => parseDigest(readFileSync(path.join(__dirname, "../fixtures/preview", c, `${f}.json`), "utf8"));
const reportOf = (c: string) => buildReport("preview-e2e", digest(c, "intentional"), digest(c, "total"));

describe("drift report as text", () => {
  it("shows what was changed on each host, then a per-host summary", () => {
    expect(formatText(reportOf("corrective"))).toBe([
      "10.231.10.2 File /srv/hostform-preview/app.conf: update",
      "  changed on the host:",
      "    content:",
      "      --- deployed",
      "      +++ on the host",
      "      @@ -1,2 +1,3 @@",
      "       listen 80",
      "       workers 4",
      "      +workers 64",
      "10.231.10.2 Health health: update",
      "  changed on the host:",
      "    health: healthy → web: http://127.0.0.1:8080/app.conf answered nothing, expected 200",
      "10.231.10.2 File /srv/hostform-preview/token.env: update",
      "  changed on the host:",
      "    content: changed (secret, not shown)",
      "10.231.10.2 SystemdUnit hostform-preview-web.service: update",
      "  changed on the host:",
      "    active: true → false",
      "hostform: drift on 1 host (npm run up -- --stack <stack> repairs it):",
      "  10.231.10.2",
      "    /srv/hostform-preview/app.conf: update (content)",
      "    health: update (health)",
      "    /srv/hostform-preview/token.env: update (content)",
      "    hostform-preview-web.service: update (active)",
    ].join("\n"));
  });

  it("separates code not deployed yet from changes on the host", () => {
    const text = formatText(reportOf("both"));
    expect(text).toContain("10.231.10.2 AptPackages busybox tree: update\n  not deployed yet:\n    packages: added tree\n");
    expect(text).toContain("    mode: 0644 → 0600\n  not deployed yet:\n    content:\n      --- deployed\n      +++ the code\n");
  });

  it("says so when nothing drifted", () => {
    expect(formatText(reportOf("no-change"))).toBe("hostform: no drift: every host matches the code");
  });
});
