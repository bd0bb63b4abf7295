/**
 * hostform as a library (docs/library.md): `npm pack` gives a tarball that an operator's own Pulumi
 * program installs and imports. The example program (examples/library), copied outside the checkout
 * with the tarball installed, type-checks against the shipped .d.ts, refuses a bad host before any
 * resource exists, deploys a host composed from blocks with the real CLI, changes nothing on a
 * second up, and is destroyed.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostExec, ROOT, run, sandbox, summary, TestStack } from "./harness";

const HOST = "lb-lib-ctr";
const work = mkdtempSync(path.join(tmpdir(), "hostform-library-"));
const PROGRAM = path.join(work, "program");

describe("hostform as a library in an operator's own program", () => {
  let stack: TestStack;
  let entry: Record<string, unknown>;

  beforeAll(async () => {
    const [h] = await sandbox.up([{ name: HOST, flavor: "container" }]);
    entry = { name: HOST, flavor: "container", address: h.address, port: h.port, user: h.user, hostKey: h.hostPublicKey, privateKeyPath: h.privateKeyPath };
    const packed = await run("npm", ["pack", "--pack-destination", work], { cwd: ROOT });
    expect(packed.code, packed.all).toBe(0);
    const tarball = readdirSync(work).find((f) => /^hostform-.*\.tgz$/.test(f));
    expect(tarball, packed.all).toBeDefined();
    cpSync(path.join(ROOT, "examples/library"), PROGRAM, { recursive: true });
    const pkgFile = path.join(PROGRAM, "package.json");
    const pkg = JSON.parse(readFileSync(pkgFile, "utf8"));
    pkg.dependencies.hostform = `file:../${tarball}`;
    writeFileSync(pkgFile, JSON.stringify(pkg, null, 2));
    const installed = await run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline"], { cwd: PROGRAM });
    expect(installed.code, installed.all).toBe(0);
    stack = new TestStack(PROGRAM);
    await stack.init();
  });
  afterAll(async () => {
    await sandbox.down([HOST]);
    stack?.remove();
    rmSync(work, { recursive: true, force: true });
  });

  it("ships compiled JavaScript and types, and no TypeScript source", async () => {
    const pkg = path.join(PROGRAM, "node_modules/hostform");
    const tsc = await run(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "."], { cwd: PROGRAM });
    expect(tsc.code, tsc.all).toBe(0);
    const listed = await run("find", [pkg, "-name", "*.ts", "!", "-name", "*.d.ts"]);
    expect(listed.stdout).toBe("");
    // The provider process finds the implementation by package name, from the program's folder.
    const provider = await run(process.execPath, ["-e", "console.log(Object.keys(require('@hostform/provider')).includes('create'))"], { cwd: PROGRAM });
    expect(provider.stdout, provider.all).toBe("true\n");
  });

  it("refuses a bad host with the stack config's message before anything is created", async () => {
    stack.setConfig({ "hostform-library-example:host": { ...entry, hostKey: "AAAA", port: 70000 } });
    expect((await stack.pulumi("config", "set", "--secret", "hostform-library-example:apiToken", "lb-SECRET-token")).code).toBe(0);
    const bad = await stack.up();
    expect(bad.code).not.toBe(0);
    expect(bad.all).toContain("hostform: the stack config has 2 problems:");
    expect(bad.all).toContain('hostform:hosts[0].port must be a TCP port number, got 70000');
    expect(bad.all).toContain('hostform:hosts[0].hostKey: not an SSH public host key: expected "ssh-ed25519 AAAA…" (as in known_hosts or ssh-keyscan output), got "AAAA"');
    expect(await hostExec(HOST, "id web >/dev/null 2>&1 && echo web || echo none; test -e /etc/apache2 && echo apache || echo no-apache")).toBe("none\nno-apache\n");
  });

  it("deploys a host composed from blocks, changes nothing on a second up, and is destroyed", async () => {
    const config = readFileSync(stack.configFile, "utf8");
    const token = /apiToken:\n\s+secure: (\S+)/.exec(config)?.[1];
    expect(token).toBeDefined();
    stack.setConfig({
      "hostform-library-example:host": entry, "hostform-library-example:apiToken": { secure: token },
      "hostform-library-example:greeting": "hello from lb",
      "hostform-library-example:node": { source: "npm-registry" },
    });
    const first = await stack.up();
    expect(first.code, first.all).toBe(0);
    expect(await hostExec(HOST, "curl -s http://127.0.0.1/")).toBe("hello from lb (token set)\n");
    expect(await hostExec(HOST, "stat -c '%a %U' /home/web/app/app.env; grep -c '^API_TOKEN=' /home/web/app/app.env")).toBe("600 web\n1\n");

    const second = await stack.up();
    expect(second.code, second.all).toBe(0);
    const counts = summary(second.all);
    expect(Object.keys(counts)).toEqual(["unchanged"]);
    expect(counts.unchanged).toBeGreaterThan(10);

    const gone = await stack.destroy();
    expect(gone.code, gone.all).toBe(0);
    expect(summary(gone.all).deleted).toBe(counts.unchanged);
    expect(stack.output).not.toContain("lb-SECRET-token");
  });
});
