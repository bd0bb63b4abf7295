import * as pulumi from "@pulumi/pulumi";
import { script } from "../host/quote";
import { AptPackages, File, Health, Service, Step, SystemdUnit } from "../host/resources";
import type { Connection } from "../host/ssh";
import type { NodeRuntime } from "../vm/node";
import { Pm2SystemdUnit } from "../vm/pm2";
import { SecretsFile } from "../vm/secrets";
import { VmHost } from "../vm/vmhost";
import { duelCodeCheck, duelCodeRun } from "./code";
import type { DatabaseMode, Platform } from "./detect";
import { browserFlags, duelApps, renderOnstart, renderRestoreSecretsUnit, renderXvfbUnit, xSocket } from "./render";

/** The duel stack's settings; defaults are the guides' (infra/config.ts, seeds/000 and 003). */
export interface DuelSettings {
  readonly repo: string;
  readonly ref: string;
  readonly appUser: string;
  readonly node: NodeRuntime;
  readonly pm2Version: string;
  readonly secretsPath: string;
  readonly secretsCanonical: string;
  readonly display: string;
  readonly screen: string;
  /** Chrome Beta from Google's repository, or a Debian package (the sandbox: chromium). */
  readonly browser: { readonly package: string; readonly source: "google" | "debian" };
  readonly angle: "angle" | "vulkan";
  readonly serverPort: number;
  /** The host's externally reachable ports (Vast.ai port proxies): what outputs point at. */
  readonly externalPorts: Readonly<Record<string, number>>;
  readonly database: DatabaseMode;
  readonly poolMax: number;
  readonly platforms: readonly Platform[];
  readonly gracefulTimeoutSeconds: number;
  readonly healthTimeoutSeconds: number;
}

export interface DuelHostArgs {
  readonly connection: pulumi.Input<Connection>;
  readonly flavor: "systemd" | "container";
  readonly address: string;
  readonly settings: DuelSettings;
  /** KEY → value of the secrets file (DATABASE_URL, ADMIN_CODE, stream keys…). */
  readonly secrets: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** The database password, for creating the local role (secret). */
  readonly databasePassword?: pulumi.Input<string>;
}

const PG = { version: "15", cluster: "main" };

/** The Hyperscape duel stack on a GPU host, with systemd or without it (Vast.ai). */
export class DuelHost extends pulumi.ComponentResource {
  readonly urls: Record<string, string>;
  readonly platforms: readonly Platform[];

