import { describe, expect, it } from "vitest";
import { parseArgs } from "../../scripts/hosts/args";

const FP = "SHA256:78TQdBDqZoKimLJSnxAM8pW3e0GxvyQuIQNNGSiHPEk";

describe("hosts arguments", () => {
  it("pin: address, defaults, and every option", () => {
    expect(parseArgs(["pin", "198.51.100.7", "--stack", "prod"])).toEqual({ cmd: "pin", stack: "prod", address: "198.51.100.7", port: 22, yes: false, replace: false });
    expect(parseArgs(["pin", "h.example", "--port=2222", "--stack", "staging", "--host", "duel-1", "--yes", "--expect-fingerprint", FP, "--replace", "--config-file", "/tmp/s.yaml"])).toEqual({
      cmd: "pin", stack: "staging", configFile: "/tmp/s.yaml", address: "h.example", port: 2222, host: "duel-1", yes: true, expectFingerprint: FP, replace: true,
    });
  });

  it("check: the stack, and nothing else", () => {
    expect(parseArgs(["check", "--stack", "prod"])).toEqual({ cmd: "check", stack: "prod" });
    expect(() => parseArgs(["check", "--stack", "prod", "--yes"])).toThrow(/^check takes only --stack and --config-file/);
  });

  it("--yes alone is refused: a key is never trusted on first use", () => {
    expect(() => parseArgs(["pin", "h", "--stack", "prod", "--yes"])).toThrow(/^--yes needs --expect-fingerprint SHA256:… read on the host's console/);
  });

  it("says what is wrong", () => {
    expect(parseArgs([])).toEqual({ cmd: "help" });
    expect(() => parseArgs(["pin", "h"])).toThrow(/^--stack is required: the stack whose hosts to pin/);
    expect(() => parseArgs(["pin", "--stack", "prod"])).toThrow(/^pin takes one address/);
    expect(() => parseArgs(["pin", "h", "--stack", "prod", "--port", "0"])).toThrow('--port must be a TCP port number, got "0"');
    expect(() => parseArgs(["pin", "h", "--stack", "prod", "--expect-fingerprint", "MD5:aa"])).toThrow(/^--expect-fingerprint must look like ssh-keygen -lf prints it/);
    expect(() => parseArgs(["pin", "h", "--stack"])).toThrow(/^--stack needs a value/);
    expect(() => parseArgs(["pin", "h", "--stack", "p", "--force"])).toThrow(/^unknown flag --force/);
    expect(() => parseArgs(["scan", "--stack", "p"])).toThrow(/^unknown command "scan"/);
  });
});
