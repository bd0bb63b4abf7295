// Cross-process mutex. Several vitest workers (or a CLI next to a test run)
// may call up()/down() at the same time; index allocation, the inventory
// file and the one-time rootfs build must not interleave.
import fs from "node:fs";
import path from "node:path";
import { lockDir } from "./paths.js";
import { pidAlive, sleep } from "./run.js";

/** Try to take the lock file once; clears it if its owner died (crashed run). */
function tryAcquire(file: string): boolean {
  try {
    fs.writeFileSync(file, String(process.pid), { flag: "wx" });
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  }
  const owner = Number(fs.readFileSync(file, "utf8").trim() || "0");
  if (owner > 0 && !pidAlive(owner)) fs.rmSync(file, { force: true });
  return false;
}

/** Run fn while holding the named lock (waits, polling, up to timeoutMs). */
export async function withLock<T>(name: string, fn: () => Promise<T>, timeoutMs = 60 * 60_000): Promise<T> {
  fs.mkdirSync(lockDir, { recursive: true });
  const file = path.join(lockDir, `${name}.lock`);
  const deadline = Date.now() + timeoutMs;
  while (!tryAcquire(file)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for sandbox lock ${file}`);
    await sleep(100 + Math.random() * 150);
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(file, { force: true });
  }
}
