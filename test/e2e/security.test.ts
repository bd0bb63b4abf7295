import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { createDatabaseSql } from "../../components/blocks/postgres/local";
import { secretForms } from "../../components/host/redact";
import { connectionOf, hostExec, ROOT, sandbox, summary, TestStack } from "./harness";

// Issue 10: what the app user can make root do, where secrets go, and renames. A Flatlogic VM
// (app user ubuntu) and a duel stack (app user hyper, local database) on systemd hosts.
const FLAT = "sec-flat";
const DUEL = "sec-duel";
const rand = () => Math.random().toString(36).slice(2, 10);
const JWT = `jwt-${rand()}-SECRET`;
const DB_PASSWORD = `pw@${rand()}/SECRET`;
const ADMIN = `admin-${rand()}-SECRET`;
const STREAM_KEY = `live_${rand()}_SECRET`;
const DATABASE_URL = `postgresql://duel:${encodeURIComponent(DB_PASSWORD)}@localhost:5432/duel`;
const SECRETS = [JWT, DB_PASSWORD, ADMIN, STREAM_KEY, DATABASE_URL];
const sha256 = (t: string) => createHash("sha256").update(t, "utf8").digest("hex");

const get = async (url: string) => {
  const r = await fetch(url, { signal: AbortSignal.timeout(5000) }).catch(() => undefined);
  return { status: r?.status ?? 0, body: r ? await r.text() : "" };
};

/**
 * Samples a host's process list (every process's arguments) and the environment of every process
 * that is not the app users' own, in a loop on the host itself until stopped (one SSH session:
 * a new login per sample would load the host as much as the deploy it watches). Lines are kept
 * once each.
 */
function watchProcesses(host: string, appUsers: string[]) {
  const stop = `/run/hf-watch-${rand()}`;
  const sample = `ps -eww -o user=,args=; for p in $(ps -e -o pid=,user= | awk '$2 !~ /^(${appUsers.join("|")})$/ {print $1}'); do `
    + `while IFS= read -r -d '' e; do printf 'environ %s\\n' "$e"; done 2>/dev/null < "/proc/$p/environ" || :; done`;
  const run = sandbox.exec(host, `while [ ! -e ${stop} ]; do ${sample}; sleep 0.05; done | awk '!seen[$0]++'; rm -f ${stop}`);
  return {
    stop: async () => {
      await hostExec(host, `touch ${stop}`);
      const r = await run;
      expect(r.code, r.stderr).toBe(0);
      return r.stdout;
    },
  };
}

/** Names, owners, modes and contents of the tree the planted links point at. */
const decoyState = () => hostExec(FLAT, "find /srv/decoy -printf '%p %U:%G %m %s\\n' | sort; sha256sum /srv/decoy/victim; stat -c '%U:%G %a' /etc");
const asUbuntu = (cmd: string) => hostExec(FLAT, `runuser -u ubuntu -- bash -c '${cmd}'`);

