/**
 * A remote PostgreSQL (the duel stack's remote database mode: Neon, Railway…) answers, seen from
 * the host: `pg_isready` opens a real connection and reads the server's answer to the startup
 * packet. It needs no password, so no secret reaches the script: the server is checked, not the
 * credentials (a wrong password is "password authentication failed" in the app's log). Health and
 * the doctor run the same script and read the same verdict line.
 */
import { script } from "../../host/quote";

/** What the check connects to: DATABASE_URL's parts, without the password. */
export interface RemoteDatabase {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
}

/** How long pg_isready waits for the server (its --timeout); the whole check is bounded a little above it. */
export const DATABASE_TIMEOUT_SECONDS = 5;

/** What to do when the database does not answer (seeds/000 "Check database is accessible", "Verify connection string"). */
export const REMOTE_DATABASE_REMEDY = "check DATABASE_URL's host and port in hostform:duelSecrets, that the provider (Neon, Railway, ...) "
  + "allows connections from this host's address (its IP allowlist) and that the database is not paused, "
  + "and the provider's SSL requirement (add ?sslmode=require to DATABASE_URL when it asks for SSL)";

export type DatabaseVerdict = "accepting" | "rejecting" | "no-response" | "no-attempt" | "no-client";

/** `pg_isready`'s exit status → verdict: 0 accepting, 1 rejecting, 2 no response, 3 no attempt; timeout's 124 is no response. */
const VERDICTS: readonly (readonly [string, DatabaseVerdict])[] = [["0", "accepting"], ["1", "rejecting"], ["2|124", "no-response"], ["*", "no-attempt"]];

/** The message of each verdict; `at` names the server, never the password (the script never has it). */
function message(v: DatabaseVerdict, at: string): string {
  switch (v) {
    case "accepting": return `PostgreSQL at ${at} accepts connections`;
    case "rejecting": return `PostgreSQL at ${at} answers but rejects connections (starting up, shutting down or in recovery): wait, or read the provider's console`;
    case "no-response": return `PostgreSQL at ${at} did not answer (refused, unreachable, or silent for ${DATABASE_TIMEOUT_SECONDS} s): ${REMOTE_DATABASE_REMEDY}`;
    case "no-attempt": return `pg_isready made no attempt to reach ${at} (bad connection parameters): ${REMOTE_DATABASE_REMEDY}`;
    case "no-client": return "pg_isready is not installed (package postgresql-client): npm run up installs it in remote database mode";
  }
}

/**
 * Prints one line `<verdict>: <message>` and exits 0 only when the server accepts connections.
 * Check-only: it changes nothing on the host. Runs under `set -euo pipefail` (Health) and without -e (the doctor).
 */
export function remoteDatabaseScript(d: RemoteDatabase): string {
  const at = `${d.host}:${d.port} (database ${d.database})`;
  const line = (v: DatabaseVerdict) => script`echo ${`${v}: ${message(v, at)}`}`;
  const cases = VERDICTS.map(([codes, v]) => `  ${codes}) ${line(v)}${v === "accepting" ? "; exit 0" : ""} ;;`).join("\n");
  return `if ! command -v pg_isready >/dev/null; then ${line("no-client")}; exit 1; fi
rc=0
timeout ${DATABASE_TIMEOUT_SECONDS + 5} pg_isready -q ${script`${`--host=${d.host}`} ${`--port=${d.port}`} ${`--dbname=${d.database}`} ${`--username=${d.user}`}`} --timeout=${DATABASE_TIMEOUT_SECONDS} || rc=$?
case "$rc" in
${cases}
esac
exit 1
`;
}

export interface DatabaseProbe {
  readonly verdict: DatabaseVerdict | "unknown";
  /** The script's message, or what it printed instead. */
  readonly message: string;
}

/** The verdict line of remoteDatabaseScript's output (the last one); "unknown" when there is none. */
export function parseRemoteDatabase(lines: readonly string[]): DatabaseProbe {
  const found = lines.map((l) => /^(accepting|rejecting|no-response|no-attempt|no-client): (.*)$/.exec(l)).filter((m) => m !== null).at(-1);
  if (!found) return { verdict: "unknown", message: `the database check printed no verdict${lines.length ? `: ${lines.at(-1)}` : ""}` };
  return { verdict: found[1] as DatabaseVerdict, message: found[2] };
}
