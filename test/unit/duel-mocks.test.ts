import { beforeAll, describe, expect, it } from "vitest";
import { remoteDatabaseScript } from "../../components/blocks/postgres/remote";
import { Problems } from "../../components/blocks/validate";
import { DuelHost } from "../../components/topologies/duel/host";
import { duelSettings } from "../../components/topologies/duel/settings";
import { type Created, recordMocks } from "./mock-facts";

// DuelHost under mocks: what the app settings and the runtime versions put on the host, and that
// a new Node version reruns the code step (install, build, graceful restart) and reloads PM2.
const created: Created[] = [];

beforeAll(() => recordMocks(created, "mock"));

const connection = { host: "198.18.0.20", port: 22, user: "root", hostKey: "ssh-ed25519 AAAA", privateKeyPath: "/k" };
const SECRETS = { DATABASE_URL: "postgresql://duel:pw@localhost:5432/duel", ADMIN_CODE: "a" };

/** Builds host `name` (each test its own: late registrations of another build cannot mix in). */
async function build(v: Record<string, unknown>, name = "duel", flavor: "systemd" | "container" = "container", secrets: Record<string, string> = SECRETS) {
  const p = new Problems();
  const settings = duelSettings({ repo: "https://git.example/duel.git", ...v }, secrets, p);
  expect(p.list).toEqual([]);
  new DuelHost(name, { connection, flavor, address: connection.host, settings, secrets, databasePassword: "pw" });
  await new Promise((r) => setTimeout(r, 300));
  const mine = () => created.filter((c) => c.name.startsWith(`${name}-`));
  const by = (role: string) => mine().find((c) => c.name === `${name}-${role}`)!.inputs;
  return { by, names: mine().map((c) => c.name.slice(name.length + 1)) };
}

