import { describe, expect, it } from "vitest";
import { databaseMode, DuelConfigError, enabledPlatforms, poolMax, streamDestinations } from "../../components/topologies/duel/detect";

const PASSWORD = "s3cr3t-Pa55";

/** The thrown DuelConfigError, checked to name `key` and to leave out every `hidden` string. */
function refusal(fn: () => unknown, key: string, hidden: string[] = []): DuelConfigError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(DuelConfigError);
  const error = caught as DuelConfigError;
  expect(error.key).toBe(key);
  expect(error.message.startsWith(`${key}: `)).toBe(true);
  for (const h of hidden) expect(error.message).not.toContain(h);
  expect(error.cause).toBeUndefined();
  return error;
}

describe("databaseMode", () => {
  it.each([
    ["localhost", `postgresql://duel:${PASSWORD}@localhost:5432/hyperscape`, "localhost", 5432],
    ["localhost in capitals", `postgresql://duel:${PASSWORD}@LocalHost/hyperscape`, "LocalHost", 5432],
    ["127.0.0.1", `postgres://duel:${PASSWORD}@127.0.0.1:5433/hyperscape`, "127.0.0.1", 5433],
    ["0.0.0.0", `postgres://duel:${PASSWORD}@0.0.0.0/hyperscape`, "0.0.0.0", 5432],
    ["::1 in URL form", `postgresql://duel:${PASSWORD}@[::1]:6543/hyperscape`, "::1", 6543],
  ])("is local for %s", (_, url, host, port) => {
    expect(databaseMode({ DATABASE_URL: url })).toEqual({
      mode: "local", host, port, database: "hyperscape", user: "duel", useLocalPostgres: true,
    });
  });

  it.each([
    ["a hosted name", `postgresql://duel:${PASSWORD}@ep-cool-rain-123.us-east-2.aws.neon.tech/neondb?sslmode=require`, "ep-cool-rain-123.us-east-2.aws.neon.tech", 5432, "neondb"],
    ["a name that starts with localhost", `postgresql://duel:${PASSWORD}@localhost.example.com/db`, "localhost.example.com", 5432, "db"],
    ["an IPv4 address", `postgres://duel:${PASSWORD}@10.231.3.2:5432/db`, "10.231.3.2", 5432, "db"],
    ["127.0.0.2", `postgres://duel:${PASSWORD}@127.0.0.2/db`, "127.0.0.2", 5432, "db"],
    ["an IPv6 address", `postgres://duel:${PASSWORD}@[2001:db8::5]:15432/db`, "2001:db8::5", 15432, "db"],
    ["a Railway-style port", `postgresql://postgres:${PASSWORD}@roundhouse.proxy.rlwy.net:41234/railway`, "roundhouse.proxy.rlwy.net", 41234, "railway"],
  ])("is remote for %s", (_, url, host, port, database) => {
    const got = databaseMode({ DATABASE_URL: url });
    expect(got).toEqual({ mode: "remote", host, port, database, user: got.user, useLocalPostgres: false });
  });

  it("decodes a percent-encoded user and database name", () => {
    expect(databaseMode({ DATABASE_URL: `postgresql://duel%40ops:${PASSWORD}@db.example.com/my%20db` })).toMatchObject({ user: "duel@ops", database: "my db" });
  });

  it("follows DUEL_DATABASE_MODE over the detection, both ways", () => {
    const local = `postgresql://duel:${PASSWORD}@localhost/hyperscape`;
    const remote = `postgresql://duel:${PASSWORD}@db.example.com/hyperscape`;
    expect(databaseMode({ DATABASE_URL: remote, DUEL_DATABASE_MODE: "local" })).toMatchObject({ mode: "local", host: "db.example.com", useLocalPostgres: true });
    expect(databaseMode({ DATABASE_URL: local, DUEL_DATABASE_MODE: "remote" })).toMatchObject({ mode: "remote", host: "localhost", useLocalPostgres: false });
    expect(databaseMode({ DATABASE_URL: local, DUEL_DATABASE_MODE: "" })).toMatchObject({ mode: "local" });
  });

  it.each(["Local", "auto", "neon", " remote"])("refuses DUEL_DATABASE_MODE=%j, naming the key and the choices", (value) => {
    const e = refusal(() => databaseMode({ DATABASE_URL: `postgresql://duel:${PASSWORD}@localhost/db`, DUEL_DATABASE_MODE: value }), "DUEL_DATABASE_MODE", [PASSWORD]);
    expect(e.message).toContain('set it to "local" or "remote"');
  });

  it.each([
    ["garbage", `not a url ${PASSWORD}`, "is not a URL"],
    ["an http:// URL", `http://duel:${PASSWORD}@db.example.com/db`, "is not a postgres:// or postgresql:// URL"],
    ["a mysql:// URL", `mysql://duel:${PASSWORD}@db.example.com/db`, "is not a postgres:// or postgresql:// URL"],
    ["no database", `postgresql://duel:${PASSWORD}@db.example.com`, "has no database name"],
    ["an empty database", `postgresql://duel:${PASSWORD}@db.example.com:5432/`, "has no database name"],
    ["a path after the database", `postgresql://duel:${PASSWORD}@db.example.com/db/x`, "has a path after the database name"],
    ["no user", `postgresql://:${PASSWORD}@db.example.com/db`, "has no user"],
    ["no host", `postgresql:///db?password=${PASSWORD}`, "has no host"],
    ["a port out of range", `postgresql://duel:${PASSWORD}@db.example.com:99999/db`, "is not a URL"],
    ["port 0", `postgresql://duel:${PASSWORD}@db.example.com:0/db`, "has port 0"],
    ["several hosts", `postgresql://duel:${PASSWORD}@h1:5432,h2:5432/db`, "is not a URL"],
    ["a bad %-escape", `postgresql://duel:${PASSWORD}@db.example.com/db%zz`, "bad %-escape"],
  ])("refuses %s without showing the value", (_, url, problem) => {
    const e = refusal(() => databaseMode({ DATABASE_URL: url }), "DATABASE_URL", [PASSWORD, url]);
    expect(e.message).toContain(problem);
    expect(e.message).toContain("postgresql://USER:PASSWORD@HOST:5432/DATABASE");
  });

  it("refuses a missing or empty DATABASE_URL, pointing at the secrets file", () => {
    for (const env of [{}, { DATABASE_URL: "" }, { DATABASE_URL: "  " }]) {
      expect(refusal(() => databaseMode(env), "DATABASE_URL").message).toBe(
        "DATABASE_URL: is not set: put postgresql://USER:PASSWORD@HOST:5432/DATABASE (percent-encode special characters of the password) in the secrets file",
      );
    }
  });
});

