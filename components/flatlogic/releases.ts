/** Immutable frontend releases under ~/executor/frontend-releases (runbook: Frontend Release Deploys). */
import { Problems, show } from "./validate";

const RELEASE_ID = /^\d{14}-[0-9a-f]{12}$/;

const pad = (n: number, width = 2): string => String(n).padStart(width, "0");

/** `YYYYMMDDHHMMSS-<first 12 hex digits of the commit>`, in UTC, so names sort by time. */
export function releaseId(timestamp: Date, sha: string): string {
  const p = new Problems();
  p.check(timestamp instanceof Date && !Number.isNaN(timestamp.getTime()), `timestamp ${show(timestamp)} is not a valid Date`);
  p.check(typeof sha === "string" && /^[0-9a-fA-F]{12,64}$/.test(sha), `sha ${show(sha)} must be a commit id: 12 to 64 hex digits`);
  p.done("releaseId");
  const t = timestamp;
  const stamp = `${pad(t.getUTCFullYear(), 4)}${pad(t.getUTCMonth() + 1)}${pad(t.getUTCDate())}${pad(t.getUTCHours())}${pad(t.getUTCMinutes())}${pad(t.getUTCSeconds())}`;
  return `${stamp}-${sha.slice(0, 12).toLowerCase()}`;
}

export const isReleaseId = (name: string): boolean => RELEASE_ID.test(name);

/**
 * The release directories to delete: all but the newest `keep`, never `active` (the running
 * frontend serves from it, even after a rollback to an older release), and never a name that
 * is not a release id (nothing hostform did not create). Oldest first.
 */
export function releasesToPrune(existing: readonly string[], keep: number, active: string): string[] {
  const p = new Problems();
  p.check(Number.isSafeInteger(keep) && keep >= 1, `keep ${show(keep)} must be an integer of at least 1: the newest release is always kept`);
  p.done("releasesToPrune");
  const newestFirst = [...new Set(existing.filter(isReleaseId))].sort().reverse();
  return newestFirst.slice(keep).filter((id) => id !== active).reverse();
}
