import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

// scripts/pulumi.sh's choice of state backend (docs/state-backends.md): PULUMI_BACKEND_URL when set;
// else the sandbox stack in .state/; else the current `pulumi login`; else .state/.
const ROOT = path.resolve(__dirname, "../..");
const dir = mkdtempSync(path.join(tmpdir(), "hostform-backend-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
mkdirSync(path.join(dir, "scripts"));
for (const f of ["scripts/pulumi.sh", "scripts/use-node.sh"]) copyFileSync(path.join(ROOT, f), path.join(dir, f));
mkdirSync(path.join(dir, ".toolchain/bin"), { recursive: true });
mkdirSync(path.join(dir, ".toolchain/home"));
writeFileSync(path.join(dir, "Pulumi.sandbox.yaml"), "config: {}\n");
// The fake CLI prints the backend it was given.
writeFileSync(path.join(dir, ".toolchain/bin/pulumi"), '#!/bin/sh\necho "$PULUMI_BACKEND_URL"\n');
chmodSync(path.join(dir, ".toolchain/bin/pulumi"), 0o755);
const credentials = path.join(dir, ".toolchain/home/credentials.json");
const LOGIN = "postgres://hostform@db.example.com:5432/state?sslmode=verify-full&table=pulumi_state";

function backend(args: string[], env: Record<string, string> = {}): string {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== "PULUMI_BACKEND_URL"));
  const r = spawnSync("bash", [path.join(dir, "scripts/pulumi.sh"), ...args], { cwd: dir, encoding: "utf8", env: { ...base, PULUMI_CONFIG_PASSPHRASE: "x", ...env } });
  if (r.status !== 0) throw new Error(`exit ${r.status}: ${r.stderr}`);
  return r.stdout.trim();
}

describe("scripts/pulumi.sh: which state backend", () => {
  const local = `file://${dir}/.state`;

  it("without a login or PULUMI_BACKEND_URL: .state/ for every stack", () => {
    rmSync(credentials, { force: true });
    expect([backend(["preview", "--stack", "prod"]), backend(["preview", "--stack", "sandbox"]), backend(["stack", "ls"])]).toEqual([local, local, local]);
  });

  it("after `pulumi login <url>`: that backend, except for the sandbox stack, which stays in .state/", () => {
    // As the CLI writes it: Go's JSON escapes & as \u0026, an access token per cloud URL.
    writeFileSync(credentials, JSON.stringify({ current: LOGIN, accessTokens: { "https://api.pulumi.com": "pul-xyz" } }, null, 4).replace(/&/g, "\\u0026"));
    expect(backend(["preview", "--stack", "prod"])).toBe(LOGIN);
    expect(backend(["up", "-s", "staging"])).toBe(LOGIN);
    expect(backend(["stack", "ls"])).toBe(LOGIN);
    expect(backend(["preview", "--stack", "sandbox"])).toBe(local);
    expect(backend(["preview", "-s", "sandbox"])).toBe(local);
    expect(backend(["preview", "--stack=sandbox"])).toBe(local);
  });

  it("a logout (no current login) falls back to .state/", () => {
    writeFileSync(credentials, JSON.stringify({ accessTokens: {} }));
    expect(backend(["preview", "--stack", "prod"])).toBe(local);
  });

  it("PULUMI_BACKEND_URL wins over a login, for the sandbox too", () => {
    writeFileSync(credentials, JSON.stringify({ current: LOGIN }));
    const env = { PULUMI_BACKEND_URL: "s3://hostform-state?region=us-east-1" };
    expect([backend(["preview", "--stack", "prod"], env), backend(["preview", "--stack", "sandbox"], env)]).toEqual([env.PULUMI_BACKEND_URL, env.PULUMI_BACKEND_URL]);
  });

  it("an unreadable credentials file is refused, saying how to log in again", () => {
    writeFileSync(credentials, "{ not json");
    const r = spawnSync("bash", [path.join(dir, "scripts/pulumi.sh"), "preview", "--stack", "prod"], { cwd: dir, encoding: "utf8", env: { ...process.env, PULUMI_BACKEND_URL: "", PULUMI_CONFIG_PASSPHRASE: "x" } });
    expect([r.status, r.stdout, r.stderr]).toEqual([2, "", `hostform: cannot read ${credentials}; log in again: npm run pulumi -- login <url>\n`]);
  });
});
