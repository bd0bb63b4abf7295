import { createHash } from "node:crypto";
import { strict } from "../quote";
import type { BaseInputs, Kind } from "./kind";

/**
 * An imperative step that still reads back: `check` says whether its effect is in place on the
 * host (exit 0 yes, 1 no, anything else is an error), `run` puts it in place. A refresh runs the
 * check, so a step whose effect was undone shows as drift. A change of `triggers` reruns it.
 */
export interface StepInputs extends BaseInputs {
  /** What the step ensures, for messages: "node 20 installed". */
  readonly title: string;
  readonly check: string;
  readonly run: string;
  /** Data for `run` on stdin (a secret stays out of command lines). */
  readonly stdin?: string;
  readonly secret?: boolean;
  /** Any value; when it changes the step runs again even if the check passes. */
  readonly triggers?: unknown;
  /** Run on delete, to take the effect back. */
  readonly undo?: string;
  /** Managed: always "in place" in the code. */
  readonly state?: string;
  readonly stdinSha256?: string;
}

export interface StepObserved {
  readonly inPlace: boolean;
}

const sha256 = (t: string) => createHash("sha256").update(t, "utf8").digest("hex");

export const IN_PLACE = "in place";
export const NOT_IN_PLACE = "not in place on the host";

export const step: Kind<StepInputs, StepObserved> = {
  identity: [],
  // stdin is compared through its hash (a setting), so a secret's change reruns the step.
  managed: ["state", "stdin"],
  normalize: (i) => ({ ...i, state: IN_PLACE, ...(i.stdin !== undefined ? { stdinSha256: sha256(i.stdin) } : {}) }),
  toOutputs(i) {
    if (!i.secret) return { ...i };
    const { stdin: _dropped, ...rest } = i;
    return rest;
  },
  id: (i) => `${i.connection.host}:step:${i.title}`,
  validate(i) {
    const out: { property: string; reason: string }[] = [];
    if (!i.title) out.push({ property: "title", reason: "must say what the step ensures" });
    if (typeof i.check !== "string" || !i.check.trim()) out.push({ property: "check", reason: "must be a script that exits 0 when the step's effect is in place, 1 when not" });
    if (typeof i.run !== "string" || !i.run.trim()) out.push({ property: "run", reason: "must be the script that puts the effect in place" });
    return out;
  },
  async observe(s, i) {
    const r = await s.exec(strict(i.check));
    if (r.code !== 0 && r.code !== 1) throw new Error(`check of "${i.title}" failed (exit ${r.code}): ${r.stderr.trim().split("\n").slice(-5).join("\n")}`);
    return { inPlace: r.code === 0 };
  },
  drifted: (_i, o) => (o.inPlace ? [] : ["state"]),
  async converge(s, i) {
    await s.run(i.title, strict(i.run), i.stdin);
  },
  async remove(s, i) {
    if (i.undo) await s.run(`undo ${i.title}`, strict(i.undo));
  },
  asInputs: (i, o) => ({ ...i, state: o.inPlace ? IN_PLACE : NOT_IN_PLACE }),
};