describe("poolMax", () => {
  it("is 20 unless set", () => {
    expect(poolMax({})).toBe(20);
    expect(poolMax({ POSTGRES_POOL_MAX: "" })).toBe(20);
    expect(poolMax({ POSTGRES_POOL_MAX: "35" })).toBe(35);
    expect(poolMax({ POSTGRES_POOL_MAX: "1" })).toBe(1);
  });

  it.each(["0", "-5", "2.5", "20 ", "twenty", "1e3", "020", "99999999999999999999"])("refuses %j, naming the key", (value) => {
    expect(refusal(() => poolMax({ POSTGRES_POOL_MAX: value }), "POSTGRES_POOL_MAX").message).toContain("give a positive whole number of connections (20 by default)");
  });
});

describe("streamDestinations", () => {
  const KEYS = { twitch: "live_123_twitchkey", kick: "sk_us-west-2_kickkey", youtube: "abcd-efgh-ijkl-yt" };

  it("finds nothing when no key is set, or keys are empty", () => {
    expect(streamDestinations({})).toEqual([]);
    expect(streamDestinations({ TWITCH_STREAM_KEY: "", KICK_STREAM_KEY: "", YOUTUBE_STREAM_KEY: " ", TWITCH_STREAM_URL: "rtmp://x/app" })).toEqual([]);
    expect(enabledPlatforms({ PATH: "/usr/bin" })).toEqual([]);
  });

  it.each([
    [{ TWITCH_STREAM_KEY: KEYS.twitch }, { platform: "twitch", url: "rtmp://live.twitch.tv/app", keyVar: "TWITCH_STREAM_KEY" }],
    [{ TWITCH_RTMP_STREAM_KEY: KEYS.twitch }, { platform: "twitch", url: "rtmp://live.twitch.tv/app", keyVar: "TWITCH_RTMP_STREAM_KEY" }],
    [{ KICK_STREAM_KEY: KEYS.kick }, { platform: "kick", url: "rtmps://fa723fc1b171.global-contribute.live-video.net/app", keyVar: "KICK_STREAM_KEY" }],
    [{ YOUTUBE_STREAM_KEY: KEYS.youtube }, { platform: "youtube", url: "rtmp://a.rtmp.youtube.com/live2", keyVar: "YOUTUBE_STREAM_KEY" }],
    [{ YOUTUBE_RTMP_STREAM_KEY: KEYS.youtube }, { platform: "youtube", url: "rtmp://a.rtmp.youtube.com/live2", keyVar: "YOUTUBE_RTMP_STREAM_KEY" }],
  ])("detects %o with the guide's default URL", (env, expected) => {
    expect(streamDestinations(env)).toEqual([expected]);
  });

  it("prefers the first key name when both are set, and falls back when the first is empty", () => {
    expect(streamDestinations({ TWITCH_STREAM_KEY: "a", TWITCH_RTMP_STREAM_KEY: "b" })[0].keyVar).toBe("TWITCH_STREAM_KEY");
    expect(streamDestinations({ TWITCH_STREAM_KEY: "", TWITCH_RTMP_STREAM_KEY: "b" })[0].keyVar).toBe("TWITCH_RTMP_STREAM_KEY");
  });

  it("lists twitch, kick, youtube in that order whatever the order of the keys, and never a key value", () => {
    const env = { YOUTUBE_STREAM_KEY: KEYS.youtube, KICK_STREAM_KEY: KEYS.kick, TWITCH_STREAM_KEY: KEYS.twitch };
    const found = streamDestinations(env);
    expect(found.map((d) => d.platform)).toEqual(["twitch", "kick", "youtube"]);
    expect(enabledPlatforms(env)).toEqual(["twitch", "kick", "youtube"]);
    const text = JSON.stringify(found);
    for (const key of Object.values(KEYS)) expect(text).not.toContain(key);
  });

  it("uses custom URLs, rtmp:// and rtmps://", () => {
    expect(streamDestinations({
      TWITCH_STREAM_KEY: "a", TWITCH_STREAM_URL: "rtmp://fra05.contribute.live-video.net/app",
      KICK_STREAM_KEY: "b", KICK_RTMP_URL: "rtmps://ingest.kick.example:443/app",
      YOUTUBE_RTMP_STREAM_KEY: "c", YOUTUBE_STREAM_URL: "rtmps://a.rtmps.youtube.com:443/live2",
    })).toEqual([
      { platform: "twitch", url: "rtmp://fra05.contribute.live-video.net/app", keyVar: "TWITCH_STREAM_KEY" },
      { platform: "kick", url: "rtmps://ingest.kick.example:443/app", keyVar: "KICK_STREAM_KEY" },
      { platform: "youtube", url: "rtmps://a.rtmps.youtube.com:443/live2", keyVar: "YOUTUBE_RTMP_STREAM_KEY" },
    ]);
  });

  it("uses the default URL when the URL variable is empty", () => {
    expect(streamDestinations({ KICK_STREAM_KEY: "b", KICK_RTMP_URL: "" })[0].url).toBe("rtmps://fa723fc1b171.global-contribute.live-video.net/app");
  });

  it.each([
    ["TWITCH_STREAM_URL", { TWITCH_STREAM_KEY: "a", TWITCH_STREAM_URL: "https://live.twitch.tv/app/secret-in-path" }],
    ["TWITCH_STREAM_URL", { TWITCH_RTMP_STREAM_KEY: "a", TWITCH_STREAM_URL: "ingest.example.net/app" }],
    ["KICK_RTMP_URL", { KICK_STREAM_KEY: "b", KICK_RTMP_URL: "rtmps:///app" }],
    ["YOUTUBE_STREAM_URL", { YOUTUBE_STREAM_KEY: "c", YOUTUBE_STREAM_URL: "srt://a.rtmp.youtube.com/live2" }],
  ])("refuses an invalid %s without showing it", (key, env) => {
    const url = Object.entries(env).find(([k]) => k === key)?.[1] ?? "";
    expect(refusal(() => streamDestinations(env), key, [url]).message).toContain("is not an rtmp:// or rtmps:// URL with a host");
  });

  it("leaves the URL of a platform without a key alone", () => {
    expect(streamDestinations({ TWITCH_STREAM_URL: "garbage", KICK_STREAM_KEY: "b" }).map((d) => d.platform)).toEqual(["kick"]);
  });
});
