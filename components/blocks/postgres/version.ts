/**
 * Which PostgreSQL a host's distribution ships, from its facts (os-release ID and VERSION_ID):
 * the major version and the cluster `postgresql` creates. postgresql-common derives every path
 * from these two (/etc/postgresql/<v>/<cluster>, /var/lib/postgresql/<v>/<cluster>, its log), and
 * so does hostform (pg_ctlcluster, onstart.sh's log hint).
 */
import type { Facts } from "../../host/kinds/facts";

export interface PgCluster {
  readonly version: string;
  readonly cluster: string;
}

/** The `postgresql` metapackage's major per release (Debian 11–13, Ubuntu 20.04–24.04 LTS). */
const SHIPPED: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  debian: { "11": "13", "12": "15", "13": "17" },
  ubuntu: { "20.04": "12", "22.04": "14", "24.04": "16" },
};

export function pgCluster(version: string, cluster = "main"): PgCluster {
  return { version, cluster };
}

/** The cluster the host's `postgresql` package creates; an unknown release is refused with the fix. */
export function pgForFacts(f: Pick<Facts, "id" | "version">): PgCluster {
  const version = SHIPPED[f.id]?.[f.version];
  if (version === undefined) {
    const known = Object.entries(SHIPPED).flatMap(([id, v]) => Object.keys(v).map((r) => `${id} ${r}`));
    throw new Error(`no known PostgreSQL for ${f.id} ${f.version || "(no VERSION_ID)"}: hostform knows ${known.join(", ")}`);
  }
  return pgCluster(version);
}
