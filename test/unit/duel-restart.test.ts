import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { lastLines } from "../../components/host/ssh";
import { RESTART_ANSWER_SH, restartFailScript } from "../../components/topologies/duel/restart";

/**
 * Runs `text` as the host's runner does (`bash -c`, the script setting -euo pipefail itself), in
 * an environment without BASH_ENV and ENV: a non-interactive bash sources the file they name
 * (Debian's /etc/bash.bashrc stops with "PS1: unbound variable" under -u), which would put the
 * caller's shell set-up into the exact stderr asserted here.
 */
function bash(text: string, input = ""): { stdout: string; stderr: string; status: number | null } {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== "BASH_ENV" && k !== "ENV"));
  const r = spawnSync("bash", ["-c", `set -euo pipefail\n${text}`], { input, encoding: "utf8", env });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

/** Runs `fn` of RESTART_ANSWER_SH on `answer` (stdin): its output and exit code. */
function read(fn: "restart_when" | "restart_pending" | "restart_complete" | "status_summary", answer: string): { out: string; code: number | null } {
  const r = bash(`${RESTART_ANSWER_SH}${fn}`, answer);
  return { out: r.stdout, code: r.status };
}

describe("graceful restart: seeds/003's answers", () => {
  it("reads willRestartAfterDuel: after the duel when true, now when false (no duel active)", () => {
    // The seed's example answer, as pretty JSON, and the compact form servers send.
    expect(read("restart_when", '{\n  "success": true,\n  "message": "Graceful restart requested",\n  "willRestartAfterDuel": true\n}\n')).toEqual({ out: "after-duel\n", code: 0 });
    expect(read("restart_when", '{"success":true,"message":"Graceful restart requested","willRestartAfterDuel":false}')).toEqual({ out: "now\n", code: 0 });
  });

  it("fails on an answer that is not seeds/003's (no willRestartAfterDuel, or not a boolean)", () => {
    expect(read("restart_when", '{"success":true}')).toEqual({ out: "", code: 1 });
    expect(read("restart_when", '{"willRestartAfterDuel":"yes"}')).toEqual({ out: "", code: 1 });
    expect(read("restart_when", "<html>502 Bad Gateway</html>")).toEqual({ out: "", code: 1 });
    expect(read("restart_when", "")).toEqual({ out: "", code: 1 });
  });

  it("reads restart-status's restartPending, and nothing from another answer", () => {
    expect(read("restart_pending", '{\n  "restartPending": true,\n  "duelActive": true,\n  "currentPhase": "FIGHTING"\n}')).toEqual({ out: "true", code: 0 });
    expect(read("restart_pending", '{"restartPending":false,"duelActive":false,"currentPhase":"IDLE"}')).toEqual({ out: "false", code: 0 });
    expect(read("restart_pending", '{"error":"unauthorized"}')).toEqual({ out: "", code: 0 });
  });
});

/** Runs `fn` of RESTART_ANSWER_SH on restart-status as curl gives it with -w '\n%{http_code}'. */
function status(fn: "restart_complete" | "status_summary", body: string, code: string): { out: string; code: number | null } {
  return read(fn, `${body}\n${code}`);
}

describe("graceful restart: when it is complete (seeds/003's loop ends on restartPending == false)", () => {
  it("is complete only on a 200 whose restartPending is false", () => {
    expect(status("restart_complete", '{"restartPending":false,"duelActive":false,"currentPhase":"MATCHMAKING"}', "200").code).toBe(0);
    expect(status("restart_complete", '{\n  "restartPending": false\n}', "200").code).toBe(0);
  });

  it("is not complete on anything else: true, no answer, a 401, a 500, a body without the field", () => {
    expect(status("restart_complete", '{"restartPending":true,"duelActive":true,"currentPhase":"FIGHTING"}', "200").code).toBe(1);
    expect(status("restart_complete", "", "000").code).toBe(1);
    expect(status("restart_complete", '{"error":"unauthorized"}', "401").code).toBe(1);
    expect(status("restart_complete", '{"error":"Failed to retrieve status"}', "500").code).toBe(1);
    expect(status("restart_complete", '{"ok":true}', "200").code).toBe(1);
    expect(status("restart_complete", '{"restartPending":false}', "500").code).toBe(1);
  });

  it("summarizes what restart-status answered, for the error", () => {
    expect(status("status_summary", '{"restartPending":true,"duelActive":true,"currentPhase":"FIGHTING"}', "200"))
      .toEqual({ out: 'HTTP 200: {"restartPending":true,"duelActive":true,"currentPhase":"FIGHTING"}\n', code: 0 });
    expect(status("status_summary", '{"error":\n"unauthorized"}\r', "401")).toEqual({ out: 'HTTP 401: {"error":"unauthorized"}\n', code: 0 });
    expect(status("status_summary", "", "000")).toEqual({ out: "no answer\n", code: 0 });
    expect(status("status_summary", "", "502")).toEqual({ out: "HTTP 502: (empty body)\n", code: 0 });
    expect(status("status_summary", "x".repeat(300), "500").out).toBe(`HTTP 500: ${"x".repeat(200)}\n`);
  });
});

