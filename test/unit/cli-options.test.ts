import { execFile } from "node:child_process";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { COMMANDS, DRIFT, DOCTOR, UP } from "../../scripts/cli/commands";
import { type CommandSpec, helpText, parseCommand, pulumiArgs, SHARED, UsageError } from "../../scripts/cli/options";

const SHARED_COLUMN = SHARED.map((f) => `${f.short ? `-${f.short}, ` : ""}--${f.name}${f.value ? ` <${f.value}>` : ""}`);

const ROOT = path.resolve(__dirname, "../..");
const BIN = path.join(ROOT, "bin/hostform");

/** The real entry point, as an operator runs it. */
function hostform(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(BIN, args, { cwd: ROOT, env: { ...process.env, NO_COLOR: "1" } }, (e, stdout, stderr) => {
      resolve({ code: e ? Number(e.code ?? 1) : 0, stdout, stderr });
    });
  });
}

const usage = (spec: CommandSpec, argv: string[]) => {
  try {
    parseCommand(spec, argv);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error(`parsed: ${argv.join(" ")}`);
};

describe("the shared command line", () => {
  it("reads the shared flags, the command's own and the words after --", () => {
    const p = parseCommand(DRIFT, ["-s", "prod", "--format=markdown", "--config-file", "/c.yaml", "--target", "u1", "-t", "u2", "--", "--parallel=2"]);
    expect(p).toEqual({
      command: "drift", help: false, stack: "prod", hosts: [], format: "markdown", positionals: [], rest: ["--parallel=2"],
      values: { stack: "prod", format: "markdown", "config-file": "/c.yaml", target: ["u1", "u2"] },
    });
    expect(pulumiArgs(p)).toEqual(["--stack", "prod", "--config-file", "/c.yaml", "--target", "u1", "--target", "u2", "--parallel=2"]);
    expect(parseCommand(DOCTOR, ["--stack", "dev", "--host", "a", "--host=b"]).hosts).toEqual(["a", "b"]);
  });

  it("takes --json as --format json, and the first format as the default", () => {
    expect(parseCommand(DRIFT, ["--stack", "s", "--json"]).format).toBe("json");
    expect(parseCommand(DRIFT, ["--stack", "s"]).format).toBe("text");
    expect(usage(DRIFT, ["--stack", "s", "--json", "--format", "text"])).toBe("--json and --format say different things; use --format");
  });

  it("says what is wrong, naming the flag", () => {
    expect(usage(DRIFT, ["--stack", "s", "--frob"])).toBe("unknown flag --frob");
    expect(usage(DRIFT, ["--stack", "s", "-x"])).toBe("unknown flag -x");
    expect(usage(DRIFT, ["--stack"])).toBe("--stack needs a value");
    expect(usage(DRIFT, ["-s"])).toBe("--stack needs a value");
    expect(usage(DRIFT, [])).toBe("--stack is required");
    expect(usage(UP, ["--yes=no"])).toBe("--yes takes no value");
    expect(usage(DRIFT, ["--stack", "s", "--format", "yaml"])).toBe('--format must be text, markdown, json for hostform drift, got "yaml"');
    expect(usage(DOCTOR, ["--stack", "s", "--format", "markdown"])).toBe('--format must be text, json for hostform doctor, got "markdown"');
    expect(usage(UP, ["--host", "a"])).toBe("hostform up does not take --host");
    expect(usage(UP, ["--format", "json"])).toBe("hostform up does not take --format");
    expect(usage(DRIFT, ["--stack", "s", "extra"])).toBe('hostform drift takes no argument "extra"');
  });

  it("--help needs none of the command's other flags", () => {
    expect(parseCommand(DRIFT, ["--help"]).help).toBe(true);
    expect(parseCommand(DOCTOR, ["-h"]).help).toBe(true);
    expect(parseCommand(DRIFT, ["--stack", "s", "--help"]).help).toBe(true);
  });

  it("prints a command's help from its declaration", () => {
    const spec: CommandSpec = {
      name: "demo", summary: "a demo", synopsis: "--stack <name>", about: ["What it does."], stack: "required", formats: ["json", "text"],
      flags: [{ name: "yes", short: "y", help: "no question" }], exits: "0 done",
    };
    expect(helpText(spec)).toBe([
      "usage: hostform demo --stack <name>",
      "  What it does.",
      "",
      "shared flags:",
      "  -s, --stack <name>                 the stack (Pulumi.<name>.yaml), required",
      "      --host <name>                  not used by this command",
      "      --format <text|markdown|json>  json, text (default json)",
      "  -h, --help                         this help",
      "",
      "flags:",
      "  -y, --yes  no question",
      "",
      "exit: 0 done; 2 usage error",
    ].join("\n"));
  });
});

// Each run starts tsx and loads the command table: seconds on a busy machine, more than the unit default.
describe("bin/hostform", { timeout: 120_000 }, () => {
  /** The flag column of the "shared flags" section. */
  const sharedLines = (text: string) => {
    const lines = text.split("\n");
    const from = lines.findIndex((l) => l.startsWith("shared flags")) + 1;
    const to = lines.indexOf("", from);
    return lines.slice(from, to < 0 ? undefined : to);
  };

  it("the shared flags are --stack/-s, --host, --format and --help/-h", () => {
    expect(SHARED_COLUMN).toEqual(["-s, --stack <name>", "--host <name>", "--format <text|markdown|json>", "-h, --help"]);
  });

  it("hostform --help lists every command and the shared flags, exit 0", async () => {
    const r = await hostform("--help");
    expect(r.code, r.stderr).toBe(0);
    for (const c of COMMANDS) expect(r.stdout).toMatch(new RegExp(`^  ${c.name} +${c.summary.slice(0, 20)}`, "m"));
    expect(sharedLines(r.stdout).map((l) => l.trim().split(/ {2,}/)[0])).toEqual(SHARED_COLUMN);
  });

  it("every hostform <command> --help exits 0 and lists the same shared flags", async () => {
    const runs = await Promise.all(COMMANDS.map((c) => hostform(c.name, "--help")));
    expect(COMMANDS.map((c) => c.name)).toEqual(["up", "preview", "drift", "doctor", "hosts", "sandbox", "bench"]);
    runs.forEach((r, i) => {
      const name = COMMANDS[i].name;
      expect(r.code, `${name}: ${r.stderr}`).toBe(0);
      expect(r.stdout.startsWith(`usage: hostform ${name} `), name).toBe(true);
      expect(sharedLines(r.stdout).map((l) => l.trim().split(/ {2,}/)[0]), name).toEqual(SHARED_COLUMN);
      expect(r.stdout, name).toContain("2 usage error");
    });
  });

  it("an unknown flag or command is exit 2, naming it and pointing at --help", async () => {
    const [flag, command, missing] = await Promise.all([hostform("drift", "--stack", "s", "--frob"), hostform("deploy"), hostform("doctor")]);
    expect(flag).toEqual({ code: 2, stdout: "", stderr: "hostform drift: unknown flag --frob\nsee: hostform drift --help\n" });
    expect(command.code).toBe(2);
    expect(command.stderr).toBe('hostform: unknown command "deploy"; the commands: up, preview, drift, doctor, hosts, sandbox, bench\nsee: hostform --help\n');
    expect(missing).toEqual({ code: 2, stdout: "", stderr: "hostform doctor: --stack is required\nsee: hostform doctor --help\n" });
  });

  it("bench loads outside vitest (its process helpers are test/e2e/commands.ts) and refuses a bad --prefix before it starts a host, exit 2", async () => {
    const r = await hostform("bench", "connections", "--prefix", "Pf");
    expect(r).toEqual({ code: 2, stdout: "", stderr: "hostform bench: --prefix Pf: a lower-case letter, then up to 7 letters or digits\nsee: hostform bench --help\n" });
  });
});
