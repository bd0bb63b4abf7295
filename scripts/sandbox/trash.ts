// Removing a host's directory takes long: its overlay's upper layer holds every package the host
// installed (chromium, PostgreSQL, Node.js: tens of thousands of files), 30-45 s of each `down` on
// a loaded machine, which an e2e file waited for in its afterAll. The directory is renamed into
// <sandbox>/trash instead (instant: the same filesystem) and deleted by a detached `rm` that
// outlives the caller. An entry whose rm never finished (the machine rebooted, the rm was killed)
// is deleted again by a later discard once it is older than ABANDONED_MS.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { sandboxDir } from "./paths.js";

export const trashDir = path.join(sandboxDir, "trash");
/** An entry's rm has surely finished or died by then (a host's directory takes well under a minute). */
export const ABANDONED_MS = 10 * 60_000;

/** `<name>.<ms since the epoch>.<pid>`: the time it was discarded, read back for the abandoned check. */
const ENTRY = /^.+\.(\d{13})\.\d+$/;

/** Entries of `trash` discarded before `now - ABANDONED_MS`. */
export function abandoned(trash: string, now: number): string[] {
  if (!fs.existsSync(trash)) return [];
  return fs.readdirSync(trash).filter((n) => {
    const m = ENTRY.exec(n);
    return m !== null && now - Number(m[1]) > ABANDONED_MS;
  }).map((n) => path.join(trash, n));
}

/**
 * Moves `dir` out of the way at once and deletes it in the background (with the abandoned entries).
 * Where the rename fails (another filesystem), deletes it in place, as before.
 */
export function discard(dir: string, trash = trashDir, now = Date.now()): void {
  if (!fs.existsSync(dir)) return;
  const target = path.join(trash, `${path.basename(dir)}.${now}.${process.pid}`);
  try {
    fs.mkdirSync(trash, { recursive: true });
    fs.renameSync(dir, target);
  } catch {
    fs.rmSync(dir, { recursive: true, force: true });
    return;
  }
  const child = spawn("rm", ["-rf", "--one-file-system", "--", target, ...abandoned(trash, now)], { detached: true, stdio: "ignore" });
  child.on("error", () => { /* the entry stays until a later discard takes it for abandoned */ });
  child.unref();
}
