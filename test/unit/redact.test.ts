import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { redact as healthRedact } from "../../components/host/kinds/health";
import { envFileValues, MASK, redact, redactError, remember, secretForms } from "../../components/host/redact";

// A private key made at test time (no key-shaped text is committed), and one line of its body.
const PEM = generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString().trim();
const PEM_BODY = PEM.split("\n")[1]!;

// Each leak of issue 10 item 4, as an app would log it: no secret may survive.
const LEAKS: [string, string, string][] = [
  ["a JSON key", '{"user":"app","password":"hunter2-json","ok":true}', "hunter2-json"],
  ["a JSON key with spaces and escapes", '{"apiToken": "tok \\"en\\" 42"}', 'tok \\"en\\" 42'],
  ["ADMIN_CODE=", "booting with ADMIN_CODE=adm1n-c0de and more", "adm1n-c0de"],
  ["*_PASS=", "REDIS_PASS=r3dis-pass DB_PASS='db pass'", "r3dis-pass"],
  ["*_PASS= quoted", "REDIS_PASS=r3dis-pass DB_PASS='db pass'", "db pass"],
  ["redis://:pw@host", "connecting to redis://:redis-pw-9@cache:6379/0", "redis-pw-9"],
  ["a password holding @", "postgres://app:p@ss@w0rd@db.example:5432/app refused", "p@ss@w0rd"],
  ["an RTMP stream key (Twitch)", "ffmpeg -f flv rtmp://live.twitch.tv/app/live_123456_AbCdEf", "live_123456_AbCdEf"],
  ["an RTMP stream key (Kick, rtmps)", "pushing to rtmps://fa723fc1b171.global-contribute.live-video.net/app/sk_us-west-2_XyZ", "sk_us-west-2_XyZ"],
  ["a YAML-ish key", "secret_key: abcdef123", "abcdef123"],
  // Security review 3, previous 6 (P3): what still passed.
  ["the duel's own header", "curl -H 'x-admin-code: 424242' http://127.0.0.1:5555/admin", "424242"],
  ["Authorization: Token", "Authorization: Token 9f8e7d6c5b4a", "9f8e7d6c5b4a"],
  ["a Stripe key", "charging with sk_live_51HxYzAbCdEfGh12", "sk_live_51HxYzAbCdEfGh12"],
  ["a GitHub token", "cloning with ghp_abcdefghijklmnopqrstuvwxyz0123456789", "ghp_abcdefghijklmnopqrstuvwxyz0123456789"],
  ["a PEM private key", `key: ${PEM}`, PEM_BODY],
  ["a JWT", "session eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl expired", "eyJzdWIiOiIxIn0.c2lnbmF0dXJl"],
  ["password 'x' (SQL, prose)", "ALTER ROLE app PASSWORD 'hunter2'", "hunter2"],
  ["--password x", "pg_dump --password hunter2 --host db", "hunter2"],
];

describe("redaction of what hostform prints", () => {
  it.each(LEAKS)("masks %s", (_what, line, secret) => {
    const out = redact(line);
    expect(out).not.toContain(secret);
    expect(out).toContain(MASK);
  });

  it("keeps what is not a credential readable", () => {
    expect(redact("GET /health 200 in 3 ms; exit code: 1; user=app")).toBe("GET /health 200 in 3 ms; exit code: 1; user=app");
    expect(redact('{"user":"app","password":"x1"}')).toBe(`{"user":"app","password":"${MASK}"}`);
  });

  it("masks the stack's actual values anywhere, in every form they take, and not values too short to matter", () => {
    const url = "postgresql://duel:s%40fe%2Fpw-77@db:5432/duel";
    expect(secretForms(url)).toEqual([url, "postgresql://duel:s@fe/pw-77@db:5432/duel", encodeURIComponent(url), "s%40fe%2Fpw-77", "s@fe/pw-77"]);
    const line = "migration failed: password s@fe/pw-77 rejected (encoded s%40fe%2Fpw-77); code=opaque-admin-9; pool 20";
    const out = redact(line, [url, "opaque-admin-9", "20"]);
    for (const leak of ["s@fe/pw-77", "s%40fe%2Fpw-77", "opaque-admin-9"]) expect(out).not.toContain(leak);
    expect(out).toContain("pool 20");
    expect(healthRedact("the admin code is opaque-admin-9", ["opaque-admin-9"])).toBe(`the admin code is ${MASK}`);
  });

  it("masks a known value in its JSON-escaped and percent-encoded forms (previous 6)", () => {
    const out = redact('{"error":"bad password hun\\"ter ok"} and form p=p%C3%A4%20ss', ['hun"ter ok', "pä ss"]);
    expect(out).not.toContain('hun\\"ter');
    expect(out).not.toContain("p%C3%A4%20ss");
  });

  it("remembers the values of a secret env file for every later message of the run", () => {
    expect(envFileValues("A='it'\\''s'\nB=bare\n# comment\nexport C=\"q\"\n")).toEqual(["it's", "bare", "q"]);
    remember(envFileValues("JWT_SECRET='remembered-jwt-value'\n"));
    expect(redactError(new Error("deploy failed: token remembered-jwt-value expired")).message).toBe(`deploy failed: token ${MASK} expired`);
  });
});
