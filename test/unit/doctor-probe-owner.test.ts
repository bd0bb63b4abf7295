// The doctor reads the app user's tree as that user (security review 3, N11): run against the local
// shell with `nobody` as the app user (the unit tests run as root).
import { spawnSync } from "node:child_process";
import { chownSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { HostPlan } from "../../scripts/doctor/plan";
import { probeScript, splitSections } from "../../scripts/doctor/probe";

const base: HostPlan = { host: "vm", role: "none", flavor: "systemd", address: "198.18.0.10", stack: "test", paths: [], units: [], onstart: false, ports: [], health: [], postgres: false, gpu: false };
const NOBODY = 65534;

function userTree() {
  const dir = mkdtempSync(join(tmpdir(), "hf-doctor-"));
  const rootOnly = join(dir, "root-only");
  mkdirSync(rootOnly, { mode: 0o700 });
  writeFileSync(join(rootOnly, "root-secret-name"), "x", { mode: 0o600 });
  writeFileSync(join(rootOnly, "root.env"), "ROOT_ONLY_KEY=v\n", { mode: 0o600 });
  const home = join(dir, "home");
  mkdirSync(home);
  chownSync(home, NOBODY, NOBODY);
  // The app user's planted links: its releases folder and its secrets file point at root's.
  symlinkSync(rootOnly, join(home, "frontend-releases"));
  symlinkSync(join(rootOnly, "root.env"), join(home, "secrets.env"));
  spawnSync("chmod", ["0755", dir]);
  return { home };
}

const run = (plan: HostPlan) => splitSections(spawnSync("bash", ["-c", probeScript(plan, "n0nce")], { encoding: "utf8" }).stdout, "n0nce");

describe("doctor probe in the app user's tree", () => {
  it("lists a release folder the user linked to a root-only one as the user: root's names stay hidden", () => {
    const { home } = userTree();
    const s = run({ ...base, releases: { dir: join(home, "frontend-releases"), keep: 2, user: "nobody" } });
    expect(s.releases.lines.join("\n")).not.toContain("root-secret-name");
    expect(s.releases.rc).not.toBe(0);
  });

  it("reads a secrets file the user replaced as the user: a root-only file's keys are not printed", () => {
    const { home } = userTree();
    const s = run({ ...base, secretsFile: { path: join(home, "secrets.env"), required: ["A"], user: "nobody" } });
    expect(s.secrets.lines.join("\n")).not.toContain("ROOT_ONLY_KEY");
  });

  it("still reads what the user owns", () => {
    const { home } = userTree();
    const rel = join(home, "own-releases");
    mkdirSync(join(rel, "20260101000000-aaaaaaaaaaaa"), { recursive: true });
    symlinkSync(join(rel, "20260101000000-aaaaaaaaaaaa"), join(rel, "current"));
    spawnSync("chown", ["-R", "nobody:nogroup", rel]);
    const s = run({ ...base, releases: { dir: rel, keep: 2, user: "nobody" } });
    expect(s.releases.lines).toEqual(["20260101000000-aaaaaaaaaaaa", "current", `current=${join(rel, "20260101000000-aaaaaaaaaaaa")}`]);
  });

  it("takes PM2's pid from the user's file only when it is digits", () => {
    const { home } = userTree();
    mkdirSync(join(home, ".pm2"));
    writeFileSync(join(home, ".pm2", "pm2.pid"), "1; echo injected\n");
    spawnSync("chown", ["-R", "nobody:nogroup", join(home, ".pm2")]);
    const pm2 = { user: "nobody", home, pm2Bin: "/nonexistent/pm2", nodeBinDir: "/nonexistent", apps: [] };
    const s = run({ ...base, pm2 });
    expect(s.pm2.lines).toEqual(["daemon=down"]);
  });
});
