import { describe, expect, it } from "vitest";
import { pidAlive, processStartTime, tryRun } from "../../scripts/sandbox/run";

describe("process helpers", () => {
  it("reads a stable start time for a live process and none for a dead pid", () => {
    const start = processStartTime(process.pid);
    expect(start).toMatch(/^\d+$/);
    expect(processStartTime(process.pid)).toBe(start);
    expect(processStartTime(2 ** 22 + 1)).toBeUndefined(); // above pid_max's ceiling
    expect(pidAlive(process.pid)).toBe(true);
    expect(pidAlive(2 ** 22 + 1)).toBe(false);
  });

  it("captures output and exit codes without throwing", async () => {
    expect(await tryRun("sh", ["-c", "echo out; echo err >&2; exit 3"])).toEqual({ code: 3, stdout: "out\n", stderr: "err\n" });
    expect((await tryRun("cat", [], { input: "piped" })).stdout).toBe("piped");
    expect((await tryRun("sleep", ["5"], { timeoutMs: 100 })).code).toBe(124);
  });
});
