/**
 * The Go provider (toolchain/provider) sends the same bash as the TypeScript kinds, byte for byte:
 * both sides are pinned against the same files. Its Go tests (`go test ./...` there) compare the
 * Go side with testdata/*.golden; this test compares the TypeScript side with the same files, and
 * the path guard and runner the Go provider embeds (bash/*.bash) with paths.ts and ssh.ts.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ensureDirectoryScript, observeDirectoryScript, removeDirectoryScript } from "../../components/host/kinds/directory";
import { fixModeScript, observeScript, removeScript, writeInput, writeScript } from "../../components/host/kinds/file";
import { keyedHash } from "../../components/host/keyed";
import { claimScript, othersScript, releaseScript } from "../../components/host/owners";
import { PATH_GUARD } from "../../components/host/paths";
import { remoteCommand, RUNNER } from "../../components/host/ssh";

const DIR = path.resolve(__dirname, "../../toolchain/provider");
const golden = (name: string) => readFileSync(path.join(DIR, "testdata", `${name}.golden`), "utf8");
const bash = (name: string) => readFileSync(path.join(DIR, "bash", `${name}.bash`), "utf8");

// The same hostile values as the Go tests (scripts_test.go).
const PATH = "/srv/it's $(whoami) dir";
const OWNER = "proj/stack/Directory/it's";
const connection = { host: "h", hostKey: "ssh-ed25519 AAAA" };
const CONTENT = "DB_PASSWORD='it''s'\n$(id) `id`\nünïcode\n";
const HASH_KEY = "0123456789abcdef".repeat(4);

describe("the Go provider's bash is the TypeScript kinds' bash", () => {
  it("path guard and runner", () => {
    expect(bash("path-guard")).toBe(PATH_GUARD);
    expect(bash("runner")).toBe(RUNNER);
  });

  it("directory scripts", () => {
    expect(observeDirectoryScript(PATH)).toBe(golden("directory-observe"));
    expect(ensureDirectoryScript({ connection, path: PATH, mode: "0750", owner: "www-data", group: "adm" })).toBe(golden("directory-ensure"));
    expect(removeDirectoryScript(PATH)).toBe(golden("directory-remove"));
  });

  it("file scripts: read back or not, write with and without a verify command, mode, remove", () => {
    expect(observeScript(PATH, true)).toBe(golden("file-observe"));
    expect(observeScript(PATH, false)).toBe(golden("file-observe-secret"));
    const verified = { connection, path: PATH, content: CONTENT, mode: "0640", owner: "www-data", group: "adm", verifyCommand: "nginx -t -c '/etc/x'", onChangeCommand: "systemctl reload nginx" };
    expect(writeScript(verified, true)).toBe(golden("file-write-verify"));
    expect(writeScript({ connection, path: PATH, content: CONTENT, secret: true }, false)).toBe(golden("file-write-secret"));
    expect(fixModeScript({ connection, path: PATH, content: CONTENT, mode: "640", owner: "www-data" })).toBe(golden("file-mode"));
    expect(removeScript(PATH)).toBe(golden("file-remove"));
  });

  it("a write's stdin (the content's sha256 first) and the keyed hash of secret content", () => {
    expect(writeInput(CONTENT)).toBe(golden("file-stdin"));
    expect(`${keyedHash(HASH_KEY, CONTENT)}\n`).toBe(golden("file-keyed"));
  });

  it("owner records", () => {
    const things = [`directory:${PATH}`];
    expect(claimScript(things, OWNER)).toBe(golden("owners-claim"));
    expect(othersScript(things, OWNER)).toBe(golden("owners-others"));
    expect(releaseScript(things, OWNER)).toBe(golden("owners-release"));
  });

  it("the exec's command line: runner, script and timeout as words; no data", () => {
    expect(remoteCommand("echo 'it''s'\nexit 3\n", 299.5, true)).toBe(golden("command-sudo"));
    expect(remoteCommand("true", 300, false)).toBe(golden("command-root"));
  });
});
