/** The shape of the doctor's results and the helpers every check uses. Pure. */
import { type DoctorCheck, doctorCheck, type DoctorStatus } from "../../components/topologies/doctor";
import type { Env } from "./facts";
import type { HostPlan } from "./plan";
import type { Section } from "./probe";

/** Defined where topologies' own checks (their doctor.ts) can use them. */
export type Status = DoctorStatus;
export type CheckResult = DoctorCheck;

/** What a URL fetched from where the doctor runs answered: its status, or 0 and why not. */
export interface Fetched {
  readonly status: number;
  readonly error?: string;
}

/** What the doctor saw: the probe's sections, and the public URLs fetched from where it runs (by URL). */
export interface Observed {
  readonly sections: Readonly<Record<string, Section>>;
  readonly public?: Readonly<Record<string, Fetched>>;
}

/** Disk, inodes and memory: warn at 85 % in use, fail at 95 % (the thresholds, also used for memory). */
export const WARN_AT = 85;
export const FAIL_AT = 95;

export const STATUS_ORDER: Record<Status, number> = { ok: 0, warn: 1, fail: 2 };
export const worst = (statuses: readonly Status[]): Status => statuses.reduce<Status>((w, s) => (STATUS_ORDER[s] > STATUS_ORDER[w] ? s : w), "ok");
export const byPercent = (pct: number): Status => (pct >= FAIL_AT ? "fail" : pct >= WARN_AT ? "warn" : "ok");

/** Context the check functions share. */
export interface Ctx {
  readonly plan: HostPlan;
  readonly obs: Observed;
  readonly env: Env;
  readonly lines: (name: string) => readonly string[];
  /** Log lines from the host, redacted (the stack's secrets and anything that looks like a credential). */
  readonly logs: (lines: readonly string[]) => string[];
}

export const result = doctorCheck;

export function size(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(1)} ${units[i]}`;
}

/** df's own rounding: a percentage is rounded up. */
export const percent = (part: number, whole: number): number => (whole > 0 ? Math.ceil((part * 100) / whole) : 0);

