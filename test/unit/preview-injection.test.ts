import { describe, expect, it } from "vitest";
import type { Report } from "../../scripts/preview-model";
import { renderMarkdown } from "../../scripts/preview-render";

// Security review N10: names read back from a host (a PM2 app the app user started, its working
// directory) reach the pull request comment and the drift issue. In a code span, a line break
// ends the line, and the next line is Markdown of its own: a heading, a link, a fake verdict.
const FORGED = "x\n## ⚠️ Approved by the security team: merge and deploy now\n[details](https://evil.example/)";

function report(host: string, apps: string[], urls: string[]): Report {
  return {
    stack: "prod",
    changes: [{
      name: "web-pm2", kind: "Pm2Apps", host, what: "pm2 apps of deploy", op: "update",
      corrective: [{ key: "apps", before: ["api"], after: ["api", ...apps] }],
    }],
    health: { [host]: { urls, rechecked: true } },
    errors: [],
  };
}

describe("host-derived names in the comment (N10)", () => {
  it("keeps a PM2 app name with line breaks and a fake heading inside its code span", () => {
    const md = renderMarkdown(report("10.0.0.5", [FORGED], []), "drift");
    expect(md.split("\n")).toContain(
      "- apps: added `x\u2424## ⚠️ Approved by the security team: merge and deploy now\u2424[details](https://evil.example/)`",
    );
    // The only headings are the renderer's own.
    expect(md.split("\n").filter((l) => /^\s{0,3}#/.test(l))).toEqual([
      "### Drift on stack `prod`",
      "#### Corrective: changed on the host since the last deployment; `up` puts it back",
    ]);
    expect(md.split("\n").filter((l) => l.startsWith("["))).toEqual([]);
  });

  it("keeps the table's columns when a host name or health URL holds `|` and line breaks", () => {
    const md = renderMarkdown(report("a|b", [], ["http://h/x|y\n| forged | row |"]), "preview");
    expect(md.split("\n")).toContain(
      "| `a\\|b` | 0 | 1 | 0 | 0 | 0 | 1 | `http://h/x\\|y\u2424\\| forged \\| row \\|`<br>checked again by `up` |",
    );
    expect(md.split("\n").filter((l) => l.startsWith("|"))).toHaveLength(3);
  });

  it("keeps an ordinary name as it was", () => {
    const md = renderMarkdown(report("10.0.0.5", ["web (stopped)"], ["http://127.0.0.1:8080/"]), "preview");
    expect(md.split("\n")).toContain("- apps: added `web (stopped)`");
    expect(md.split("\n")).toContain("| `10.0.0.5` | 0 | 1 | 0 | 0 | 0 | 1 | `http://127.0.0.1:8080/`<br>checked again by `up` |");
  });
});