describe("graceful restart: a failure shows the server's last log lines", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "hf-restart-fail-"));
  // A pm2 that prints what `pm2 logs <app> --nostream --raw --lines 15` prints: its headers, the
  // last 15 lines of the out log (stdout), then of the error log (stderr), some of it in colour.
  const pm2Bin = path.join(dir, "pm2");
  writeFileSync(pm2Bin, `#!/bin/bash
echo "$*" > ${dir}/args
printf '\\033[1m\\033[90m[TAILING] Tailing last 15 lines for [duel-arena] process (change the value with --lines option)\\033[39m\\033[22m\\n'
printf '\\033[90m/root/.pm2/logs/duel-arena-out.log last 15 lines:\\033[39m\\n'
for i in $(seq 7 20); do echo "out line $i"; done
printf '\\033[1;31mduel-arena: graceful restart requested in FIGHTING, after the duel\\033[0m\\r\\n'
printf '\\n'
printf '\\033[90m/root/.pm2/logs/duel-arena-error.log last 15 lines:\\033[39m\\n' >&2
printf 'duel-arena: a warning on stderr\\n' >&2
printf '\\033[31mduel-arena: \\033[2Kboom\\033[0m\\n' >&2
`, { mode: 0o755 });
  const h = { user: "root", home: dir, pm2Bin, nodeBinDir: "/usr/bin" };

  it("renders the helper: PM2's log lines of the app, filtered, with the app's name quoted", () => {
    const text = restartFailScript(h, "duel-arena");
    expect(text).toContain(String.raw`strip_colours() {
  sed -e 's#\x1b\[[0-9;?]*[ -/]*[@-~]##g' -e 's#\x1b[@-_]##g' -e 's#\r$##'
}
restart_fail() {
  echo "$2" >&2
  echo 'last log lines of duel-arena (secrets redacted):' >&2
`);
    expect(text).toContain(`/pm2 logs duel-arena --nostream --raw --lines 15) 2>&1 || :; } | strip_colours | { grep -v -e '^\\[TAILING\\]' -e ' last [0-9]* lines:$' -e '^[[:space:]]*$' || :; } >&2\n`);
    expect(restartFailScript(h, "x; whoami")).toContain("echo 'last log lines of x; whoami (secrets redacted):' >&2");
  });

  it("says why, then the last 15 lines of each log as text (no PM2 headers, no colour codes), and exits with the code given", () => {
    const r = bash(`${restartFailScript(h, "duel-arena")}restart_fail 5 'graceful restart did not finish within 10 s'\necho not reached`);
    expect(r.status).toBe(5);
    expect(r.stdout).toBe("");
    expect(readFileSync(path.join(dir, "args"), "utf8")).toBe("logs duel-arena --nostream --raw --lines 15\n");
    expect(r.stderr).toBe([
      "graceful restart did not finish within 10 s",
      "last log lines of duel-arena (secrets redacted):",
      ...Array.from({ length: 14 }, (_, i) => `out line ${i + 7}`),
      "duel-arena: graceful restart requested in FIGHTING, after the duel",
      "duel-arena: a warning on stderr",
      "duel-arena: boom",
      "",
      "",
    ].join("\n"));
  });

  it("keeps that block whole in up's error, where other failures keep their last 8 lines", () => {
    const block = ["why it failed", "last log lines of duel-arena (secrets redacted):", ...Array.from({ length: 15 }, (_, i) => `line ${i}`)];
    expect(lastLines(["noise 1", "noise 2", ...block, ""].join("\n"))).toBe(block.join("\n"));
    expect(lastLines(Array.from({ length: 12 }, (_, i) => `l${i}`).join("\n"))).toBe(Array.from({ length: 8 }, (_, i) => `l${i + 4}`).join("\n"));
    expect(lastLines(["why", "last log lines of a (secrets redacted):", ...Array.from({ length: 60 }, (_, i) => `x${i}`)].join("\n")).split("\n")).toHaveLength(40);
  });
});
