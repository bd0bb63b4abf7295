import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { type AddressInfo } from "node:net";
import { arch, tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

// Issue 22: where get.pulumi.com answers (GitHub's runners, an operator's machine) the released CLI
// is installed, its archive checked against the release's checksums file first. A local HTTP
// server plays get.pulumi.com with a release of a made-up version; a stand-in `go` that records
// being called shows when the Go build was (not) used.
const ROOT = path.resolve(__dirname, "../..");
const VERSION = "9.9.9";
const ARCHIVE = `pulumi-v${VERSION}-linux-${arch() === "arm64" ? "arm64" : "x64"}.tar.gz`;
const SUMS = `pulumi-${VERSION}-checksums.txt`;
const dir = mkdtempSync(path.join(tmpdir(), "hf-release-"));
const fakeGo = path.join(dir, "fake-go");
const goCalled = path.join(dir, "go-called");

const files = new Map<string, Buffer>();
const asked: string[] = [];
let server: Server;
let base = "";

const sh = (cmd: string, args: string[], env: Record<string, string>): Promise<{ code: number; stderr: string }> =>
  new Promise((resolve) => {
    execFile(cmd, args, { env: { PATH: `${fakeGo}:/usr/bin:/bin`, HOME: dir, ...env }, encoding: "utf8" }, (e, _out, stderr) =>
      resolve({ code: e ? (typeof e.code === "number" ? e.code : 1) : 0, stderr }));
  });
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

beforeAll(async () => {
  // The release: pulumi/pulumi and pulumi/pulumi-language-nodejs, as upstream's archive has them.
  const release = path.join(dir, "release");
  mkdirSync(path.join(release, "pulumi"), { recursive: true });
  writeFileSync(path.join(release, "pulumi/pulumi"), `#!/bin/sh\necho v${VERSION}\n`, { mode: 0o755 });
  writeFileSync(path.join(release, "pulumi/pulumi-language-nodejs"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
  await sh("tar", ["-czf", path.join(dir, ARCHIVE), "-C", release, "pulumi"], {});
  files.set(ARCHIVE, readFileSync(path.join(dir, ARCHIVE)));
  mkdirSync(fakeGo);
  writeFileSync(path.join(fakeGo, "go"), `#!/bin/sh\ntouch "${goCalled}"\nexit 7\n`);
  chmodSync(path.join(fakeGo, "go"), 0o755);
  server = createServer((req, res) => {
    const name = (req.url ?? "").slice(1);
    asked.push(name);
    const body = files.get(name);
    res.writeHead(body ? 200 : 404).end(body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  asked.length = 0;
  rmSync(goCalled, { force: true });
  files.set(SUMS, Buffer.from(`${"0".repeat(64)}  pulumi-v${VERSION}-darwin-x64.tar.gz\n${sha256(files.get(ARCHIVE)!)}  ${ARCHIVE}\n`));
});

let n = 0;
const release = (env: Record<string, string> = {}) => {
  const bin = path.join(dir, `bin-${++n}`);
  return { bin, run: sh("bash", [path.join(ROOT, "scripts/install-pulumi-release.sh"), VERSION, bin], { HOSTFORM_PULUMI_RELEASES: base, ...env }) };
};

describe("scripts/install-pulumi-release.sh", () => {
  it("installs the CLI and the language host once the archive matches its checksum", async () => {
    const { bin, run } = release();
    const r = await run;
    expect(r.code, r.stderr).toBe(0);
    expect(asked).toEqual([SUMS, ARCHIVE]);
    expect(r.stderr).toBe(`[install-pulumi] released pulumi v${VERSION} installed (sha256 ${sha256(files.get(ARCHIVE)!)} checked against ${SUMS})\n`);
    expect(readFileSync(path.join(bin, "pulumi"), "utf8")).toBe(`#!/bin/sh\necho v${VERSION}\n`);
    expect(existsSync(path.join(bin, "pulumi-language-nodejs"))).toBe(true);
  });

  it("refuses an archive that does not match its checksum, and installs nothing", async () => {
    files.set(SUMS, Buffer.from(`${"ab".repeat(32)}  ${ARCHIVE}\n`));
    const { bin, run } = release();
    const r = await run;
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`ERROR: ${ARCHIVE} does not match its checksum (expected ${"ab".repeat(32)}, got ${sha256(files.get(ARCHIVE)!)}): nothing installed`);
    expect(existsSync(bin)).toBe(false);
  });

  it("refuses a checksums file without the archive's own line (a name that only contains it does not count)", async () => {
    files.set(SUMS, Buffer.from(`${sha256(files.get(ARCHIVE)!)}  old-${ARCHIVE}\n`));
    const { bin, run } = release();
    const r = await run;
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`ERROR: ${SUMS} has no line for ${ARCHIVE}: nothing installed`);
    expect(existsSync(bin)).toBe(false);
  });

  it("exits 3 when the release cannot be downloaded, so the caller may build from Go modules", async () => {
    const { bin, run } = release({ HOSTFORM_PULUMI_RELEASES: `${base}/missing` });
    const r = await run;
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`the released CLI v${VERSION} is not reachable at ${base}/missing`);
    expect(existsSync(bin)).toBe(false);
  });
});

describe("scripts/install-pulumi.sh takes the release first", () => {
  // A project root of its own: the two scripts, the language host's and the provider's sources.
  const project = () => {
    const root = mkdtempSync(path.join(dir, "root-"));
    mkdirSync(path.join(root, "scripts"));
    mkdirSync(path.join(root, "toolchain/langhost"), { recursive: true });
    for (const f of ["scripts/install-pulumi.sh", "scripts/install-pulumi-release.sh", "toolchain/langhost/main.go", "toolchain/langhost/go.mod"]) copyFileSync(path.join(ROOT, f), path.join(root, f));
    cpSync(path.join(ROOT, "toolchain/provider"), path.join(root, "toolchain/provider"), { recursive: true });
    return root;
  };
  const install = (root: string, env: Record<string, string>) =>
    sh("bash", [path.join(root, "scripts/install-pulumi.sh")], { PULUMI_VERSION: VERSION, PULUMI_CLOUDFLARE_VERSION: "0.0.1", HOSTFORM_PULUMI_RELEASES: base, ...env });

  it("installs the release without Go, and a second run downloads nothing", async () => {
    const root = project();
    const noGo = { PATH: "/usr/bin:/bin" };
    const first = await install(root, noGo);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain(`[install-pulumi] released pulumi v${VERSION} installed`);
    expect(first.stderr).toContain("[install-pulumi] pulumi-language-nodejs already installed");
    expect(first.stderr).toContain("[install-pulumi] WARNING: no Go toolchain on PATH: pulumi-resource-hostform-ssh v0.1.0 not built");
    expect(existsSync(goCalled)).toBe(false);
    asked.length = 0;
    const second = await install(root, noGo);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain(`[install-pulumi] pulumi v${VERSION} already installed`);
    expect(asked).toEqual([]);
    expect(existsSync(goCalled)).toBe(false);
  });

  it("never builds around a checksum that does not match", async () => {
    files.set(SUMS, Buffer.from(`${"ab".repeat(32)}  ${ARCHIVE}\n`));
    const r = await install(project(), {});
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("does not match its checksum");
    expect(existsSync(goCalled)).toBe(false);
  });

  it("builds from Go modules when the release is unreachable (auto), and fails under HOSTFORM_PULUMI_SOURCE=release", async () => {
    const auto = await install(project(), { HOSTFORM_PULUMI_RELEASES: `${base}/missing` });
    expect(auto.stderr).toContain("[install-pulumi] building from Go modules instead");
    expect(existsSync(goCalled)).toBe(true); // the stand-in go fails the build: the script stops there
    expect(auto.code).not.toBe(0);
    rmSync(goCalled);
    const strict = await install(project(), { HOSTFORM_PULUMI_RELEASES: `${base}/missing`, HOSTFORM_PULUMI_SOURCE: "release" });
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain("ERROR: HOSTFORM_PULUMI_SOURCE=release, and the release is not reachable");
    expect(existsSync(goCalled)).toBe(false);
  });
});
