import { spawn } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

// scripts/pulumi.sh keeps the sandbox passphrase's salt out of the committed Pulumi.sandbox.yaml:
// the CLI reads .state/Pulumi.sandbox.yaml (the salt line, then the committed file) through
// --config-file, and `stack` commands run in a project folder of their own in .state/.
const ROOT = path.resolve(__dirname, "../..");
const SALT = "encryptionsalt: v1:c2FsdA==:v1:aXY=:Y3Q=";
const TRACKED = "# the sandbox\nconfig:\n  hostform:x: one\n";

/** A checkout with scripts/pulumi.sh and the committed stack file; `pulumi` is what runs as the CLI. */
const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

function checkout(pulumi: { fake: string } | "real"): string {
  const dir = mkdtempSync(path.join(tmpdir(), "hostform-salt-"));
  dirs.push(dir);
  mkdirSync(path.join(dir, "scripts"));
  for (const f of ["scripts/pulumi.sh", "scripts/use-node.sh", "scripts/lazy-sdk.cjs"]) copyFileSync(path.join(ROOT, f), path.join(dir, f));
  writeFileSync(path.join(dir, "Pulumi.yaml"), "name: hostform-salt-test\nruntime: nodejs\n");
  writeFileSync(path.join(dir, "Pulumi.sandbox.yaml"), TRACKED);
  if (pulumi === "real") {
    symlinkSync(path.join(ROOT, ".toolchain"), path.join(dir, ".toolchain"));
  } else {
    mkdirSync(path.join(dir, ".toolchain/bin"), { recursive: true });
    writeFileSync(path.join(dir, ".toolchain/bin/pulumi"), pulumi.fake);
    chmodSync(path.join(dir, ".toolchain/bin/pulumi"), 0o755);
  }
  return dir;
}

/** Runs the wrapper without a passphrase or backend of the caller's: the sandbox's own are used. */
const run = (dir: string, args: string[], input = "") => new Promise<{ code: number | null; out: string }>((resolve) => {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("PULUMI_CONFIG_PASSPHRASE") && k !== "PULUMI_BACKEND_URL"));
  const child = spawn("bash", [path.join(dir, "scripts/pulumi.sh"), ...args], { cwd: dir, env, stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d) => { out += d; });
  child.stderr.on("data", (d) => { out += d; });
  child.on("close", (code) => resolve({ code, out }));
  child.stdin.end(input);
});

describe("scripts/pulumi.sh: the sandbox salt outside the committed stack file", () => {
  it("runs at the same time each read the salt once from .state/Pulumi.sandbox.yaml; the committed file never changes", async () => {
    // The fake CLI waits, then records its --config-file, the salt lines in it, and whether the
    // committed file is as committed.
    const dir = checkout({
      fake: '#!/bin/bash\nsleep "$2"\nwhile [ $# -gt 0 ]; do if [ "$1" = --config-file ]; then cfg=$2; fi; shift; done\n'
        + 'echo "$cfg $(grep -c "^encryptionsalt:" "$cfg") $(cmp -s committed.yaml Pulumi.sandbox.yaml && echo same)" >> seen\n',
    });
    writeFileSync(path.join(dir, "committed.yaml"), TRACKED);
    mkdirSync(path.join(dir, ".state"));
    writeFileSync(path.join(dir, ".state/sandbox.salt"), `${SALT}\n`); // where an older pulumi.sh kept it
    const runs = await Promise.all(["0.6", "0.1", "0.3", "0.2", "0.5"].map((s) => run(dir, ["preview", s, "--stack", "sandbox"])));
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0, 0, 0]);
    const line = `${dir}/.state/Pulumi.sandbox.yaml 1 same\n`;
    expect(readFileSync(path.join(dir, "seen"), "utf8")).toBe(line.repeat(5));
    expect(readFileSync(path.join(dir, ".state/Pulumi.sandbox.yaml"), "utf8")).toBe(`${SALT}\n${TRACKED}`);
    expect(readFileSync(path.join(dir, "Pulumi.sandbox.yaml"), "utf8")).toBe(TRACKED);
  });

  it("a change to the committed file reaches the generated one, which keeps its salt", async () => {
    const dir = checkout({ fake: "#!/bin/sh\n" });
    mkdirSync(path.join(dir, ".state"));
    writeFileSync(path.join(dir, ".state/Pulumi.sandbox.yaml"), `${SALT}\n${TRACKED}`);
    writeFileSync(path.join(dir, "Pulumi.sandbox.yaml"), `${TRACKED}  hostform:y: 2\n`);
    expect((await run(dir, ["up", "--stack", "sandbox"])).code).toBe(0);
    expect(readFileSync(path.join(dir, ".state/Pulumi.sandbox.yaml"), "utf8")).toBe(`${SALT}\n${TRACKED}  hostform:y: 2\n`);
  });

  it("with the real CLI: stack init, a secret set, read back and listed; only the asked-for key reaches the committed file", async () => {
    const dir = checkout("real");
    const init = await run(dir, ["stack", "init", "--stack", "sandbox", "--non-interactive"]);
    expect(init.code, init.out).toBe(0);
    expect(readFileSync(path.join(dir, "Pulumi.sandbox.yaml"), "utf8")).toBe(TRACKED);
    const generated = readFileSync(path.join(dir, ".state/Pulumi.sandbox.yaml"), "utf8");
    expect(generated).toMatch(/^encryptionsalt: v1:\S+\n# the sandbox\nconfig:\n {2}hostform:x: one\n$/);
    expect(existsSync(path.join(dir, ".state/.pulumi/stacks/hostform-salt-test/sandbox.json"))).toBe(true);

    const set = await run(dir, ["config", "set", "--secret", "test:token", "--stack", "sandbox", "--non-interactive"], "tok-SECRET");
    expect(set.code, set.out).toBe(0);
    const tracked = readFileSync(path.join(dir, "Pulumi.sandbox.yaml"), "utf8");
    expect(tracked).toMatch(/^# the sandbox\nconfig:\n {2}hostform:x: one\n {2}test:token:\n {4}secure: v1:\S+\n$/);
    expect(tracked).not.toContain("tok-SECRET");
    expect(readFileSync(path.join(dir, ".state/Pulumi.sandbox.yaml"), "utf8")).toBe(`${generated.split("\n")[0]}\n${tracked}`);

    const get = await run(dir, ["config", "get", "test:token", "--stack", "sandbox", "--non-interactive"]);
    expect([get.code, get.out]).toEqual([0, "tok-SECRET\n"]);
    const ls = await run(dir, ["stack", "ls", "--json"]);
    expect(ls.code, ls.out).toBe(0);
    expect((JSON.parse(ls.out) as { name: string }[]).map((s) => s.name)).toEqual(["sandbox"]);
    // `stack rm` without --preserve-config removes the copy in .state/, not the committed file.
    const rm = await run(dir, ["stack", "rm", "--stack", "sandbox", "--yes", "--non-interactive"]);
    expect(rm.code, rm.out).toBe(0);
    expect(readFileSync(path.join(dir, "Pulumi.sandbox.yaml"), "utf8")).toBe(tracked);
  });
});
