/**
 * Host scripts of issue 10 run against the local shell: the duel's secrets parsed (never run) and
 * kept off command lines, the Apache site rolled back when configtest fails, downloads checked
 * (a pinned signing key, the npm registry's dist.integrity).
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { enableSiteScript } from "../../components/blocks/apache/proxy";
import { FETCH_NPM, pinnedKeyring } from "../../components/blocks/base/downloads";
import { deployMarker, RECORD_DEPLOYED } from "../../components/blocks/git/checkout";
import { renderEnvFile } from "../../components/blocks/secrets/envfile";
import { APP_DEFAULTS, appCommandsScript } from "../../components/topologies/duel/app";
import { duelCodeCheck, duelCodeRun, migrateScript } from "../../components/topologies/duel/code";
import { ENV_VALUE_SH } from "../../components/host/envfile";
import { script } from "../../components/host/quote";

const tmp = () => mkdtempSync(join(tmpdir(), "hf-sec-"));
const bash = (text: string, env: NodeJS.ProcessEnv = {}) => spawnSync("bash", ["-c", `set -euo pipefail\n${text}`], { encoding: "utf8", env: { ...process.env, ...env } });

const duel = {
  user: "ubuntu", home: "/home/ubuntu", nodeBinDir: "/opt/hostform/node/bin", repo: "/srv/git/duel.git", ref: "main", workspace: "/home/ubuntu/hyperscape",
  secretsFile: "/etc/hostform/hyperscape-secrets.env", prepare: appCommandsScript(APP_DEFAULTS, true), serverPort: 5555, pm2Bin: "/opt/pm2/bin/pm2", gracefulTimeoutSeconds: 900,
  healthTimeoutSeconds: 120, ecosystemPath: "/home/ubuntu/ecosystem.config.js", app: "duel-arena",
};

describe("duel secrets: parsed, never run; never on a command line", () => {
  it("env_value reads values with quotes, $(…) and backquotes as data", () => {
    const dir = tmp();
    const values = { ADMIN_CODE: "it's $(touch pwned) `touch pwned2`", DATABASE_URL: "postgresql://duel:p'w@localhost/duel" };
    writeFileSync(join(dir, "s.env"), renderEnvFile(values));
    for (const [k, v] of Object.entries(values)) {
      const r = bash(ENV_VALUE_SH + `cd '${dir}' && env_value s.env ${k}`);
      expect([r.status, r.stdout]).toEqual([0, v]);
    }
    expect(bash(ENV_VALUE_SH + `env_value '${dir}/s.env' MISSING`).status).toBe(1);
    expect(existsSync(join(dir, "pwned")) || existsSync(join(dir, "pwned2"))).toBe(false);
  });

  it("the code step never sources the secrets file, and DATABASE_URL is on no command line", () => {
    const run = duelCodeRun(duel);
    expect(run).not.toMatch(/(^|[\s;&|(])(\.|source)\s+"?\$secrets/m);
    expect(run).not.toMatch(/env [^\n]*DATABASE_URL=/);
    expect(run).toContain(migrateScript(APP_DEFAULTS.migrate));
    expect(run).toContain("secrets=/etc/hostform/hyperscape-secrets.env");
    expect(duelCodeCheck(duel)).toContain(`marker=${deployMarker(duel.workspace)}`);
  });

  it("the migration gets DATABASE_URL in its environment while no process shows it in its arguments", () => {
    const dir = tmp();
    const url = "postgresql://duel:S3cr3t-Migr4te@localhost:5432/duel";
    writeFileSync(join(dir, "s.env"), renderEnvFile({ DATABASE_URL: url }));
    mkdirSync(join(dir, "bin"));
    // A stand-in npm: records the URL it was given and every process's arguments while it runs. The
    // stand-in for runuser stays alive beside it with its arguments, as runuser does.
    writeFileSync(join(dir, "bin", "npm"), `#!/bin/bash\nprintf '%s' "$DATABASE_URL" > '${dir}/got'\nps -eww -o args= > '${dir}/ps'\n`);
    chmodSync(join(dir, "bin", "npm"), 0o755);
    const r = bash(ENV_VALUE_SH + script`ws=${dir}; secrets=${join(dir, "s.env")}
as_user() { bash -c '"$@"; exit $?' runuser-stand-in env PATH=${join(dir, "bin")}:/usr/bin:/bin "$@"; }
` + migrateScript("npm run --silent migrate"));
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(dir, "got"), "utf8")).toBe(url);
    expect(readFileSync(join(dir, "ps"), "utf8")).not.toContain("S3cr3t-Migr4te");
  });
});

describe("deploy marker", () => {
  it("lives in root's /var/lib/hostform, one per checkout", () => {
    expect(deployMarker("/home/ubuntu/executor/workspace")).toMatch(/^\/var\/lib\/hostform\/deployed\/home_ubuntu_executor_workspace-[0-9a-f]{8}$/);
    expect(deployMarker("/home/a_b")).not.toBe(deployMarker("/home/a/b"));
    expect(RECORD_DEPLOYED).not.toContain("$ws/.git");
  });
});

describe("Apache site: configtest with the site enabled, rolled back when it fails", () => {
  const stubs = (dir: string, configtest: number) => `a2ensite() { echo "a2ensite $*" >> '${dir}/log'; }
a2dissite() { echo "a2dissite $*" >> '${dir}/log'; }
apachectl() { echo "apachectl $*" >> '${dir}/log'; return ${configtest}; }
`;
  it("a broken vhost on first deploy: the site is disabled again, nothing reloaded", () => {
    const dir = tmp();
    const r = bash(stubs(dir, 1) + enableSiteScript("hostform-app", `echo reload >> '${dir}/log'`));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("apachectl configtest failed with the site hostform-app enabled: it was put back as it was and Apache was not reloaded");
    expect(readFileSync(join(dir, "log"), "utf8")).toBe("a2ensite -q hostform-app\na2dissite -q 000-default\napachectl configtest\na2dissite -q hostform-app\n");
  });

  it("a good vhost is enabled and reloaded", () => {
    const dir = tmp();
    expect(bash(stubs(dir, 0) + enableSiteScript("hostform-app", `echo reload >> '${dir}/log'`)).status).toBe(0);
    expect(readFileSync(join(dir, "log"), "utf8")).toBe("a2ensite -q hostform-app\na2dissite -q 000-default\napachectl configtest\nreload\n");
  });
});

describe("downloads root trusts", () => {
  it("an npm tarball is installed only when it matches the registry's dist.integrity", () => {
    const reg = tmp();
    const tgz = Buffer.from("pretend tarball");
    mkdirSync(join(reg, "pkg", "-"), { recursive: true });
    writeFileSync(join(reg, "pkg", "-", "pkg-1.0.0.tgz"), tgz);
    const integrity = `sha512-${createHash("sha512").update(tgz).digest("base64")}`;
    writeFileSync(join(reg, "pkg", "1.0.0"), JSON.stringify({ dist: { integrity } }));
    writeFileSync(join(reg, "pkg", "1.0.1"), JSON.stringify({ dist: { integrity: `sha512-${createHash("sha512").update("other").digest("base64")}` } }));
    const fetch = (meta: string) => bash(FETCH_NPM + `hf_fetch_npm 'file://${reg}/pkg/-/pkg-1.0.0.tgz' 'file://${reg}/pkg/${meta}' '${reg}/out.tgz'`);
    expect(fetch("1.0.0").status).toBe(0);
    const bad = fetch("1.0.1");
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain("does not match the registry's dist.integrity");
  });

  it("a signing key is trusted only when it is the pinned one", () => {
    const dir = tmp();
    const gpg = (args: string) => bash(`gpg --batch --quiet ${args}`, { GNUPGHOME: join(dir, "gnupg") });
    mkdirSync(join(dir, "gnupg"), { mode: 0o700 });
    expect(gpg("--passphrase '' --quick-gen-key 'test <t@example.test>' ed25519 sign never").status).toBe(0);
    const fpr = /^fpr:+([0-9A-F]{40}):/m.exec(gpg("--with-colons --list-keys").stdout)![1];
    writeFileSync(join(dir, "key.asc"), gpg(`--armor --export ${fpr}`).stdout);
    const keyring = join(dir, "keyrings", "test.gpg");
    const install = (pin: string) => bash(pinnedKeyring(`file://${dir}/key.asc`, pin, keyring), { GNUPGHOME: "" });
    const refused = install("0".repeat(40));
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(`is not the pinned one (${"0".repeat(40)}); refusing to trust it`);
    expect(existsSync(keyring)).toBe(false);
    expect(install(fpr).status).toBe(0);
    expect(gpg(`--show-keys --with-colons '${keyring}'`).stdout).toContain(`fpr:::::::::${fpr}:`);
  });
});
