import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { tmpdir, userInfo } from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { CHECKOUT, deployedCheck, gitPrelude, RECORD_DEPLOYED } from "../../components/blocks/git/checkout";

// Ref resolution and the deploy check, run locally against a real repository: an annotated tag, a
// branch whose name is the tail of another's, and a full sha must each converge.
const dir = fs.mkdtempSync(path.join(tmpdir(), "hostform-ref-"));
const remote = path.join(dir, "remote.git");
const work = path.join(dir, "work");
const env = { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@t", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@t" };
const git = (...args: string[]) => execFileSync("git", ["-C", work, ...args], { encoding: "utf8", env }).trim();
const commits: Record<string, string> = {};

function commit(name: string): string {
  fs.writeFileSync(path.join(work, "VERSION"), `${name}\n`);
  git("add", "-A");
  git("commit", "-q", "-m", name);
  return (commits[name] = git("rev-parse", "HEAD"));
}

function sh(ref: string, body: string) {
  const prelude = gitPrelude({ user: userInfo().username, home: dir, nodeBinDir: "/usr/bin", workspace: path.join(dir, "ws"), repo: remote, ref });
  return spawnSync("bash", ["-c", `set -euo pipefail\n${prelude}${body}`], { encoding: "utf8", env });
}

beforeAll(() => {
  execFileSync("git", ["init", "-q", "--bare", "-b", "main", remote]);
  execFileSync("git", ["init", "-q", "-b", "main", work]);
  commit("v1");
  git("tag", "-a", "-m", "release 1", "v1");
  commit("main");
  git("checkout", "-q", "-b", "feature/main");
  commit("feature");
  git("push", "-q", remote, "main", "feature/main", "v1");
});

describe("ref resolution", () => {
  it("takes refs/heads/<ref> by its whole name, an annotated tag's commit, or a full sha", () => {
    expect(sh("main", "resolve_ref").stdout).toBe(`${commits.main} refs/heads/main\n`);
    expect(sh("v1", "resolve_ref").stdout).toBe(`${commits.v1} refs/tags/v1\n`);
    expect(sh(commits.feature, "resolve_ref").stdout).toBe(`${commits.feature} ${commits.feature}\n`);
    expect(sh("nope", "resolve_ref").stdout).toBe("");
  });

  it("a missing ref fails the check with a message naming it", () => {
    const r = sh("nope", deployedCheck());
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`ref nope not found in ${remote}: no branch, tag or full commit sha of that name`);
  });

  for (const ref of ["v1", "main", "feature/main", "sha"]) {
    it(`deploys ${ref} and the deploy check then holds (converges)`, () => {
      const wanted = ref === "sha" ? commits.v1 : ref;
      expect(sh(wanted, deployedCheck()).status).toBe(1);
      const run = sh(wanted, CHECKOUT + RECORD_DEPLOYED);
      expect(run.stderr).toBe("");
      expect(run.status).toBe(0);
      expect(sh(wanted, deployedCheck()).status).toBe(0);
      const head = execFileSync("git", ["-C", path.join(dir, "ws"), "rev-parse", "HEAD"], { encoding: "utf8" }).trim();
      expect(head).toBe({ v1: commits.v1, main: commits.main, "feature/main": commits.feature, sha: commits.v1 }[ref]);
    });
  }

  it("a lock file left by a killed git is removed before the checkout", () => {
    fs.writeFileSync(path.join(dir, "ws", ".git", "index.lock"), "");
    const run = sh("main", CHECKOUT);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
  });
});
