import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import type { Unreachable } from "../../components/host/reach";
import { exitCode, formatText } from "../../scripts/drift-report";
import { buildReport, parseDigest, type Report } from "../../scripts/preview-model";
import { renderMarkdown } from "../../scripts/preview-render";
import { upUnreachable } from "../../scripts/up-report";

// Reports when some hosts could not be reached: the others are reported, the unreachable ones listed.
const digest = (c: string, f: string) => parseDigest(readFileSync(path.join(__dirname, "../fixtures/preview", c, `${f}.json`), "utf8"));
const reportOf = (c: string) => buildReport("preview-e2e", digest(c, "intentional"), digest(c, "total"));
const DROPPED: Unreachable = { name: "gpu-1", address: "root@203.0.113.7:22", reason: "timeout", detail: "Timed out while waiting for handshake" };
const REFUSED: Unreachable = { name: "web-2", address: "root@203.0.113.8:22", reason: "refused", detail: "connect ECONNREFUSED 203.0.113.8:22" };
const OTHER: Unreachable = { address: "root@nowhere.example:22", reason: "other", detail: "getaddrinfo ENOTFOUND nowhere|example" };
const SUDO: Unreachable = { name: "gpu-2", address: "deploy@203.0.113.9:22", reason: "sudo", detail: "sudo: a password is required" };
const FIX = "as root on the host, echo 'deploy ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/hostform && chmod 0440 /etc/sudoers.d/hostform, or log in as root";
const clean = (): Report => ({ ...reportOf("no-change"), unreachable: [DROPPED, REFUSED] });

describe("drift's exit code", () => {
  it("0 clean, 7 drift, 3 when a host could not be reached (even with drift elsewhere), 1 when the run failed", () => {
    expect(exitCode(reportOf("no-change"))).toBe(0);
    expect(exitCode(reportOf("corrective"))).toBe(7);
    expect(exitCode(clean())).toBe(3);
    expect(exitCode({ ...reportOf("corrective"), unreachable: [DROPPED] })).toBe(3);
    expect(exitCode({ ...clean(), errors: ["preview failed"] })).toBe(1);
  });
});

describe("drift text with unreachable hosts", () => {
  it("no drift on the hosts that were read, then each unreachable host with its reason", () => {
    expect(formatText(clean())).toBe([
      "hostform: no drift on the hosts that were read",
      "hostform: 2 hosts could not be reached, so their drift is unknown (exit 3):",
      "  gpu-1 (root@203.0.113.7:22): no SSH answer (timed out)",
      "  web-2 (root@203.0.113.8:22): connection refused (sshd not listening)",
    ].join("\n"));
  });

  it("the drift of the hosts that were read comes first", () => {
    const text = formatText({ ...reportOf("corrective"), unreachable: [OTHER] });
    expect(text.split("\n").slice(-8)).toEqual([
      "hostform: drift on 1 host (npm run up -- --stack <stack> repairs it):",
      "  10.231.10.2",
      "    /srv/hostform-preview/app.conf: update (content)",
      "    health: update (health)",
      "    /srv/hostform-preview/token.env: update (content)",
      "    hostform-preview-web.service: update (active)",
      "hostform: 1 host could not be reached, so its drift is unknown (exit 3):",
      "  root@nowhere.example:22: unreachable: getaddrinfo ENOTFOUND nowhere|example",
    ]);
  });
});

