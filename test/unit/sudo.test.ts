import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { describeUnreachable, HostUnreachable, keepsStateWhenUnreachable, knownUnreachable, REPORT_ENV, unreachableMessage, type Unreachable } from "../../components/host/reach";
import { sudoChecked } from "../../components/host/ssh";
import { sudoRefusal } from "../../components/host/sudo";

// A login that is not root whose `sudo -n` refuses: the host's failure, said once (issue 25).
const refused = (stderr: string, code = 1, stdout = "") => sudoRefusal({ code, stdout, stderr });
const SUDO: Unreachable = { name: "gpu-2", address: "deploy@203.0.113.9:22", reason: "sudo", detail: "sudo: a password is required" };

describe("what sudo said, told from a script's failure", () => {
  it("sudo's refusals: a password or a terminal required, not in sudoers, not allowed, requiretty", () => {
    expect(refused("sudo: a password is required\n")).toBe("sudo: a password is required");
    expect(refused("sudo: a terminal is required to read the password; either use the -S option to read from standard input or configure an askpass helper\n"))
      .toBe("sudo: a terminal is required to read the password; either use the -S option to read from standard input or configure an askpass helper");
    expect(refused("deploy is not in the sudoers file.  This incident will be reported.\n")).toBe("deploy is not in the sudoers file.  This incident will be reported.");
    expect(refused("sudo: sorry, you must have a tty to run sudo\n")).toBe("sudo: sorry, you must have a tty to run sudo");
    expect(refused("sudo: account validation failure, is your account locked?\n")).toBe("sudo: account validation failure, is your account locked?");
  });

  it("a refusal that quotes the whole script keeps its head only, and sudo's lines alone", () => {
    const said = refused(`Sorry, user deploy is not allowed to execute '/usr/bin/bash -c exec 3<&0${"x".repeat(200)}\np=$PPID\nwhile …' as root on gpu-2.\n`);
    expect(said).toBe(`Sorry, user deploy is not allowed to execute '/usr/bin/bash -c exec 3<&0${"x".repeat(160 - 72)}…`);
  });

  it("an ordinary failure is not sudo's: exit 1 with the script's own words, output on stdout, another exit code, or sudo merely warning", () => {
    expect(refused("mkdir: cannot create directory '/srv/x': Permission denied\n")).toBeUndefined();
    expect(refused("")).toBeUndefined();
    expect(refused("E: Unable to locate package nope\n")).toBeUndefined();
    expect(refused("bash: line 3: a password is required: command not found\n")).toBeUndefined(); // the first line is not sudo's
    expect(refused("sudo: a password is required\n", 1, "partial output\n")).toBeUndefined();
    expect(refused("sudo: a password is required\n", 2)).toBeUndefined();
    expect(refused("sudo: unable to resolve host gpu-2: Name or service not known\n")).toBeUndefined(); // a warning: the script ran and failed
  });
});

describe("the messages of a host whose sudo refuses", () => {
  it("the first resource: the host by its stack name, the login, what sudo said and the fix", () => {
    expect(unreachableMessage(SUDO, 5)).toBe(
      "host gpu-2 (deploy@203.0.113.9:22): sudo refused to run hostform's scripts as root for deploy (sudo: a password is required). "
      + "Every resource of this host is skipped in this run; the other hosts go on. "
      + "hostform logs in as deploy and runs every command through sudo -n, which cannot ask for a password: "
      + "give deploy a NOPASSWD rule (as root on the host, echo 'deploy ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/hostform && chmod 0440 /etc/sudoers.d/hostform, "
      + "or log in as root; npm run hosts -- check says the same).",
    );
  });

  it("later resources get one line; reports one line with the fix; the provider's log copy is that line, without a trace", () => {
    const e = HostUnreachable.first(SUDO, 5);
    expect(e.again().message).toBe("host gpu-2 (deploy@203.0.113.9:22): sudo refused for deploy in this run (sudo: a password is required): skipped");
    expect(`${e}: ${e.stack}`).toBe("host gpu-2 (deploy@203.0.113.9:22): sudo refused for deploy in this run (sudo: a password is required): skipped: ");
    expect(describeUnreachable(SUDO)).toBe(
      "gpu-2 (deploy@203.0.113.9:22): sudo refused for deploy (sudo: a password is required): "
      + "as root on the host, echo 'deploy ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/hostform && chmod 0440 /etc/sudoers.d/hostform, or log in as root",
    );
  });
});

describe("a script run through sudo", () => {
  afterEach(() => {
    delete process.env[REPORT_ENV];
    delete (globalThis as { __hostformReach?: unknown }).__hostformReach;
  });
  const at = "deploy@203.0.113.9:22";
  const password = { code: 1, stdout: "", stderr: "sudo: a password is required\n" };

  it("passes an ordinary result on, failures included", () => {
    const failed = { code: 1, stdout: "", stderr: "cp: cannot stat '/nope': No such file or directory\n" };
    expect(sudoChecked(at, "gpu-2", failed)).toBe(failed);
    expect(knownUnreachable(at)).toBeUndefined();
  });

  it("a refusal fails the first script in full, every later one in a line, and is written once to the wrapper's report", () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "sudo-")), "unreachable.jsonl");
    process.env[REPORT_ENV] = file;
    const first = (() => {
      try {
        return sudoChecked(at, "gpu-2", password);
      } catch (e) {
        return e;
      }
    })();
    expect(first).toBeInstanceOf(HostUnreachable);
    expect((first as Error).message).toBe(unreachableMessage(SUDO, 0));
    expect(() => sudoChecked(at, "gpu-2", password)).toThrow(/^host gpu-2 \(deploy@203\.0\.113\.9:22\): sudo refused for deploy in this run \(sudo: a password is required\): skipped$/);
    expect(knownUnreachable(at)?.facts).toEqual(SUDO);
    expect(readFileSync(file, "utf8")).toBe(`${JSON.stringify(SUDO)}\n`);
    // Under drift and up a read of this host keeps its last known state: the host is listed instead.
    expect(keepsStateWhenUnreachable(first)).toBe(true);
  });
});
