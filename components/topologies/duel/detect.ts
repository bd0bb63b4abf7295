/**
 * The duel stack's settings, read from its environment the way the deployment guide describes:
 * database mode (local or remote PostgreSQL) from DATABASE_URL, the connection pool size, and the
 * RTMP destinations from the stream keys present. Pure: no I/O, and no secret value ever enters
 * a return value or an error message.
 */

/** A bad duel setting. The message names the key and the fix, never the value. */
export class DuelConfigError extends Error {
  constructor(readonly key: string, problem: string) {
    super(`${key}: ${problem}`);
    this.name = "DuelConfigError";
  }
}

export interface DatabaseMode {
  readonly mode: "local" | "remote";
  /** The host without IPv6 brackets ("::1", "db.example.com"). */
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  /** What the app gets as USE_LOCAL_POSTGRES. */
  readonly useLocalPostgres: boolean;
}

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "0.0.0.0", "::1"]);
const URL_SHAPE = "postgresql://USER:PASSWORD@HOST:5432/DATABASE (percent-encode special characters of the password)";

/** Unset or empty: the guide's "not set". */
const given = (value: string | undefined): value is string => value !== undefined && value.trim() !== "";

/**
 * Local when DATABASE_URL points at this machine (the guide's triggers), remote otherwise;
 * DUEL_DATABASE_MODE=local|remote wins over the detection.
 */
export function databaseMode(env: { DATABASE_URL?: string; DUEL_DATABASE_MODE?: string }): DatabaseMode {
  const raw = env.DATABASE_URL;
  // The value holds a password: messages below describe it, they never quote it.
  if (!given(raw)) throw new DuelConfigError("DATABASE_URL", `is not set: put ${URL_SHAPE} in the secrets file`);
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new DuelConfigError("DATABASE_URL", `is not a URL (value not shown: it holds a password): write it as ${URL_SHAPE}`);
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
    throw new DuelConfigError("DATABASE_URL", `is not a postgres:// or postgresql:// URL (value not shown): write it as ${URL_SHAPE}`);
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  if (host === "") {
    throw new DuelConfigError("DATABASE_URL", `has no host (value not shown): write it as ${URL_SHAPE}, with localhost for a PostgreSQL on this machine`);
  }
  let database: string;
  let user: string;
  try {
    database = decodeURIComponent(url.pathname.replace(/^\//, ""));
    user = decodeURIComponent(url.username);
  } catch {
    throw new DuelConfigError("DATABASE_URL", `has a bad %-escape in its user or database name (value not shown): write it as ${URL_SHAPE}`);
  }
  if (database === "") {
    throw new DuelConfigError("DATABASE_URL", `has no database name (value not shown): end it with /DATABASE, as in ${URL_SHAPE}`);
  }
  if (database.includes("/")) {
    throw new DuelConfigError("DATABASE_URL", `has a path after the database name (value not shown): end it with /DATABASE, as in ${URL_SHAPE}`);
  }
  if (user === "") {
    throw new DuelConfigError("DATABASE_URL", `has no user (value not shown): write it as ${URL_SHAPE}`);
  }
  const port = url.port === "" ? 5432 : Number(url.port);
  if (port < 1) throw new DuelConfigError("DATABASE_URL", `has port 0 (value not shown): give the server's port (5432 by default), as in ${URL_SHAPE}`);

  let mode: "local" | "remote" = LOCAL_HOSTS.has(host.toLowerCase()) ? "local" : "remote";
  const override = env.DUEL_DATABASE_MODE;
  if (given(override)) {
    if (override !== "local" && override !== "remote") {
      throw new DuelConfigError("DUEL_DATABASE_MODE", `is ${JSON.stringify(override.slice(0, 40))}: set it to "local" or "remote", or leave it unset to detect the mode from DATABASE_URL's host`);
    }
    mode = override;
  }
  return { mode, host, port, database, user, useLocalPostgres: mode === "local" };
}

/** POSTGRES_POOL_MAX: 20 by default (10 agents × concurrent bank queries, plus the server's own). */
export function poolMax(env: { POSTGRES_POOL_MAX?: string }): number {
  const raw = env.POSTGRES_POOL_MAX;
  if (!given(raw)) return 20;
  const n = /^[1-9][0-9]*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n)) {
    throw new DuelConfigError("POSTGRES_POOL_MAX", `is ${JSON.stringify(raw.slice(0, 40))}: give a positive whole number of connections (20 by default), or leave it unset`);
  }
  return n;
}

export type Platform = "twitch" | "kick" | "youtube";

export interface StreamDestination {
  readonly platform: Platform;
  readonly url: string;
  /** The variable holding the stream key; the key itself stays in the environment. */
  readonly keyVar: string;
}

/** The guide's table, in detection order. */
const PLATFORMS: readonly { platform: Platform; keyVars: readonly string[]; urlVar: string; defaultUrl: string }[] = [
  { platform: "twitch", keyVars: ["TWITCH_STREAM_KEY", "TWITCH_RTMP_STREAM_KEY"], urlVar: "TWITCH_STREAM_URL", defaultUrl: "rtmp://live.twitch.tv/app" },
  { platform: "kick", keyVars: ["KICK_STREAM_KEY"], urlVar: "KICK_RTMP_URL", defaultUrl: "rtmps://fa723fc1b171.global-contribute.live-video.net/app" },
  { platform: "youtube", keyVars: ["YOUTUBE_STREAM_KEY", "YOUTUBE_RTMP_STREAM_KEY"], urlVar: "YOUTUBE_STREAM_URL", defaultUrl: "rtmp://a.rtmp.youtube.com/live2" },
];

function isRtmpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === "rtmp:" || url.protocol === "rtmps:") && url.hostname !== "";
  } catch {
    return false;
  }
}

/**
 * The RTMP destinations whose stream key is set, twitch, kick, youtube in that order. A URL
 * variable is checked only for a platform that streams; an unused one is left alone.
 */
export function streamDestinations(env: Readonly<Record<string, string | undefined>>): StreamDestination[] {
  const out: StreamDestination[] = [];
  for (const p of PLATFORMS) {
    const keyVar = p.keyVars.find((k) => given(env[k]));
    if (keyVar === undefined) continue;
    const custom = env[p.urlVar];
    const url = given(custom) ? custom.trim() : p.defaultUrl;
    // Not quoted: some providers put the key in the URL's path.
    if (!isRtmpUrl(url)) {
      throw new DuelConfigError(p.urlVar, `is not an rtmp:// or rtmps:// URL with a host (value not shown): give the ingest URL, or leave it unset for ${p.defaultUrl}`);
    }
    out.push({ platform: p.platform, url, keyVar });
  }
  return out;
}

export function enabledPlatforms(env: Readonly<Record<string, string | undefined>>): Platform[] {
  return streamDestinations(env).map((d) => d.platform);
}