describe("drift Markdown with unreachable hosts", () => {
  it("lists them before saying that the hosts read have no drift", () => {
    expect(renderMarkdown(clean(), "drift")).toBe([
      "<!-- hostform-drift stack=preview-e2e -->",
      "### Drift on stack `preview-e2e`",
      "",
      "**Not checked: 2 hosts could not be reached**, so their state is unknown:",
      "",
      "| host | reason |",
      "|---|---|",
      "| `gpu-1 (root@203.0.113.7:22)` | no SSH answer (timed out) |",
      "| `web-2 (root@203.0.113.8:22)` | connection refused (sshd not listening) |",
      "",
      "No drift on the hosts that were read.",
      "",
    ].join("\n"));
  });

  it("and before the drift of the others; a detail with a pipe stays in its cell", () => {
    const md = renderMarkdown({ ...reportOf("corrective"), unreachable: [OTHER] }, "drift");
    expect(md.split("\n").slice(0, 10)).toEqual([
      "<!-- hostform-drift stack=preview-e2e -->",
      "### Drift on stack `preview-e2e`",
      "",
      "**Not checked: 1 host could not be reached**, so its state is unknown:",
      "",
      "| host | reason |",
      "|---|---|",
      "| `root@nowhere.example:22` | unreachable: `getaddrinfo ENOTFOUND nowhere\\|example` |",
      "",
      "The hosts differ from the code in 4 resources on 1 host: 0 intentional, 4 corrective (`npm run up -- --stack preview-e2e` applies them).",
    ]);
  });
});

describe("the end of up with unreachable hosts", () => {
  it("names each and says how to converge them later", () => {
    expect(upUnreachable([DROPPED], "prod")).toBe([
      "hostform: up could not reach 1 host; the other hosts were converged (see above for anything else that failed):",
      "  gpu-1 (root@203.0.113.7:22): no SSH answer (timed out)",
      "Nothing was changed on it. Once it answers on SSH again, `npm run up -- --stack prod` converges it.",
    ].join("\n"));
    expect(upUnreachable([DROPPED, REFUSED], undefined)).toBe([
      "hostform: up could not reach 2 hosts; the other hosts were converged (see above for anything else that failed):",
      "  gpu-1 (root@203.0.113.7:22): no SSH answer (timed out)",
      "  web-2 (root@203.0.113.8:22): connection refused (sshd not listening)",
      "Nothing was changed on them. Once they answer on SSH again, `npm run up` converges them.",
    ].join("\n"));
  });
});

describe("reports with a host whose sudo refused the login", () => {
  it("drift: exit 3 like an unreachable host; the host is 'not checked', with what sudo said and the fix", () => {
    const r: Report = { ...reportOf("no-change"), unreachable: [DROPPED, SUDO] };
    expect(exitCode(r)).toBe(3);
    expect(formatText(r)).toBe([
      "hostform: no drift on the hosts that were read",
      "hostform: 2 hosts could not be checked, so their drift is unknown (exit 3):",
      "  gpu-1 (root@203.0.113.7:22): no SSH answer (timed out)",
      `  gpu-2 (deploy@203.0.113.9:22): sudo refused for deploy (sudo: a password is required): ${FIX}`,
    ].join("\n"));
    expect(renderMarkdown({ ...reportOf("no-change"), unreachable: [SUDO] }, "drift").split("\n").slice(3, 8)).toEqual([
      "**Not checked: 1 host could not be checked**, so its state is unknown:",
      "",
      "| host | reason |",
      "|---|---|",
      "| `gpu-2 (deploy@203.0.113.9:22)` | sudo refused for `deploy`: `sudo: a password is required`; give `deploy` a NOPASSWD sudoers rule, or log in as root |",
    ]);
  });

  it("up: could not act on it; the line carries the fix, and the closing advice fits the hosts listed", () => {
    expect(upUnreachable([SUDO], "prod")).toBe([
      "hostform: up could not act on 1 host; the other hosts were converged (see above for anything else that failed):",
      `  gpu-2 (deploy@203.0.113.9:22): sudo refused for deploy (sudo: a password is required): ${FIX}`,
      "Nothing was changed on it. Once sudo lets the login run commands, `npm run up -- --stack prod` converges it.",
    ].join("\n"));
    expect(upUnreachable([DROPPED, SUDO], undefined).split("\n")[3])
      .toBe("Nothing was changed on them. Once they answer and sudo lets the login run commands, `npm run up` converges them.");
  });
});
