import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { parseArgs, parseHostSpec, remoteCommand, shellQuote } from "../../scripts/sandbox/cli-args";

describe("parseArgs", () => {
  it("starts the default hosts when up has no arguments", () => {
    expect(parseArgs(["up"])).toEqual({
      cmd: "up",
      hosts: [{ name: "flatlogic", flavor: "systemd" }, { name: "duel", flavor: "container" }, { name: "metahuman", flavor: "systemd" }],
    });
  });

  it("parses name:flavor specs and drops exact duplicates", () => {
    expect(parseArgs(["up", "a:container", "b:systemd", "a:container"])).toEqual({
      cmd: "up",
      hosts: [{ name: "a", flavor: "container" }, { name: "b", flavor: "systemd" }],
    });
  });

  it("rejects the same host with two flavors", () => {
    expect(() => parseArgs(["up", "a:container", "a:systemd"])).toThrow(/different flavors/);
    expect(() => parseArgs(["up", "a:systemd:noble", "a:systemd"])).toThrow(/different flavors or releases/);
  });

  it("parses down, status, restart and rebuild", () => {
    expect(parseArgs(["down"])).toEqual({ cmd: "down" });
    expect(parseArgs(["down", "a", "b"])).toEqual({ cmd: "down", names: ["a", "b"] });
    expect(parseArgs(["down", "--all"])).toEqual({ cmd: "down", all: true });
    expect(() => parseArgs(["down", "--all", "a"])).toThrow(/^down --all takes no host names/);
    expect(parseArgs(["status"])).toEqual({ cmd: "status" });
    expect(parseArgs(["restart", "flatlogic"])).toEqual({ cmd: "restart", name: "flatlogic" });
    expect(() => parseArgs(["restart"])).toThrow(/exactly one host name/);
    expect(() => parseArgs(["restart", "a", "b"])).toThrow(/exactly one host name/);
    expect(parseArgs(["rebuild", "metahuman"])).toEqual({ cmd: "rebuild", name: "metahuman" });
    expect(() => parseArgs(["rebuild"])).toThrow(/exactly one host name/);
  });

  it("parses exec with and without --", () => {
    expect(parseArgs(["exec", "duel", "--", "ps", "-e"])).toEqual({ cmd: "exec", name: "duel", command: "ps -e" });
    expect(parseArgs(["exec", "duel", "--", "apt-get update && true"])).toEqual({
      cmd: "exec", name: "duel", command: "apt-get update && true",
    });
    expect(parseArgs(["exec", "duel", "uptime"])).toEqual({ cmd: "exec", name: "duel", command: "uptime" });
    expect(() => parseArgs(["exec", "duel", "--"])).toThrow(/missing command/);
  });

  it("shows help or rejects unknown commands", () => {
    expect(parseArgs([])).toEqual({ cmd: "help" });
    expect(parseArgs(["--help"])).toEqual({ cmd: "help" });
    expect(() => parseArgs(["destroy"])).toThrow(/unknown command "destroy"/);
  });
});

describe("parseHostSpec", () => {
  it("gives bare default names their default flavor, others systemd", () => {
    expect(parseHostSpec("duel")).toEqual({ name: "duel", flavor: "container" });
    expect(parseHostSpec("web9")).toEqual({ name: "web9", flavor: "systemd" });
  });

  it("takes a release after the flavor: Ubuntu 24.04 as noble", () => {
    expect(parseHostSpec("ub:systemd:noble")).toEqual({ name: "ub", flavor: "systemd", release: "noble" });
    expect(parseHostSpec("deb:container:bookworm")).toEqual({ name: "deb", flavor: "container", release: "bookworm" });
  });

  it("rejects bad flavors and names", () => {
    expect(() => parseHostSpec("a:docker")).toThrow(/bad flavor "docker"/);
    expect(() => parseHostSpec("a:systemd:x")).toThrow('bad release "x" in "a:systemd:x": expected bookworm or noble');
    expect(() => parseHostSpec("a:systemd:noble:x")).toThrow(/bad host spec/);
    expect(() => parseHostSpec("A:systemd")).toThrow(/invalid sandbox host name/);
  });
});

describe("remote command quoting", () => {
  const viaShell = (cmd: string) => execFileSync("sh", ["-c", cmd]).toString();

  it("keeps words intact through the remote shell", () => {
    expect(remoteCommand(["printf", "%s|", "a b", "it's", "$(id)"])).toBe(`printf '%s|' 'a b' 'it'\\''s' '$(id)'`);
    expect(viaShell(remoteCommand(["printf", "%s|", "a b", "it's", "$(id)", ""]))).toBe("a b|it's|$(id)||");
  });

  it("passes a single argument through as shell code", () => {
    expect(remoteCommand(["echo a && echo b"])).toBe("echo a && echo b");
  });

  it("quotes only when needed", () => {
    expect(shellQuote("/usr/bin/env")).toBe("/usr/bin/env");
    expect(shellQuote("")).toBe("''");
  });
});
