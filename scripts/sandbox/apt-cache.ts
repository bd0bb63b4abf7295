// The sandbox's apt cache: a small caching HTTP proxy on the machine that every sandbox host
// reaches through its gateway address. Debian and Ubuntu archive files that never change under
// their URL (pool/*.deb, by-hash/ indexes) are kept under <sandbox>/cache/apt and served from
// there; everything else (InRelease, other hosts' http) passes through. Hosts ask for it with
// apt's Proxy-Auto-Detect, so a host whose cache is not running fetches directly: nothing in the
// product knows about it, and a host booted before it, or after it stopped, still works.
import { spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { withLock } from "./lock.js";
import { projectDir, sandboxDir } from "./paths.js";
import { log, pidAlive, sleep } from "./run.js";

export const APT_CACHE_PORT = Number(process.env.HOSTFORM_SANDBOX_APT_CACHE_PORT ?? 3142);
/** HOSTFORM_SANDBOX_APT_CACHE=0 turns the cache off (hosts booted then fetch directly). */
export const aptCacheEnabled = () => process.env.HOSTFORM_SANDBOX_APT_CACHE !== "0";
export const aptCacheDir = path.join(sandboxDir, "cache", "apt");
const pidFile = path.join(sandboxDir, "cache", "apt-cache.pid");
const logFile = path.join(sandboxDir, "cache", "apt-cache.log");

/** Files whose content never changes under their URL: safe to serve from the cache forever. */
export function isImmutable(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol !== "http:" || u.search !== "") return false;
  return (/\/pool\/.+\.u?deb$/.test(u.pathname) || /\/by-hash\/SHA256\/[0-9a-f]{64}$/.test(u.pathname)) && !u.pathname.includes("/../");
}

/** A cached file's name: the URL's hash (host and path both count) and its last path segment. */
export function cacheKey(url: string): string {
  const u = new URL(url);
  const hash = crypto.createHash("sha256").update(`${u.host}${u.pathname}`).digest("hex");
  return `${hash.slice(0, 32)}-${path.basename(u.pathname).replace(/[^A-Za-z0-9._+~-]/g, "_")}`;
}

/** Where in the host the detect script lives. */
export const DETECT_PATH = "usr/local/lib/hostform-sandbox/apt-cache";
export const APT_CONF_PATH = "etc/apt/apt.conf.d/00hostform-sandbox-cache";

/** apt's config in each host: ask the detect script which proxy to use for each http source. */
export const aptConf = () => `// hostform sandbox: apt's http downloads go through the sandbox's cache when it runs.\nAcquire::http::Proxy-Auto-Detect "/${DETECT_PATH}";\n`;

/** Prints the cache's URL when it answers at the host's gateway, else DIRECT (apt then fetches itself). */
export function detectScript(gateway: string, port = APT_CACHE_PORT): string {
  return `#!/bin/bash
# hostform sandbox: apt's Proxy-Auto-Detect. The cache on the machine when it answers, else direct.
if timeout 1 bash -c ': >/dev/tcp/${gateway}/${port}' 2>/dev/null; then
  echo http://${gateway}:${port}
else
  echo DIRECT
fi
`;
}

function answers(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host, timeout: 1000 });
    s.once("connect", () => { s.destroy(); resolve(true); });
    s.once("error", () => resolve(false));
    s.once("timeout", () => { s.destroy(); resolve(false); });
  });
}

/**
 * Start the cache unless it runs (check-then-act, under a lock so two ups do not race). It is left
 * running for other hosts and sessions; `down` stops it once no host is left. Never throws: without
 * the cache hosts fetch directly, only slower.
 */
export async function ensureAptCache(): Promise<void> {
  if (!aptCacheEnabled()) return;
  try {
    await withLock("apt-cache", async () => {
      if (await answers(APT_CACHE_PORT)) return;
      fs.mkdirSync(aptCacheDir, { recursive: true });
      const out = fs.openSync(logFile, "a");
      const server = path.join(projectDir, "scripts/sandbox/apt-cache-server.ts");
      // One process (no tsx CLI in front), so the pid recorded is the one that listens.
      const child = spawn(process.execPath, ["--import", "tsx", server, aptCacheDir, String(APT_CACHE_PORT)], {
        cwd: projectDir, detached: true, stdio: ["ignore", out, out],
      });
      fs.closeSync(out);
      child.unref();
      if (child.pid !== undefined) fs.writeFileSync(pidFile, `${child.pid}\n`);
      for (let i = 0; i < 100 && !(await answers(APT_CACHE_PORT)); i++) await sleep(100);
      if (!(await answers(APT_CACHE_PORT))) log(`apt cache did not start (see ${logFile}); hosts fetch directly`);
    });
  } catch (e) {
    log(`apt cache not started (${String(e)}); hosts fetch directly`);
  }
}

/** Stop the cache this sandbox started (the cached files stay for the next run). */
export async function stopAptCache(): Promise<void> {
  await withLock("apt-cache", async () => {
    if (!fs.existsSync(pidFile)) return;
    const pid = Number(fs.readFileSync(pidFile, "utf8").trim());
    if (pid > 0 && pidAlive(pid)) process.kill(pid, "SIGTERM");
    fs.rmSync(pidFile, { force: true });
  });
}
