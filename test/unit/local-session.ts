import { spawnSync } from "node:child_process";
import type { Session } from "../../components/host/ssh";

/** Runs host scripts with the local bash, as the SSH session would on a host (tests only). */
export const localSession: Session = {
  async exec(script, stdin) {
    const r = spawnSync("bash", ["-c", script], { input: stdin ?? "", encoding: "utf8" });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  },
  async run(step, script, stdin) {
    const r = await this.exec(script, stdin);
    if (r.code !== 0) throw new Error(`${step} failed (exit ${r.code}): ${r.stderr}`);
    return r.stdout;
  },
};
