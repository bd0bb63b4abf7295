/**
 * Root reads the app user's PM2 pid file and /proc paths only with care (issue 20, N7), against the
 * local shell with a real unprivileged user (`nobody`) as the app user: pm2.pid is read as the
 * user under a timeout and taken only as digits; a pid PM2 prints is used under /proc only when it
 * is digits and a process of the user's. Needs root, as the host scripts do.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Pm2Home } from "../../components/host/kinds/pm2";
import { readPm2Pid } from "../../components/host/kinds/pm2-observe";
import { streamingDuelCheck } from "../../components/topologies/duel/streaming";
import { gracefulRestartScript } from "../../components/topologies/duel/restart";

const NOBODY = 65534;
let dir: string;
let h: Pm2Home;
let procs: ChildProcess[] = [];

const bash = (text: string) => spawnSync("bash", ["-c", `set -euo pipefail\n${text}`], { encoding: "utf8", timeout: 20_000 });
/** A `sleep` with STREAMING_DUEL_ENABLED=true in its environment, as nobody or as root. */
function sleeper(asNobody: boolean): number {
  const p = spawn("sleep", ["60"], { env: { STREAMING_DUEL_ENABLED: "true" }, stdio: "ignore", ...(asNobody ? { uid: NOBODY, gid: NOBODY } : {}) });
  procs.push(p);
  return p.pid!;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "hf-pids-"));
  chmodSync(dir, 0o755);
  const home = join(dir, "home");
  mkdirSync(join(home, ".pm2"), { recursive: true });
  chownSync(home, NOBODY, NOBODY);
  chownSync(join(home, ".pm2"), NOBODY, NOBODY);
  mkdirSync(join(dir, "root-only"), { mode: 0o700 });
  h = { user: "nobody", home, pm2Bin: join(dir, "pm2"), nodeBinDir: "/usr/bin" };
});
afterEach(() => {
  for (const p of procs) p.kill();
  procs = [];
});

const asNobody = (cmd: string) => expect(bash(`runuser -u nobody -- bash -c ${JSON.stringify(cmd)}`).status).toBe(0);
const pidFile = () => join(h.home, ".pm2", "pm2.pid");
const readPid = () => bash(readPm2Pid(h, "pid") + `printf '[%s]' "$pid"`);

describe("pm2.pid, read as the app user", () => {
  it("digits are the pid; anything else is no pid", () => {
    asNobody(`printf 4242 > ${pidFile()}`);
    expect(readPid().stdout).toBe("[4242]");
    asNobody(`printf '../x' > ${pidFile()}`);
    expect(readPid().stdout).toBe("[]");
  });

  it("a FIFO does not hang root: the read gives up after 5 s", () => {
    asNobody(`mkfifo ${pidFile()}`);
    const start = Date.now();
    const r = readPid();
    expect([r.status, r.stdout]).toEqual([0, "[]"]);
    expect(Date.now() - start).toBeLessThan(10_000);
  }, 20_000);

  it("a link to a file only root can read gives nothing", () => {
    writeFileSync(join(dir, "root-only", "pid"), "1234", { mode: 0o600 });
    asNobody(`ln -s ${join(dir, "root-only", "pid")} ${pidFile()}`);
    expect(readPid().stdout).toBe("[]");
  });
});

describe("a pid PM2 prints, before root reads /proc/<pid>", () => {
  /** A stand-in pm2 that answers `pm2 pid` with `answer`. */
  function pm2Answers(answer: string): void {
    writeFileSync(h.pm2Bin, `#!/bin/bash\necho ${JSON.stringify(answer)}\n`, { mode: 0o755 });
  }
  const check = () => bash(streamingDuelCheck(h, "duel-arena")).status;

  beforeEach(() => {
    asNobody(`printf ${sleeper(true)} > ${pidFile()}`);
  });

  it("a process of the app user's is read", () => {
    pm2Answers(String(sleeper(true)));
    expect(check()).toBe(0);
  });

  it("a path instead of a pid (review P9) is not followed to a root-only file", () => {
    const fake = join(dir, "root-only", "x");
    mkdirSync(fake);
    writeFileSync(join(fake, "environ"), "STREAMING_DUEL_ENABLED=true\0", { mode: 0o600 });
    pm2Answers(`../${fake.slice(1)}`);
    expect(check()).toBe(1);
  });

  it("another user's process is not read", () => {
    pm2Answers(String(sleeper(false)));
    expect(check()).toBe(1);
  });

  it("the graceful restart reads the server's environment only under the same check", () => {
    const text = gracefulRestartScript({ pm2: h, app: "duel-arena", serverPort: 5555, ecosystemPath: "/e.js", secretsFile: "/s.env", gracefulTimeoutSeconds: 60, healthTimeoutSeconds: 30 });
    expect(text).not.toMatch(/cat [^\n]*pm2\.pid/);
    expect(text).toContain(`  daemon=$(runuser -u nobody -- timeout 5 head -c 32 -- ${pidFile()} 2>/dev/null || :)\n  case "$daemon" in *[!0-9]*) daemon="" ;; esac\n`);
    expect(text).toContain(`if [ "$health" = 200 ] && [[ "$srv" =~ ^[0-9]+$ ]] && [ "$(stat -c %u "/proc/$srv" 2>/dev/null)" = "$(id -u nobody)" ]; then`);
  });
});