  constructor(name: string, args: DuelHostArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hostform:duel:DuelHost", name, {}, opts);
    const s = args.settings;
    const connection = args.connection;
    const parent = { parent: this };
    const systemd = args.flavor === "systemd";
    const host = new VmHost(`${name}-vm`, { connection, flavor: args.flavor, appUser: s.appUser, node: s.node }, parent);
    const after = { ...parent, dependsOn: host.ready };
    const pm2Bin = "/opt/hostform/pm2/lib/node_modules/pm2/bin/pm2";
    const workspace = `${host.home}/hyperscape`;
    const local = s.database.mode === "local";

    const media = new AptPackages(`${name}-media`, { connection, packages: ["ffmpeg", "xvfb", ...(s.browser.source === "debian" ? [s.browser.package] : [])] }, after);
    const browser: pulumi.Resource[] = [media];
    if (s.browser.source === "google") {
      browser.push(new Step(`${name}-chrome`, {
        connection, title: `${s.browser.package} from Google's repository`,
        check: script`dpkg-query -W -f='\${db:Status-Status}' ${s.browser.package} 2>/dev/null | grep -qx installed`,
        run: script`install -d -m 0755 /etc/apt/keyrings
curl -fsSL https://dl.google.com/linux/linux_signing_key.pub | gpg --dearmor --yes -o /etc/apt/keyrings/google-chrome.gpg
echo 'deb [arch=amd64 signed-by=/etc/apt/keyrings/google-chrome.gpg] https://dl.google.com/linux/chrome/deb/ stable main' > /etc/apt/sources.list.d/google-chrome.list
apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${s.browser.package} >/dev/null`,
      }, after));
    }

    // The guide's ecosystem reads /tmp/hyperscape-secrets.env; /tmp is emptied at boot, so a
    // canonical copy outside /tmp is restored before PM2 starts (a unit, or onstart.sh).
    const canonical = new SecretsFile(`${name}-secrets-kept`, { connection, path: s.secretsCanonical, values: args.secrets, owner: "root" }, after);
    const runtime = new SecretsFile(`${name}-secrets`, { connection, path: s.secretsPath, values: args.secrets, owner: s.appUser }, after);
    const boot: pulumi.Resource[] = [canonical, runtime];

    const db: pulumi.Resource[] = [];
    if (local) {
      const pg = new AptPackages(`${name}-postgresql`, { connection, packages: ["postgresql"] }, after);
      const started = systemd
        ? new Service(`${name}-postgresql-service`, { connection, name: "postgresql", manager: "systemd" }, { ...parent, dependsOn: [pg] })
        : new Step(`${name}-postgresql-cluster`, {
          connection, title: `PostgreSQL ${PG.version}/${PG.cluster} running`,
          // status exits 3 when the cluster is down: that is "not in place", not an error.
          check: script`pg_ctlcluster ${PG.version} ${PG.cluster} status >/dev/null 2>&1 || exit 1`,
          run: script`pg_ctlcluster ${PG.version} ${PG.cluster} start`,
        }, { ...parent, dependsOn: [pg] });
      const d = s.database;
      db.push(new Step(`${name}-database`, {
        connection, title: `database ${d.database} and role ${d.user}`,
        check: script`cd / && test "$(runuser -u postgres -- psql -tAc ${`select count(*) from pg_roles where rolname='${d.user}'`})" = 1 && test "$(runuser -u postgres -- psql -tAc ${`select count(*) from pg_database where datname='${d.database}'`})" = 1`,
        // The password reaches psql on stdin, inside the SQL: never a command line.
        run: "cd / && runuser -u postgres -- psql -q -v ON_ERROR_STOP=1 >/dev/null",
        stdin: pulumi.output(args.databasePassword ?? "").apply((pw) => createDatabaseSql(d.user, d.database, pw)),
        secret: true,
      }, { ...parent, dependsOn: [started] }));
    }

    if (!local) {
      // Remote mode: no server here, but migrations and operators still need psql.
      db.push(new AptPackages(`${name}-postgresql-client`, { connection, packages: ["postgresql-client"] }, after));
    }

    const apps = duelApps({
      cwd: workspace, secretsFile: s.secretsPath, display: s.display,
      env: {
        PORT: String(s.serverPort), DUEL_DATABASE_MODE: s.database.mode, USE_LOCAL_POSTGRES: String(s.database.useLocalPostgres),
        POSTGRES_POOL_MAX: String(s.poolMax), STREAM_PLATFORMS: s.platforms.join(","), CHROME_FLAGS: browserFlags(s.angle).join(" "),
      },
    });
    if (systemd) {
      boot.push(new SystemdUnit(`${name}-secrets-restore`, { connection, name: "hyperscape-secrets.service", content: renderRestoreSecretsUnit({ canonical: s.secretsCanonical, runtime: s.secretsPath, user: s.appUser }) }, { ...parent, dependsOn: [canonical, runtime] }));
      boot.push(new SystemdUnit(`${name}-xvfb`, { connection, name: "xvfb.service", content: renderXvfbUnit({ display: s.display, screen: s.screen }) }, { ...parent, dependsOn: [media] }));
    } else {
      const onstart = new File(`${name}-onstart`, {
        connection, path: "/root/onstart.sh", mode: "0755",
        content: renderOnstart({ display: s.display, screen: s.screen, secretsCanonical: s.secretsCanonical, secretsRuntime: s.secretsPath, user: s.appUser, home: host.home, pm2Bin, nodeBinDir: host.nodeBinDir, ...(local ? { localPostgres: PG } : {}) }),
      }, { ...parent, dependsOn: [media, canonical, runtime, ...db] });
      boot.push(onstart, new Step(`${name}-xvfb`, {
        connection, title: `Xvfb ${s.display} running`,
        check: script`test -S ${xSocket(s.display)} && pgrep -x Xvfb >/dev/null`,
        // onstart.sh is the container's start script; its status also covers PM2, which comes
        // later in this run: the check that follows every step verifies Xvfb itself.
        run: "/root/onstart.sh >>/var/log/onstart.log 2>&1 || :",
      }, { ...parent, dependsOn: [onstart] }));
    }

    const code = new Step(`${name}-code`, {
      connection, title: `duel server at ${s.ref}`,
      // Migrations run in both modes: against the local cluster or the remote database.
      ...codeScripts(s, host, workspace, pm2Bin, true),
      triggers: { repo: s.repo, ref: s.ref },
    }, { ...parent, dependsOn: [...host.ready, ...boot, ...db] });

    const pm2 = new Pm2SystemdUnit(`${name}-pm2`, {
      host, version: s.pm2Version, apps, requires: systemd ? ["xvfb.service", "hyperscape-secrets.service"] : undefined,
      dependsOn: [code, ...browser, ...boot],
    }, parent);

    new Health(`${name}-health`, {
      connection, timeoutSeconds: s.healthTimeoutSeconds,
      checks: [
        { name: "server", url: `http://127.0.0.1:${s.serverPort}/health`, status: 200, app: "duel-arena" },
        { name: "streaming", url: `http://127.0.0.1:${s.serverPort}/streaming/state`, status: 200, app: "duel-arena" },
      ],
      pm2: { user: s.appUser, home: host.home, pm2Bin, nodeBinDir: host.nodeBinDir, apps: apps.map((a) => a.name) },
      generation: pulumi.all([code.appliedAt, pm2.ecosystem.appliedAt, pm2.apps.appliedAt]).apply((at) => at.join(" ")),
    }, { ...parent, dependsOn: [pm2] });

    this.platforms = s.platforms;
    const port = s.externalPorts.server ?? s.serverPort;
    this.urls = { health: `http://${args.address}:${port}/health`, streaming: `http://${args.address}:${port}/streaming/state` };
    this.registerOutputs({ urls: this.urls, platforms: this.platforms });
  }
}

function codeScripts(s: DuelSettings, host: VmHost, workspace: string, pm2Bin: string, migrate: boolean) {
  const a = {
    user: s.appUser, home: host.home, nodeBinDir: host.nodeBinDir, repo: s.repo, ref: s.ref, workspace, secretsFile: s.secretsPath,
    migrate, serverPort: s.serverPort, pm2Bin, gracefulTimeoutSeconds: s.gracefulTimeoutSeconds,
  };
  return { check: duelCodeCheck(a), run: duelCodeRun(a) };
}

/** Idempotent SQL: the role (password set every time, so a changed secret applies) and its database. */
export function createDatabaseSql(user: string, database: string, password: string): string {
  const ident = (x: string) => `"${x.replace(/"/g, '""')}"`;
  const literal = (x: string) => `'${x.replace(/'/g, "''")}'`;
  return `SELECT 'CREATE ROLE ${ident(user).replace(/'/g, "''")} LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = ${literal(user)})\\gexec
ALTER ROLE ${ident(user)} WITH LOGIN PASSWORD ${literal(password)};
SELECT 'CREATE DATABASE ${ident(database).replace(/'/g, "''")} OWNER ${ident(user).replace(/'/g, "''")}' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = ${literal(database)})\\gexec
`;
}
