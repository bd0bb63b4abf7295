import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { file, type FileInputs } from "../../components/host/kinds/file";
import { step } from "../../components/host/kinds/step";
import { keyedHash, sha256 } from "../../components/host/keyed";
import { check } from "../../components/host/provider";
import { localSession } from "./local-session";

// Issue 10 item 5: state never holds an unkeyed hash of secret material.
const connection = { host: "h", hostKey: "ssh-ed25519 AAAA" };
const SECRET = "DB_PASSWORD='weak'\n";

/** Every string anywhere in a value. */
const strings = (v: unknown): string[] => (typeof v === "string" ? [v] : v && typeof v === "object" ? Object.values(v).flatMap(strings) : []);

describe("keyed hashes of secret material", () => {
  it("the provider gives a secret resource a random key on first check and keeps it after", async () => {
    const news = { connection, path: "/etc/x", content: SECRET, secret: true, hashKey: "" };
    const first = (await check("file", {} as never, news as never)).inputs as Record<string, unknown>;
    expect(first.hashKey).toMatch(/^[0-9a-f]{64}$/);
    const again = (await check("file", first as never, news as never)).inputs as Record<string, unknown>;
    expect(again.hashKey).toBe(first.hashKey);
    const other = (await check("file", {} as never, news as never)).inputs as Record<string, unknown>;
    expect(other.hashKey).not.toBe(first.hashKey);
  });

  it("a secret file's state and observation hold only the keyed hash", async () => {
    const key = "ab".repeat(32);
    const path = join(mkdtempSync(join(tmpdir(), "hf-keyed-")), "secret.env");
    const i: FileInputs = { connection, path, content: SECRET, secret: true, hashKey: key };
    await file.converge(localSession, i, await file.observe(localSession, i), false);
    const observed = await file.observe(localSession, i);
    const stored = file.toOutputs!(i);
    const kept = strings({ stored, observed });
    expect(kept).not.toContain(sha256(SECRET));
    expect(kept).not.toContain(SECRET);
    expect(stored.contentHmac).toBe(keyedHash(key, SECRET));
    expect(observed).toMatchObject({ exists: true, hmac: keyedHash(key, SECRET) });
    // Compared like for like: from state alone, and against the code's content.
    expect(file.drifted(stored as unknown as FileInputs, observed)).toEqual([]);
    expect(file.drifted(i, observed)).toEqual([]);
    expect(file.drifted({ ...i, content: "DB_PASSWORD='other'\n" }, observed)).toEqual(["content"]);
  });

  it("state written before keys (a plain sha256) still compares, and is rewritten keyed", () => {
    const legacy = { connection, path: "/etc/x", secret: true, contentSha256: sha256(SECRET), mode: "0600", owner: "root", group: "root" } as unknown as FileInputs;
    const observed = { exists: true, sha256: sha256(SECRET), mode: "0600", owner: "root", group: "root" };
    expect(file.drifted(legacy, observed)).toEqual([]);
    expect(file.drifted({ ...legacy, content: SECRET, hashKey: "cd".repeat(32) }, observed)).toEqual([]);
    expect(file.toOutputs!({ ...legacy, content: SECRET, hashKey: "cd".repeat(32) })).not.toHaveProperty("contentSha256");
  });

  it("a secret step's stdin is kept as a keyed hash: a change still reruns it", async () => {
    const base = { connection, title: "db role", check: "true", run: "cat", stdin: "ALTER ROLE app PASSWORD 'weak';", secret: true, hashKey: "ef".repeat(32) };
    const n = step.normalize!(base);
    const out = step.toOutputs!(n);
    expect(strings(out)).not.toContain(sha256(base.stdin));
    expect(out).not.toHaveProperty("stdin");
    expect(out.stdinHmac).toBe(keyedHash(base.hashKey, base.stdin));
    expect(step.normalize!({ ...base, stdin: "ALTER ROLE app PASSWORD 'new';" }).stdinHmac).not.toBe(out.stdinHmac);
    // What the provider hands back crosses the protocol's Struct, which has no undefined.
    const checked = await check("step", {} as never, { ...base, hashKey: "" } as never);
    const inputs = checked.inputs as Record<string, unknown>;
    expect(Object.entries(inputs).filter(([, v]) => v === undefined)).toEqual([]);
    expect(inputs).not.toHaveProperty("stdinSha256");
    // A plain stdin keeps its plain hash (nothing to guess).
    expect(step.normalize!({ ...base, secret: false, hashKey: undefined }).stdinSha256).toBe(sha256(base.stdin));
  });
});
