// A git repository published to a sandbox host over SSH (pinned key), so hostform's stacks can
// pull app code from a remote the way a real host pulls from its forge.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { hostPaths } from "./paths.js";
import type { SandboxHost } from "./state.js";

export interface PublishedRepo {
  /** The local working copy; change files in it, then `commit`. */
  readonly dir: string;
  /** The repository's path on the host, to use as the stack's git remote. */
  readonly remote: string;
  commit(message: string): string;
}

export function publishRepo(host: SandboxHost, source: string, remote: string): PublishedRepo {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hostform-repo-"));
  fs.cpSync(source, dir, { recursive: true });
  const known = hostPaths(host.name).knownHosts;
  const sshCmd = `ssh -i ${host.privateKeyPath} -o UserKnownHostsFile=${known} -o StrictHostKeyChecking=yes -o BatchMode=yes -p ${host.port}`;
  const env = { ...process.env, GIT_SSH_COMMAND: sshCmd, GIT_AUTHOR_NAME: "hostform", GIT_AUTHOR_EMAIL: "hostform@localhost", GIT_COMMITTER_NAME: "hostform", GIT_COMMITTER_EMAIL: "hostform@localhost" };
  const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, env, encoding: "utf8" }).trim();
  execFileSync("ssh", [...sshCmd.split(" ").slice(1), `${host.user}@${host.address}`, `test -d '${remote}' || git init --bare -q -b main '${remote}'; `
    // The repository belongs to root; the app user pulls from it, and git refuses another owner's
    // repository unless it is named safe (a real forge is a URL and needs none of this).
    + `git config --system --get-all safe.directory | grep -qx '${remote}' || git config --system --add safe.directory '${remote}'`], { stdio: "pipe" });
  git("init", "-q", "-b", "main");
  const commit = (message: string) => {
    git("add", "-A");
    git("commit", "-q", "--allow-empty", "-m", message);
    git("push", "-q", "--force", `ssh://${host.user}@${host.address}:${host.port}${remote}`, "main");
    return git("rev-parse", "HEAD");
  };
  commit("initial");
  return { dir, remote, commit };
}
