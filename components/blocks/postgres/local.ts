/**
 * PostgreSQL on the host itself (the duel stack's local database mode): the server package, the
 * cluster running (a systemd service, or pg_ctlcluster on hosts without an init system), and the
 * app's role and database. In remote mode only the client is installed.
 */
import * as pulumi from "@pulumi/pulumi";
import { script } from "../../host/quote";
import { AptPackages, Service, Step } from "../../host/resources";
import type { Connection } from "../../host/ssh";

/** Debian bookworm's cluster (what pgForFacts gives there). */
export const PG = { version: "15", cluster: "main" } as const;

export interface LocalPostgresArgs {
  readonly connection: pulumi.Input<Connection>;
  readonly flavor: "systemd" | "container";
  /** The app's role and database. */
  readonly user: string;
  readonly database: string;
  /** The role's password (secret): it reaches psql on stdin, inside the SQL. */
  readonly password: pulumi.Input<string>;
  /** The cluster the host's postgresql package creates (pgForFacts of its facts); PG by default. */
  readonly cluster?: pulumi.Input<{ readonly version: string; readonly cluster: string }>;
}

/** Server, running cluster, role and database; returns the database step (what the app waits for). */
export function localPostgres(name: string, a: LocalPostgresArgs, opts: pulumi.CustomResourceOptions & { parent: pulumi.Resource }): Step {
  const { connection } = a;
  const parent = { parent: opts.parent };
  const cl = pulumi.output(a.cluster ?? PG);
  const pg = new AptPackages(`${name}-postgresql`, { connection, packages: ["postgresql"] }, opts);
  const started = a.flavor === "systemd"
    ? new Service(`${name}-postgresql-service`, { connection, name: "postgresql", manager: "systemd" }, { ...parent, dependsOn: [pg] })
    : new Step(`${name}-postgresql-cluster`, {
      connection, title: cl.apply((c) => `PostgreSQL ${c.version}/${c.cluster} running`),
      // status exits 3 when the cluster is down: that is "not in place", not an error.
      check: cl.apply((c) => script`pg_ctlcluster ${c.version} ${c.cluster} status >/dev/null 2>&1 || exit 1`),
      run: cl.apply((c) => script`pg_ctlcluster ${c.version} ${c.cluster} start`),
    }, { ...parent, dependsOn: [pg] });
  return new Step(`${name}-database`, {
    connection, title: `database ${a.database} and role ${a.user}`,
    check: script`cd / && test "$(runuser -u postgres -- psql -tAc ${`select count(*) from pg_roles where rolname=${sqlLiteral(a.user)}`})" = 1 && test "$(runuser -u postgres -- psql -tAc ${`select count(*) from pg_database where datname=${sqlLiteral(a.database)}`})" = 1`,
    // The password reaches psql on stdin, inside the SQL: never a command line.
    run: "cd / && runuser -u postgres -- psql -q -v ON_ERROR_STOP=1 >/dev/null",
    stdin: pulumi.output(a.password).apply((pw) => createDatabaseSql(a.user, a.database, pw)),
    secret: true,
  }, { ...parent, dependsOn: [started] });
}

/** Remote mode: no server here, but migrations and operators still need psql. */
export function postgresClient(name: string, connection: pulumi.Input<Connection>, opts: pulumi.CustomResourceOptions): AptPackages {
  return new AptPackages(`${name}-postgresql-client`, { connection, packages: ["postgresql-client"] }, opts);
}

/** A SQL string literal: quotes doubled, so a name can never end the literal early. */
export const sqlLiteral = (x: string): string => `'${x.replace(/'/g, "''")}'`;

/** Idempotent SQL: the role (password set every time, so a changed secret applies) and its database. */
export function createDatabaseSql(user: string, database: string, password: string): string {
  const ident = (x: string) => `"${x.replace(/"/g, '""')}"`;
  const literal = sqlLiteral;
  return `SELECT 'CREATE ROLE ${ident(user).replace(/'/g, "''")} LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = ${literal(user)})\\gexec
ALTER ROLE ${ident(user)} WITH LOGIN PASSWORD ${literal(password)};
SELECT 'CREATE DATABASE ${ident(database).replace(/'/g, "''")} OWNER ${ident(user).replace(/'/g, "''")}' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = ${literal(database)})\\gexec
`;
}
