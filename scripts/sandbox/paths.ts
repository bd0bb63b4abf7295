// Where the sandbox keeps its state. Everything lives under <project>/.sandbox
// (ignored by git) so a `git clean -fdX` or `rm -rf .sandbox` after `down`
// leaves the machine as it was.
import path from "node:path";
import fs from "node:fs";
import type { Release } from "./naming.js";

/**
 * Project root: the nearest directory upwards holding hostform's package.json.
 * Found by walking up (not import.meta) because package.json has no "type"
 * field, so these files may be loaded as CommonJS or as ESM.
 */
function findProjectDir(): string {
  const start = typeof __dirname === "string" ? __dirname : process.cwd();
  for (let dir = start; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const pkg = path.join(dir, "package.json");
    if (fs.existsSync(pkg) && /"name":\s*"hostform"/.test(fs.readFileSync(pkg, "utf8"))) return dir;
  }
  return process.cwd();
}

export const projectDir = findProjectDir();

export const sandboxDir = process.env.HOSTFORM_SANDBOX_DIR ?? path.join(projectDir, ".sandbox");
/** The read-only base image of one release (the lower layer of each host's overlay). */
export const rootfsDir = (release: Release) => path.join(sandboxDir, "rootfs", release);
export const hostsDir = path.join(sandboxDir, "hosts");
export const inventoryPath = path.join(sandboxDir, "inventory.json");
export const lockDir = path.join(sandboxDir, "locks");

/** Per-host file layout under .sandbox/hosts/<name>/. */
export function hostPaths(name: string) {
  const dir = path.join(hostsDir, name);
  return {
    dir,
    upper: path.join(dir, "upper"),
    work: path.join(dir, "work"),
    root: path.join(dir, "root"),
    record: path.join(dir, "host.json"),
    pidFile: path.join(dir, "nspawn.pid"),
    console: path.join(dir, "console.log"),
    privateKey: path.join(dir, "id_ed25519"),
    knownHosts: path.join(dir, "known_hosts"),
  };
}