describe("DuelHost under mocks", () => {
  it("with the seeds' defaults: bun installed, its commands in the code step, the repository's ecosystem file, bookworm's cluster", async () => {
    const { by } = await build({}, "dflt");
    expect(by("bun").title).toBe("bun 1.4.5");
    const code = String(by("code").run);
    for (const line of ["'bun install --frozen-lockfile'", "'bun run build'", "'bun run migrate'", "ecosystem.config.cjs"]) expect(code).toContain(line);
    expect(String(by("pm2-ecosystem").content)).toContain('const file = "/root/hyperscape/ecosystem.config.cjs";');
    expect(String(by("pm2-ecosystem").content)).toContain('"STREAMING_DUEL_ENABLED": "true",');
    expect(by("postgresql-cluster").title).toBe("PostgreSQL 15/main running");
    expect(String(by("onstart").content)).toContain("pg_ctlcluster 15 main start");
  });

  it("gives the server its browser and GPU choice as seeds/000's ecosystem env: STREAM_CAPTURE_CHANNEL and STREAM_CAPTURE_ANGLE, no CHROME_FLAGS", async () => {
    const repo = String((await build({}, "brw")).by("pm2-ecosystem").content);
    expect(repo).toContain(`const hostform = {
  "PORT": "5555",
  "DUEL_DATABASE_MODE": "local",
  "USE_LOCAL_POSTGRES": "true",
  "POSTGRES_POOL_MAX": "20",
  "STREAM_PLATFORMS": "",
  "STREAM_CAPTURE_CHANNEL": "chrome-beta",
  "STREAM_CAPTURE_ANGLE": "default",
  "STREAMING_DUEL_ENABLED": "true",
  "DISPLAY": ":99",
};
`);
    const generated = String((await build({ angle: "vulkan", browser: { source: "debian", package: "chromium" }, app: { runtime: "node", ecosystem: "generated" } }, "brw2")).by("pm2-ecosystem").content);
    expect(generated).toContain(`        "STREAM_PLATFORMS": "",
        "STREAM_CAPTURE_ANGLE": "vulkan",
        "STREAMING_DUEL_ENABLED": "true",
        "DISPLAY": ":99",
      }, loadEnv("/tmp/hyperscape-secrets.env")),
`);
    for (const text of [repo, generated]) expect(text).not.toContain("CHROME_FLAGS");
  });

  it("runs seeds/000's port proxies as PM2 apps beside the server (socat), and up waits for /health through those to the server", async () => {
    const { by } = await build({}, "prx");
    expect(String(by("pm2-ecosystem").content)).toContain(`    env: Object.assign({}, app.env, hostform, loadEnv("/tmp/hyperscape-secrets.env")),
  })).concat([
  {"name":"proxy-server","cwd":"/root","script":"socat","args":["TCP-LISTEN:35143,reuseaddr,fork","TCP:127.0.0.1:5555"],"autorestart":true},
  {"name":"proxy-websocket","cwd":"/root","script":"socat","args":["TCP-LISTEN:35079,reuseaddr,fork","TCP:127.0.0.1:5555"],"autorestart":true},
  {"name":"proxy-cdn","cwd":"/root","script":"socat","args":["TCP-LISTEN:35144,reuseaddr,fork","TCP:127.0.0.1:8080"],"autorestart":true},
]),
});
`);
    expect(by("pm2-apps").apps).toEqual(["duel-arena", "proxy-server", "proxy-websocket", "proxy-cdn"]);
    expect(by("media").packages).toEqual(["ffmpeg", "xvfb", "socat"]);
    expect((by("health").checks as { name: string; url: string; app: string }[]).map((c) => [c.name, c.url, c.app])).toEqual([
      ["server", "http://127.0.0.1:5555/health", "duel-arena"],
      ["streaming", "http://127.0.0.1:5555/streaming/state", "duel-arena"],
      ["proxy-server", "http://127.0.0.1:35143/health", "proxy-server"],
      ["proxy-websocket", "http://127.0.0.1:35079/health", "proxy-websocket"],
    ]);
    // The sandbox's stacks: the server's own port, no proxy, no socat.
    const own = await build({ externalPorts: { server: 5555 }, app: { runtime: "node", ecosystem: "generated" } }, "prx2");
    expect(own.by("pm2-apps").apps).toEqual(["duel-arena"]);
    expect(own.by("media").packages).toEqual(["ffmpeg", "xvfb"]);
    expect(String(own.by("pm2-ecosystem").content)).not.toContain("socat");
  });

  it("health checks a remote database from the host (pg_isready, no password); a local one has no such check", async () => {
    const remote = await build({}, "rdb", "container", { DATABASE_URL: "postgresql://duel:pw-remote-SECRET@db.example.test:6543/arena", ADMIN_CODE: "a" });
    expect(remote.by("health").commands).toEqual([{ name: "database", command: remoteDatabaseScript({ host: "db.example.test", port: 6543, database: "arena", user: "duel" }) }]);
    expect(JSON.stringify(remote.by("health").commands)).not.toContain("pw-remote-SECRET");
    expect(remote.names).toContain("postgresql-client");
    expect((await build({}, "ldb")).by("health").commands).toBeUndefined();
  });

  it("on a systemd host runs as the unprivileged user hyperscape it creates: PM2 unit, Xvfb unit, secrets file, checkout", async () => {
    const { by } = await build({}, "sd", "systemd");
    expect(by("vm-user").title).toBe("user hyperscape");
    expect(String(by("vm-user").run)).toContain("useradd --create-home --shell /bin/bash hyperscape");
    expect(by("pm2-unit").name).toBe("pm2-hyperscape.service");
    expect(String(by("xvfb").content)).toContain("\nUser=hyperscape\nGroup=hyperscape\n");
    expect(by("secrets-file").owner).toBe("hyperscape");
    expect(String(by("secrets-restore").content)).toContain("-o hyperscape -g hyperscape ");
    expect(String(by("pm2-ecosystem").content)).toContain('const file = "/home/hyperscape/hyperscape/ecosystem.config.cjs";');
  });

  it("on a container host (Vast.ai) stays root by default; a stack's appUser wins on either flavor", async () => {
    expect((await build({}, "ct")).by("vm-user").title).toBe("user root");
    expect((await build({ appUser: "duel" }, "ctu")).by("vm-user").title).toBe("user duel");
    expect(String((await build({ appUser: "duel" }, "ctx")).by("onstart").content)).toContain("hostform-xvfb-supervisor /usr/bin/Xvfb :99 1920x1080x24 duel >>");
    expect((await build({ appUser: "root" }, "sdr", "systemd")).by("pm2-unit").name).toBe("pm2-root.service");
  });

  it("rotates PM2's logs: logrotate.timer on systemd, cron started at boot on a container (no timer there)", async () => {
    const ct = await build({}, "lrc");
    expect(ct.by("logrotate").packages).toEqual(["logrotate", "cron"]);
    expect(ct.by("logrotate-cron")).toMatchObject({ name: "cron", manager: "initd" });
    expect(ct.names).not.toContain("logrotate-timer");
    expect(String(ct.by("logrotate-config").content)).toContain("/root/.pm2/pm2.log /root/.pm2/logs/*.log {\n        su root root\n");
    const sd = await build({}, "lrs", "systemd");
    expect(sd.by("logrotate").packages).toEqual(["logrotate"]);
    expect(sd.by("logrotate-timer")).toMatchObject({ name: "logrotate.timer", manager: "systemd" });
    expect(String(sd.by("logrotate-config").content)).toContain("/home/hyperscape/.pm2/pm2.log /home/hyperscape/.pm2/logs/*.log {\n        su hyperscape hyperscape\n");
  });

  it("runtime node with a generated ecosystem: no bun, npm's commands, PM2 starts npm run start", async () => {
    const { by, names } = await build({ app: { runtime: "node", ecosystem: "generated" } }, "nd");
    expect(names).toContain("code");
    expect(names).not.toContain("bun");
    expect(String(by("code").run)).toContain("'npm ci --no-audit --no-fund --loglevel=error'");
    expect(String(by("pm2-ecosystem").content)).toContain('script: "npm",\n      args: ["run","start"],');
  });

  it("a new Node version reruns the code step and reloads PM2", async () => {
    const before = await build({}, "n20");
    const after = await build({ node: { version: "22.12.0" } }, "n22");
    expect(after.by("code").triggers).not.toEqual(before.by("code").triggers);
    expect((after.by("code").triggers as { node: string }).node).toBe("nodesource 22.12.0");
    expect(after.by("pm2-apps").ecosystemSha256).not.toBe(before.by("pm2-apps").ecosystemSha256);
  });
});