describe("security: root and the app user, secrets, renames", () => {
  // Two stacks, so the duel's long first deploy runs beside the Flatlogic VM's and later ups
  // refresh only the Flatlogic VM.
  const flatStack = new TestStack(ROOT);
  const duelStack = new TestStack(ROOT);
  let flat: sandbox.SandboxHost;
  let duelHost: sandbox.SandboxHost;
  let app: sandbox.PublishedRepo;
  let duelRepo: sandbox.PublishedRepo;
  let flatName = FLAT;
  /** The secrets as `config set --secret` encrypted them: setConfig replaces the whole file. */
  const secure = new Map<TestStack, Record<string, unknown>>();

  const entry = (name: string, h: sandbox.SandboxHost, role: string) => {
    const c = connectionOf(h);
    return { name, flavor: "systemd", role, address: c.host, port: c.port, user: c.user, hostKey: c.hostKey, privateKeyPath: c.privateKeyPath };
  };
  const configureFlat = (extra: Record<string, unknown> = {}) => flatStack.setConfig({
    ...secure.get(flatStack),
    "hostform:hosts": [entry(flatName, flat, "flatlogic")],
    "hostform:flatlogic": { repo: app.remote, serverName: "app.example.test", node: { source: "npm-registry" }, executorFrom: "workspace", healthTimeoutSeconds: 60, ...extra },
  });
  const configureDuel = () => duelStack.setConfig({
    ...secure.get(duelStack),
    "hostform:hosts": [entry(DUEL, duelHost, "duel")],
    "hostform:duel": {
      repo: duelRepo.remote, appUser: "hyper", node: { source: "npm-registry" }, browser: { source: "debian", package: "x11-utils" },
      externalPorts: { server: 5555 }, gracefulTimeoutSeconds: 120, app: { runtime: "node", ecosystem: "generated" },
    },
  });
  const setSecrets = async (stack: TestStack, key: string, values: Record<string, string>) => {
    for (const [k, v] of Object.entries(values)) {
      const r = await stack.pulumi("config", "set", "--secret", "--path", `hostform:${key}.${k}`, v);
      expect(r.code, r.all).toBe(0);
    }
    secure.set(stack, { [`hostform:${key}`]: (parse(readFileSync(stack.configFile, "utf8")).config as Record<string, unknown>)[`hostform:${key}`] });
  };

  beforeAll(async () => {
    [flat, duelHost] = await sandbox.up([{ name: FLAT, flavor: "systemd" }, { name: DUEL, flavor: "systemd" }]);
    app = sandbox.publishRepo(flat, path.join(ROOT, "test/fixtures/flatlogic-app"), "/srv/git/app.git");
    duelRepo = sandbox.publishRepo(duelHost, path.join(ROOT, "test/fixtures/duel-app"), "/srv/git/duel.git");
    // A migration that takes a while, so the process list is read while it runs.
    writeFileSync(path.join(duelRepo.dir, "migrations/0099_sleep.sql"), "select pg_sleep(4);\n");
    duelRepo.commit("a slow migration");
    await flatStack.init();
    await duelStack.init();
    configureFlat();
    configureDuel();
    await setSecrets(flatStack, "flatlogicBackendEnv", { JWT_SECRET: JWT });
    await setSecrets(duelStack, "duelSecrets", { DATABASE_URL, ADMIN_CODE: ADMIN, TWITCH_STREAM_KEY: STREAM_KEY });
  });
  afterAll(async () => {
    await sandbox.down([FLAT, DUEL]);
    flatStack.remove();
    duelStack.remove();
  });

  it("first deploys: no secret in any process's arguments or root's environment; a broken vhost is refused with the site enabled, then put back", async () => {
    configureFlat({ extraApacheConfig: "ProxyPassBroken /x http://127.0.0.1:9/" });
    const watchers = [watchProcesses(FLAT, ["ubuntu"]), watchProcesses(DUEL, ["hyper"])];
    // --continue-on-error: the Flatlogic VM's code deploys although its Apache site fails.
    const [flatUp, duelUp] = await Promise.all([flatStack.up("--continue-on-error"), duelStack.up()]);
    const seen = (await Promise.all(watchers.map((w) => w.stop()))).join("\n");
    expect(duelUp.code, duelUp.all).toBe(0);
    expect(flatUp.code).not.toBe(0);
    expect(seen).toContain("0099_sleep.sql"); // sampled during the migration
    expect(seen).toContain("hf_walk"); // and during hostform's own commands
    expect(seen).toContain(".hostform-release"); // and during the Flatlogic deploy
    for (const secret of SECRETS.flatMap(secretForms)) expect(seen).not.toContain(secret);
    for (const stack of [flatStack, duelStack]) expect(stack.output).not.toContain("SECRET");
    expect(JSON.parse(await hostExec(DUEL, "curl -s localhost:5555/health")).ok).toBe(true);
    expect(await hostExec(DUEL, "stat -c '%U %a' /tmp/hyperscape-secrets.env /etc/hostform/hyperscape-secrets.env; ls /var/lib/hostform/deployed"))
      .toMatch(/^hyper 600\nroot 600\nhome_hyper_hyperscape-[0-9a-f]{8}\n$/);

    expect(flatUp.all).toContain("apachectl configtest failed with the site hostform-app enabled: it was put back as it was and Apache was not reloaded");
    expect(await hostExec(FLAT, "test -e /etc/apache2/sites-enabled/hostform-app.conf && echo enabled || echo disabled; apachectl configtest 2>&1 | tail -n 1")).toBe("disabled\nSyntax OK\n");
    configureFlat();
    const fixed = await flatStack.up();
    expect(fixed.code, fixed.all).toBe(0);
    expect((await get(`http://${flat.address}/`)).status).toBe(200);
  });

  it("the state holds no secret and no unkeyed hash of one", async () => {
    const exports = await Promise.all([flatStack, duelStack].map((stack) => stack.pulumi("stack", "export")));
    for (const e of exports) expect(e.code, e.all).toBe(0);
    const state = exports.map((e) => e.stdout).join("\n");
    const files = await Promise.all([
      hostExec(FLAT, "sha256sum < /home/ubuntu/executor/backend.env"),
      hostExec(DUEL, "sha256sum < /etc/hostform/hyperscape-secrets.env; sha256sum < /tmp/hyperscape-secrets.env"),
    ]);
    const hashes = [
      ...SECRETS.flatMap(secretForms).map(sha256),
      ...files.join("").split("\n").filter(Boolean).map((l) => l.slice(0, 64)),
      sha256(createDatabaseSql("duel", "duel", DB_PASSWORD)),
    ];
    expect(hashes.length).toBeGreaterThan(8);
    for (const h of hashes) expect(state).not.toContain(h);
    for (const secret of SECRETS.flatMap(secretForms)) expect(state).not.toContain(secret);
    // What is kept instead: keyed hashes, under keys that are themselves secrets (ciphertext).
    expect(state).toContain('"contentHmac"');
    expect(state).toContain('"stdinHmac"');
    expect(state).toMatch(/"hashKey":\s*\{\s*"4dabf18193072939515e22adb298388d":\s*"1b47061264138c4ac30d75fd1eb44270",\s*"ciphertext"/);
  });

  it("links the app user plants are reported, never followed, and nothing outside the app's tree changes", async () => {
    await hostExec(FLAT, "install -d -m 0755 /srv/decoy/sub && printf \"root's file\\n\" > /srv/decoy/victim && chmod 0644 /srv/decoy/victim");
    const before = await decoyState();
    // ~/executor and ~/ecosystem.config.js replaced by links; the old marker place made a link too.
    await asUbuntu("mv ~/executor ~/executor.real && ln -s /srv/decoy ~/executor && mv ~/ecosystem.config.js ~/ecosystem.real && ln -s /srv/decoy/victim ~/ecosystem.config.js"
      + " && ln -s /srv/decoy/marker ~/executor.real/workspace/.git/hostform-deployed");
    const up = await flatStack.up("--continue-on-error");
    expect(up.code).not.toBe(0);
    expect(up.all).toContain("refusing /home/ubuntu/executor/backend.env: /home/ubuntu/executor is a symbolic link (to /srv/decoy, owned by ubuntu) in a directory that ubuntu can write: hostform does not follow it");
    expect(up.all).toContain("refusing /home/ubuntu/ecosystem.config.js: /home/ubuntu/ecosystem.config.js is a symbolic link (to /srv/decoy/victim, owned by ubuntu)");
    expect(await decoyState()).toBe(before);
    await asUbuntu("rm ~/executor ~/ecosystem.config.js && mv ~/executor.real ~/executor && mv ~/ecosystem.real ~/ecosystem.config.js");

    // PM2's dump (chmod 0600 by hostform) replaced by a link.
    await asUbuntu("mv ~/.pm2/dump.pm2 ~/.pm2/dump.real && ln -s /srv/decoy/victim ~/.pm2/dump.pm2");
    const pm2 = await flatStack.up();
    expect(pm2.code).not.toBe(0);
    expect(pm2.all).toContain("refusing to set modes in /home/ubuntu/.pm2: /home/ubuntu/.pm2/dump.pm2 is a symbolic link, which hostform does not follow");
    expect(await decoyState()).toBe(before);
    await asUbuntu("rm ~/.pm2/dump.pm2 && mv ~/.pm2/dump.real ~/.pm2/dump.pm2");

    // A new commit deploys; the deploy marker is written in /var/lib/hostform, not through the old place's link.
    writeFileSync(path.join(app.dir, "frontend/VERSION"), "2\n");
    const head = app.commit("frontend 2");
    const deploy = await flatStack.up();
    expect(deploy.code, deploy.all).toBe(0);
    expect((await get(`http://${flat.address}/`)).body).toContain("version: 2");
    expect(await decoyState()).toBe(before);
    expect(await hostExec(FLAT, "cat /var/lib/hostform/deployed/home_ubuntu_executor_workspace-*; test -e /srv/decoy/marker && echo written || echo untouched")).toBe(`${head}\nuntouched\n`);
  });

  it("renaming the host in config: the new resources take over, the old ones' deletes leave the host alone", async () => {
    flatName = "sec-flat-renamed";
    configureFlat();
    const up = await flatStack.up();
    expect(up.code, up.all).toBe(0);
    const counts = summary(up.all);
    expect(counts.created).toBeGreaterThan(10);
    expect(counts.deleted).toBe(counts.created);
    expect((await get(`http://${flat.address}/`)).status).toBe(200);
    expect((await get(`http://${flat.address}/api/auth/me`)).status).toBe(401);
    expect(await hostExec(FLAT, "systemctl is-active pm2-ubuntu apache2; test -s /home/ubuntu/executor/backend.env && dpkg-query -W -f='${db:Status-Status}\\n' apache2"))
      .toBe("active\nactive\ninstalled\n");
    const drift = await flatStack.drift();
    expect(drift.code, drift.all).toBe(0);
  });

  // Last, after every deploy of this file: the journal, /var/log and PM2's logs (the apps' output
  // and PM2's own) hold none of the real secret values, in any of their forms or base64.
  it("no secret value in the journal, /var/log or the PM2 logs of either host", async () => {
    const forms = SECRETS.flatMap(secretForms);
    const probe = `hf-leak-probe-${rand()}`;
    // The probe is searched for with the secrets and planted in each place searched: it must be
    // found there, once, so a search that reads nothing (or no pattern) fails.
    const patterns = [...forms, ...forms.map((f) => Buffer.from(f, "utf8").toString("base64")), probe];
    expect(patterns.length).toBeGreaterThan(12);
    for (const host of [FLAT, DUEL]) {
      // The patterns travel base64-encoded to a file outside the places searched.
      const out = await hostExec(host, `set -euo pipefail
p=$(mktemp); trap 'rm -f -- "$p" /var/log/${probe}.log /home/*/.pm2/logs/${probe}.log' EXIT
printf %s ${Buffer.from(patterns.join("\n"), "utf8").toString("base64")} | base64 -d > "$p"
pm2=(/home/*/.pm2); [ -d "\${pm2[0]}" ] || { echo "no PM2 home" >&2; exit 2; }
logs=(/var/log); for d in "\${pm2[@]}"; do logs+=("$d/logs" "$d/pm2.log"); echo ${probe} > "$d/logs/${probe}.log"; done
echo ${probe} > /var/log/${probe}.log; logger -t hf-leak-probe ${probe}
for _ in $(seq 50); do journalctl --no-pager -q -o cat -t hf-leak-probe | grep -qxF ${probe} && break; sleep 0.1; done
search() { grep "$@" || [ $? = 1 ]; }
journalctl --no-pager -q -o cat | search -F -f "$p" | cut -c1-200 | sed 's/^/journal: /'
search -rF -f "$p" --exclude-dir=journal -- "\${logs[@]}" | cut -c1-200 | sort`);
      const home = host === FLAT ? "/home/ubuntu" : "/home/hyper";
      expect(out, `on ${host}`).toBe(`journal: ${probe}\n${home}/.pm2/logs/${probe}.log:${probe}\n/var/log/${probe}.log:${probe}\n`);
    }
  });
});
