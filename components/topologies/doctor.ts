/**
 * What a topology gives `npm run doctor` (scripts/doctor/) for its hosts: read-only sections of the
 * doctor's one probe script, and a pure judge of what they printed, with the runbook's remedies.
 * The doctor asks the registry for it, so a topology's checks live in its own folder. The types of
 * results are defined here, not in scripts/: topologies never import from a command.
 */

export type DoctorStatus = "ok" | "warn" | "fail";

/** What to do about a check that is not ok. */
export interface DoctorRemedy {
  /** What it means and what to do, in one or two sentences. */
  readonly say: string;
  /** Commands to run on the host (or where the doctor runs, for `npm run …`). */
  readonly run: readonly string[];
  /** Where the advice comes from: a runbook's section, or "hostform". */
  readonly from: string;
}

export interface DoctorCheck {
  /** Stable name: "disk /", "pm2 backend-dev", "workers metahuman-web", … */
  readonly check: string;
  readonly status: DoctorStatus;
  readonly evidence: readonly string[];
  readonly remedy?: DoctorRemedy;
}

/** The result of one check; the remedy is kept only when it is not ok. */
export function doctorCheck(check: string, status: DoctorStatus, evidence: readonly string[], fix?: DoctorRemedy): DoctorCheck {
  return { check, status, evidence, ...(status !== "ok" && fix ? { remedy: fix } : {}) };
}

/** A section of the probe script: a bash body, read-only, run as root, or as `user` (bounded) in a tree that user can write. */
export interface DoctorSection {
  /** [a-z0-9-]: unique within the topology (the doctor prefixes it with the role). */
  readonly name: string;
  readonly body: string;
  readonly user?: string;
}

/** What the judge is given: its sections' output, the host's clock, and the doctor's redaction. */
export interface DoctorRead {
  /** The lines a section printed (none when it never ran). */
  readonly lines: (section: string) => readonly string[];
  /** The section's exit status; undefined when it never finished. */
  readonly rc: (section: string) => number | undefined;
  /** The host's clock, seconds since the epoch. */
  readonly now: number;
  /** Log lines from the host, redacted (the stack's secrets and anything that looks like a credential). */
  readonly logs: (lines: readonly string[]) => string[];
}

/** A topology's doctor for one host: the sections to read and the judge of them. */
export interface DoctorPlan {
  /** Paths whose filesystems the doctor's disk check covers besides /, /tmp and /var/log. */
  readonly paths: readonly string[];
  readonly sections: readonly DoctorSection[];
  judge(read: DoctorRead): DoctorCheck[];
}

/** What a topology knows of the host it plans for. */
export interface DoctorHost {
  readonly name: string;
  readonly flavor: "systemd" | "container";
  /** The stack, for remedies that say `npm run up -- --stack <stack>`. */
  readonly stack: string;
}
