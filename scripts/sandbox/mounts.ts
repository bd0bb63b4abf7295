// Mount helpers. Mount points are found by reading /proc/self/mountinfo
// rather than by trusting our own records, so a crashed run's leftovers are
// found too.
import fs from "node:fs";
import { run, tryRun } from "./run.js";

/** Decode the octal escapes (\040 for space...) mountinfo uses in paths. */
export function unescapeMountPath(p: string): string {
  return p.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Mount points listed in a mountinfo text (field 5 is the mount point). */
export function parseMountPoints(mountinfo: string): string[] {
  return mountinfo
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => unescapeMountPath(l.split(" ")[4] ?? ""));
}

/** Mount points at or below dir, deepest first (the order to unmount them). */
export function mountsUnder(dir: string, mountinfo = fs.readFileSync("/proc/self/mountinfo", "utf8")): string[] {
  const base = dir.replace(/\/+$/, "");
  return parseMountPoints(mountinfo)
    .filter((m) => m === base || m.startsWith(base + "/"))
    .sort((a, b) => b.length - a.length);
}

export function isMountPoint(dir: string): boolean {
  return mountsUnder(dir).includes(dir.replace(/\/+$/, ""));
}

/** Unmount everything at or below dir; lazy as a last resort so down never hangs. */
export async function unmountAll(dir: string): Promise<void> {
  for (const m of [...new Set(mountsUnder(dir))]) {
    const r = await tryRun("umount", [m]);
    if (r.code !== 0 && isMountPoint(m)) await tryRun("umount", ["-l", m]);
  }
}

/** Overlay: lower is shared and read-only, upper keeps this host's changes. */
export async function mountOverlay(lower: string, upper: string, work: string, target: string): Promise<void> {
  for (const d of [upper, work, target]) fs.mkdirSync(d, { recursive: true });
  if (isMountPoint(target)) return;
  await run("mount", ["-t", "overlay", "overlay", "-o", `lowerdir=${lower},upperdir=${upper},workdir=${work}`, target]);
}
