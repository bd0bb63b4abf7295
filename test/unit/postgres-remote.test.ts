import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseRemoteDatabase, REMOTE_DATABASE_REMEDY, remoteDatabaseScript } from "../../components/blocks/postgres/remote";

// Issue 23 item 10 (H55): a remote database is checked from the host, with pg_isready (no password).
const NEON = { host: "ep-x-1.eu-central-1.aws.neon.tech", port: 5432, database: "duel", user: "duel" };
const AT = "ep-x-1.eu-central-1.aws.neon.tech:5432 (database duel)";
const REMEDY = "check DATABASE_URL'\\''s host and port in hostform:duelSecrets, that the provider (Neon, Railway, ...) allows connections from this host'\\''s address (its IP allowlist) and that the database is not paused, and the provider'\\''s SSL requirement (add ?sslmode=require to DATABASE_URL when it asks for SSL)";

const dir = mkdtempSync(path.join(tmpdir(), "pg-remote-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the script as Health does (bash -euo pipefail), with `bin` first on PATH. */
function runScript(script: string, bin?: string) {
  const r = spawnSync("bash", ["-euo", "pipefail", "-c", script], { encoding: "utf8", env: { ...process.env, PATH: `${bin ? `${bin}:` : ""}${process.env.PATH}` } });
  return { status: r.status, out: r.stdout + r.stderr };
}

describe("remote database check", () => {
  it("renders the exact script: pg_isready with the host, port, database and user, never a password", () => {
    expect(remoteDatabaseScript(NEON)).toBe(`if ! command -v pg_isready >/dev/null; then echo 'no-client: pg_isready is not installed (package postgresql-client): npm run up installs it in remote database mode'; exit 1; fi
rc=0
timeout 10 pg_isready -q --host=ep-x-1.eu-central-1.aws.neon.tech --port=5432 --dbname=duel --username=duel --timeout=5 || rc=$?
case "$rc" in
  0) echo 'accepting: PostgreSQL at ${AT} accepts connections'; exit 0 ;;
  1) echo 'rejecting: PostgreSQL at ${AT} answers but rejects connections (starting up, shutting down or in recovery): wait, or read the provider'\\''s console' ;;
  2|124) echo 'no-response: PostgreSQL at ${AT} did not answer (refused, unreachable, or silent for 5 s): ${REMEDY}' ;;
  *) echo 'no-attempt: pg_isready made no attempt to reach ${AT} (bad connection parameters): ${REMEDY}' ;;
esac
exit 1
`);
  });

  it("quotes a hostile host as one word", () => {
    const s = remoteDatabaseScript({ ...NEON, host: "db; touch /tmp/pwned" });
    expect(s).toContain("pg_isready -q '--host=db; touch /tmp/pwned' --port=5432");
  });

  it("maps each pg_isready exit status to its verdict line, exit 0 only when accepting", () => {
    const fake = (code: number) => {
      const bin = mkdtempSync(path.join(dir, "bin-"));
      writeFileSync(path.join(bin, "pg_isready"), `#!/bin/sh\nexit ${code}\n`);
      chmodSync(path.join(bin, "pg_isready"), 0o755);
      return runScript(remoteDatabaseScript(NEON), bin);
    };
    const verdicts = [0, 1, 2, 3].map((code) => { const r = fake(code); return [r.status, parseRemoteDatabase(r.out.trimEnd().split("\n")).verdict]; });
    expect(verdicts).toEqual([[0, "accepting"], [1, "rejecting"], [1, "no-response"], [1, "no-attempt"]]);
  });

  it("says the client is missing when pg_isready is not on PATH", () => {
    const r = spawnSync("/bin/bash", ["-euo", "pipefail", "-c", remoteDatabaseScript(NEON)], { encoding: "utf8", env: { PATH: "/nonexistent" } });
    expect(r.status).toBe(1);
    expect(parseRemoteDatabase(r.stdout.trimEnd().split("\n"))).toEqual({
      verdict: "no-client", message: "pg_isready is not installed (package postgresql-client): npm run up installs it in remote database mode",
    });
  });

  const hasClient = spawnSync("bash", ["-c", "command -v pg_isready"]).status === 0;
  it.runIf(hasClient)("with the real client: a closed port is no response, naming host:port and the remedy", async () => {
    const server: Server = createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const port = (server.address() as { port: number }).port;
    await new Promise((r) => server.close(r));
    const r = runScript(remoteDatabaseScript({ host: "127.0.0.1", port, database: "duel", user: "duel" }));
    expect(r.status).toBe(1);
    expect(parseRemoteDatabase(r.out.trimEnd().split("\n"))).toEqual({
      verdict: "no-response",
      message: `PostgreSQL at 127.0.0.1:${port} (database duel) did not answer (refused, unreachable, or silent for 5 s): ${REMOTE_DATABASE_REMEDY}`,
    });
  });

  it("parses the last verdict line, and says so when there is none", () => {
    expect(parseRemoteDatabase(["noise", "accepting: PostgreSQL at h:5432 (database d) accepts connections"])).toEqual({
      verdict: "accepting", message: "PostgreSQL at h:5432 (database d) accepts connections",
    });
    expect(parseRemoteDatabase(["no-response: first", "rejecting: second"]).verdict).toBe("rejecting");
    expect(parseRemoteDatabase(["bash: line 3: timeout: command not found"])).toEqual({
      verdict: "unknown", message: "the database check printed no verdict: bash: line 3: timeout: command not found",
    });
    expect(parseRemoteDatabase([])).toEqual({ verdict: "unknown", message: "the database check printed no verdict" });
  });
});
