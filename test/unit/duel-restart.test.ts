import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { RESTART_ANSWER_SH } from "../../components/topologies/duel/restart";

/** Runs `fn` of RESTART_ANSWER_SH on `answer` (stdin): its output and exit code. */
function read(fn: "restart_when" | "restart_pending", answer: string): { out: string; code: number | null } {
  const r = spawnSync("bash", ["-euo", "pipefail", "-c", `${RESTART_ANSWER_SH}${fn}`], { input: answer, encoding: "utf8" });
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
