import { spawnSync } from "node:child_process";
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { connectionOf, hostExec, ROOT, run, sandbox, until } from "./harness";

// Issue 22: a real PostgreSQL server (Debian's package, a private cluster this file starts and
// removes) as the state backend of a sandbox stack: a checkout of its own whose Pulumi.sandbox.yaml
// is committed, run through scripts/pulumi.sh as an operator would. up, drift, and two ups at once:
// the second is refused with Pulumi's lock message, and the state stays whole.
const HOST = "tb-pg";
const PROGRAM = path.join(__dirname, "programs/resources");
const TOKEN = `tok-${Math.random().toString(36).slice(2)}-SECRET`;
const PASSWORD = `pw-${Math.random().toString(36).slice(2)}`;
const PROJECT = "hostform-backend-test";

const freePort = () => new Promise<number>((resolve, reject) => {
  const s = createServer().listen(0, "127.0.0.1", () => {
    const { port } = s.address() as { port: number };
    s.close(() => resolve(port));
  }).on("error", reject);
});

/** The newest PostgreSQL that Debian's packages installed. */
function pgBin(): string {
  const base = "/usr/lib/postgresql";
  const versions = existsSync(base) ? readdirSync(base).filter((v) => existsSync(`${base}/${v}/bin/initdb`)).sort((a, b) => Number(b) - Number(a)) : [];
  if (!versions[0]) throw new Error("PostgreSQL is not installed: npm run setup installs Debian's postgresql");
  return `${base}/${versions[0]}/bin`;
}

