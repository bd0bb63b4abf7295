import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CHANGED_SECRET, file, type FileInputs, parseObserved, sha256, UNCHANGED_SECRET, writeInput, writeScript } from "../../components/host/kinds/file";
import { localSession } from "./local-session";

const connection = { host: "h", hostKey: "ssh-ed25519 AAAA" };
const dir = () => mkdtempSync(join(tmpdir(), "hf-file-"));

describe("file kind: parse", () => {
  it("parses stat, hash and read-back content", () => {
    const out = `regular file|640|www-data|adm|5\n${"a".repeat(64)}\ncontent=${Buffer.from("hello").toString("base64")}`;
    expect(parseObserved(out)).toEqual({ exists: true, sha256: "a".repeat(64), mode: "0640", owner: "www-data", group: "adm", content: "hello" });
    expect(parseObserved("absent\n")).toEqual({ exists: false });
  });

  it("refuses to manage something that is not a regular file", () => {
    expect(() => parseObserved("directory|755|root|root|4096\nx\n")).toThrow(/expected a regular file, found a directory/);
  });
});

describe("file kind against the local shell", () => {
  it("writes atomically with owner and mode, then observes exactly what it wrote", async () => {
    const path = join(dir(), "sub dir", "it's $(whoami); x.conf");
    const i: FileInputs = { connection, path, content: "line 1\n$(id) `id`\n", mode: "0640" };
    const before = await file.observe(localSession, i);
    expect(file.drifted(i, before)).toEqual(["content"]);
    await file.converge(localSession, i, before, false);
    expect(readFileSync(path, "utf8")).toBe("line 1\n$(id) `id`\n");
    expect((statSync(path).mode & 0o777).toString(8)).toBe("640");
    const after = await file.observe(localSession, i);
    expect(file.drifted(i, after)).toEqual([]);
    expect(after.content).toBe(i.content);
  });

  it("sees mode drift and repairs it without rewriting", async () => {
    const path = join(dir(), "f");
    const i: FileInputs = { connection, path, content: "x\n" };
    await file.converge(localSession, i, await file.observe(localSession, i), false);
    localSession.exec(`chmod 0666 '${path}'`);
    const drifted = await file.observe(localSession, i);
    expect(file.drifted(i, drifted)).toEqual(["mode"]);
    expect(file.asInputs(i, drifted).mode).toBe("0666");
    await file.converge(localSession, i, drifted, false);
    expect((statSync(path).mode & 0o777).toString(8)).toBe("644");
  });

  it("puts the old file back when the verify command fails, and never runs onChange", async () => {
    const d = dir();
    const path = join(d, "site.conf");
    writeFileSync(path, "good\n");
    const i: FileInputs = { connection, path, content: "broken\n", verifyCommand: `grep -q good '${path}'`, onChangeCommand: `touch '${d}/reloaded'` };
    await expect(localSession.run("write", writeScript(i, true), writeInput(i.content))).rejects.toThrow(/previous file was put back/);
    expect(readFileSync(path, "utf8")).toBe("good\n");
    expect(() => statSync(join(d, "reloaded"))).toThrow();
  });

  it("content cut short on the way (a dropped connection) is never installed: the old file stays, no temporary file is left", async () => {
    const d = dir();
    const path = join(d, "app.env");
    writeFileSync(path, "KEY=old\n");
    const i: FileInputs = { connection, path, content: "KEY=new value\nOTHER=x\n" };
    await expect(localSession.run("write", writeScript(i, true), writeInput(i.content).slice(0, -12))).rejects.toThrow(/arrived incomplete \(its sha256 is not the one sent\): .*app\.env was left as it was/);
    expect(readFileSync(path, "utf8")).toBe("KEY=old\n");
    expect(readdirSync(d)).toEqual(["app.env"]);
    await localSession.run("write", writeScript(i, true), writeInput(i.content));
    expect(readFileSync(path, "utf8")).toBe(i.content);
  });

  it("secret files: never read back, default 0600, drift shown without content", async () => {
    const path = join(dir(), "secret.env");
    const i: FileInputs = { connection, path, content: "TOKEN=s3cr3t\n", secret: true };
    await file.converge(localSession, i, await file.observe(localSession, i), false);
    const o = await file.observe(localSession, i);
    expect(o.content).toBeUndefined();
    expect(o.mode).toBe("0600");
    expect(file.toOutputs!(i)).toEqual({ connection, path, secret: true, contentSha256: sha256("TOKEN=s3cr3t\n") });
    const stored = file.toOutputs!(i) as unknown as FileInputs;
    expect(file.drifted(stored, o)).toEqual([]);
    expect(file.asInputs(stored, o).content).toBe(UNCHANGED_SECRET);
    writeFileSync(path, "TOKEN=other\n");
    const changed = await file.observe(localSession, i);
    expect(file.drifted(stored, changed)).toEqual(["content"]);
    expect(file.asInputs(stored, changed).content).toBe(CHANGED_SECRET);
  });

  it("validation names the property and the fix", () => {
    expect(file.validate({ connection, path: "relative", content: "", mode: "777x", owner: "x; id" })).toEqual([
      { property: "path", reason: 'must be an absolute file path without newlines or .. segments, got "relative"' },
      { property: "mode", reason: 'must be octal like "0644", got "777x"' },
      { property: "owner", reason: 'must be a user/group name, got "x; id"' },
    ]);
  });
});