const asPostgres = (cmd: string, args: string[]) => {
  const r = spawnSync("runuser", ["-u", "postgres", "--", cmd, ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: exit ${r.status}: ${r.stderr}`);
};

describe("a PostgreSQL state backend for a sandbox stack", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "hostform-backend-"));
  const data = path.join(dir, "pg/data");
  const checkout = path.join(dir, "checkout");
  let port = 0;
  let url = "";
  let bin = "";
  let started = false;
  const env = () => ({ PULUMI_BACKEND_URL: url, PGPASSWORD: PASSWORD, PULUMI_CONFIG_PASSPHRASE: undefined, PULUMI_CONFIG_PASSPHRASE_FILE: undefined });
  let output = "";
  const pulumi = async (args: string[], input?: string) => {
    const r = await run("bash", [path.join(checkout, "scripts/pulumi.sh"), ...args, "--stack", "sandbox", "--non-interactive"], { cwd: checkout, env: env(), ...(input ? { input } : {}) });
    output += r.all;
    return r;
  };
  const sql = (query: string) => {
    const r = spawnSync("psql", ["-h", "127.0.0.1", "-p", String(port), "-U", "hostform", "-d", "hostform_state", "-Atc", query], { encoding: "utf8", env: { ...process.env, PGPASSWORD: PASSWORD } });
    if (r.status !== 0) throw new Error(`psql: ${r.stderr}`);
    return r.stdout;
  };
  const git = (...args: string[]) => {
    const r = spawnSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { cwd: checkout, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
  };

  beforeAll(async () => {
    // The server: a private cluster under the temporary folder, password login over 127.0.0.1 only.
    bin = pgBin();
    mkdirSync(path.join(dir, "pg"));
    writeFileSync(path.join(dir, "pg/pw"), PASSWORD);
    chmodSync(path.join(dir, "pg/pw"), 0o600);
    for (const p of [dir, path.join(dir, "pg"), path.join(dir, "pg/pw")]) chownSync(p, Number(spawnSync("id", ["-u", "postgres"], { encoding: "utf8" }).stdout), Number(spawnSync("id", ["-g", "postgres"], { encoding: "utf8" }).stdout));
    asPostgres(`${bin}/initdb`, ["-D", data, "-U", "hostform", `--pwfile=${path.join(dir, "pg/pw")}`, "-A", "scram-sha-256", "--no-sync"]);
    port = await freePort();
    asPostgres(`${bin}/pg_ctl`, ["-D", data, "-l", path.join(dir, "pg/log"), "-w", "-o", `-c listen_addresses=127.0.0.1 -p ${port} -k ${path.join(dir, "pg")} -c fsync=off`, "start"]);
    started = true;
    const created = spawnSync(`${bin}/createdb`, ["-h", "127.0.0.1", "-p", String(port), "-U", "hostform", "hostform_state"], { encoding: "utf8", env: { ...process.env, PGPASSWORD: PASSWORD } });
    expect(created.status, created.stderr).toBe(0);
    // The password travels as PGPASSWORD, never in the URL (nor in a log line or credentials.json).
    url = `postgres://hostform@127.0.0.1:${port}/hostform_state?sslmode=disable`;

    const [h] = await sandbox.up([{ name: HOST, flavor: "container" }]);
    // The checkout: the wrapper, the toolchain, a program, and a committed sandbox stack file.
    mkdirSync(path.join(checkout, "scripts"), { recursive: true });
    for (const f of ["scripts/pulumi.sh", "scripts/use-node.sh", "scripts/lazy-sdk.cjs"]) copyFileSync(path.join(ROOT, f), path.join(checkout, f));
    symlinkSync(path.join(ROOT, ".toolchain"), path.join(checkout, ".toolchain"));
    symlinkSync(PROGRAM, path.join(checkout, "program"));
    symlinkSync(path.join(ROOT, "node_modules"), path.join(checkout, "node_modules"));
    writeFileSync(path.join(checkout, "Pulumi.yaml"), `name: ${PROJECT}\nruntime:\n  name: nodejs\n  options:\n    typescript: true\nmain: program/index.ts\noptions:\n  refresh: always\n`);
    writeFileSync(path.join(checkout, "Pulumi.sandbox.yaml"), `# the sandbox stack of this checkout\n${stringify({ config: { "test:connection": connectionOf(h!), "test:flavor": "container" } }, { lineWidth: 0 })}`);
    writeFileSync(path.join(checkout, ".gitignore"), ".state\n.toolchain\nnode_modules\n");
    git("init", "-q");
    git("add", "-A");
    git("commit", "-qm", "sandbox stack");
  });
  afterAll(async () => {
    if (process.env.HOSTFORM_E2E_LOGS) writeFileSync(path.join(process.env.HOSTFORM_E2E_LOGS, "backend.log"), output);
    await sandbox.down([HOST]);
    if (started) asPostgres(`${bin}/pg_ctl`, ["-D", data, "-m", "fast", "-w", "stop"]);
    rmSync(dir, { recursive: true, force: true });
  });

  it("stack init, a secret, up and drift with the state in PostgreSQL; the checkout stays clean", async () => {
    const init = await pulumi(["stack", "init"]);
    expect(init.code, init.all).toBe(0);
    expect(git("status", "--porcelain")).toBe("");
    // The keys live under the URL's path, the database name.
    expect(sql("SELECT key FROM pulumi_state WHERE key NOT LIKE '%.bak' ORDER BY key")).toBe(`hostform_state/.pulumi/meta.yaml\nhostform_state/.pulumi/stacks/${PROJECT}/sandbox.json\n`);

    // The secret arrives on stdin; the committed file gains that key only, encrypted.
    const set = await pulumi(["config", "set", "--secret", "test:token"], TOKEN);
    expect(set.code, set.all).toBe(0);
    expect(git("diff", "--numstat"), git("diff")).toBe("2\t0\tPulumi.sandbox.yaml\n");
    git("commit", "-qam", "the token");

    const up = await pulumi(["up", "--yes", "--skip-preview"]);
    expect(up.code, up.all).toBe(0);
    expect(await hostExec(HOST, "cat /srv/hostform-test/secret.env")).toBe(`API_TOKEN=${TOKEN}\n`);
    const drift = await pulumi(["preview", "--refresh", "--expect-no-changes", "--diff"]);
    expect(drift.code, drift.all).toBe(0);
    expect(git("status", "--porcelain")).toBe("");
    // A row holds {"data": <the checkpoint, base64>}.
    const row = JSON.parse(sql(`SELECT data::text FROM pulumi_state WHERE key = 'hostform_state/.pulumi/stacks/${PROJECT}/sandbox.json'`)) as { data: string };
    const state = Buffer.from(row.data, "base64").toString("utf8");
    expect(state).toContain("/srv/hostform-test/secret.env");
    expect(state).not.toContain(TOKEN);
  });

  it("two ups at once: the second is refused with the lock message while the first holds it; state stays whole", async () => {
    const locks = () => Promise.resolve(sql("SELECT key FROM pulumi_state WHERE key LIKE 'hostform_state/.pulumi/locks/%'"));
    expect(await locks()).toBe("");
    await hostExec(HOST, "echo 'workers 64' >> /srv/hostform-test/plain.conf"); // something for the first to repair
    const first = pulumi(["up", "--yes", "--skip-preview"]);
    const held = await until(locks, (k) => k !== "", 60);
    expect(held).toMatch(new RegExp(`^hostform_state/\\.pulumi/locks/organization/${PROJECT}/sandbox/[0-9a-f-]+\\.json\\n$`));
    const second = await pulumi(["up", "--yes", "--skip-preview"]);
    const done = await first;
    expect(done.code, done.all).toBe(0);
    expect(second.code).not.toBe(0);
    expect(second.all).toContain("the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.");
    // The lock is named with the URL, its user masked.
    expect(second.all).toContain(`postgres://****:****@127.0.0.1:${port}/hostform_state/`);
    expect(second.all).toContain(path.basename(held.trim()));
    expect(await locks()).toBe("");

    expect(await hostExec(HOST, "cat /srv/hostform-test/plain.conf")).toBe("listen 80\nworkers 4\n");
    const drift = await pulumi(["preview", "--refresh", "--expect-no-changes", "--diff"]);
    expect(drift.code, drift.all).toBe(0);
    expect(git("status", "--porcelain")).toBe("");
    expect(output).not.toContain(PASSWORD);
    expect(output).not.toContain(TOKEN);
  });
});
