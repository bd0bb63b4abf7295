import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  connectTimeoutSeconds, describeUnreachable, HostUnreachable, keepsStateWhenUnreachable, knownUnreachable, markUnreachable,
  readUnreachable, reasonOf, REPORT_ENV, skippedMessage, unreachableMessage, type Unreachable,
} from "../../components/host/reach";

const dropped: Unreachable = { name: "gpu-1", address: "root@203.0.113.7:22", reason: "timeout", detail: "Timed out while waiting for handshake" };
const refused: Unreachable = { name: "web-2", address: "ubuntu@203.0.113.8:2222", reason: "refused", detail: "connect ECONNREFUSED 203.0.113.8:2222" };
const unknown: Unreachable = { address: "root@nowhere.example:22", reason: "other", detail: "getaddrinfo ENOTFOUND nowhere.example" };
const tempFile = () => path.join(mkdtempSync(path.join(tmpdir(), "reach-")), "unreachable.jsonl");

describe("reachability messages", () => {
  it("a host that does not answer: named by its stack name and address, with the timeout and what to check", () => {
    expect(unreachableMessage(dropped, 8)).toBe(
      "host gpu-1 (root@203.0.113.7:22) is unreachable: no SSH answer within 8 s, twice (the machine is down, or a firewall drops port 22). "
      + "Every resource of this host is skipped in this run; the other hosts go on. Check that the machine runs and that its address and port are right.",
    );
  });

  it("a refused connection has its own message: the machine is up, sshd is not", () => {
    expect(unreachableMessage(refused, 8)).toBe(
      "host web-2 (ubuntu@203.0.113.8:2222) refused the SSH connection: the machine answers but nothing listens on port 2222 (sshd stopped, or another port). "
      + "Every resource of this host is skipped in this run; the other hosts go on. Start sshd on the host or fix the port in the stack.",
    );
  });

  it("any other failure says what the network said; a connection without a name shows the address alone", () => {
    expect(unreachableMessage(unknown, 8)).toBe(
      "host root@nowhere.example:22 is unreachable: getaddrinfo ENOTFOUND nowhere.example. "
      + "Every resource of this host is skipped in this run; the other hosts go on. Check the address and the network.",
    );
  });

  it("later resources of the host get one line; reports get one line per host", () => {
    expect(skippedMessage(dropped)).toBe("host gpu-1 (root@203.0.113.7:22) is unreachable in this run (no SSH answer (timed out)): skipped");
    expect([dropped, refused, unknown].map(describeUnreachable)).toEqual([
      "gpu-1 (root@203.0.113.7:22): no SSH answer (timed out)",
      "web-2 (ubuntu@203.0.113.8:2222): connection refused (sshd not listening)",
      "root@nowhere.example:22: unreachable: getaddrinfo ENOTFOUND nowhere.example",
    ]);
  });

  it("tells reaching errors from the others (auth, host key), which are not about reaching the host", () => {
    expect(reasonOf("Timed out while waiting for handshake")).toBe("timeout");
    expect(reasonOf("connect ETIMEDOUT 10.0.0.1:22")).toBe("timeout");
    expect(reasonOf("connect ECONNREFUSED 10.0.0.1:22")).toBe("refused");
    expect(reasonOf("connect EHOSTUNREACH 10.0.0.1:22")).toBe("other");
    expect(reasonOf("getaddrinfo ENOTFOUND nowhere.example")).toBe("other");
    expect(reasonOf("All configured authentication methods failed")).toBeUndefined();
  });
});

describe("connect timeout", () => {
  it("is 5 s unless HOSTFORM_CONNECT_TIMEOUT says otherwise; nonsense is refused, naming the variable", () => {
    expect(connectTimeoutSeconds({})).toBe(5);
    expect(connectTimeoutSeconds({ HOSTFORM_CONNECT_TIMEOUT: "" })).toBe(5);
    expect(connectTimeoutSeconds({ HOSTFORM_CONNECT_TIMEOUT: "2.5" })).toBe(2.5);
    expect(() => connectTimeoutSeconds({ HOSTFORM_CONNECT_TIMEOUT: "0" })).toThrow('HOSTFORM_CONNECT_TIMEOUT must be a number of seconds above 0, got "0"');
    expect(() => connectTimeoutSeconds({ HOSTFORM_CONNECT_TIMEOUT: "ten" })).toThrow('HOSTFORM_CONNECT_TIMEOUT must be a number of seconds above 0, got "ten"');
  });
});

describe("one run's knowledge of unreachable hosts", () => {
  afterEach(() => {
    delete process.env[REPORT_ENV];
    delete (globalThis as { __hostformReach?: unknown }).__hostformReach;
  });

  it("is kept in the process, and written once per host to the wrapper's report file", () => {
    const file = tempFile();
    process.env[REPORT_ENV] = file;
    const first = markUnreachable(HostUnreachable.first(dropped, 8));
    expect(markUnreachable(HostUnreachable.first(dropped, 8))).toBe(first);
    expect(knownUnreachable(dropped.address)?.message).toBe(unreachableMessage(dropped, 8));
    expect(knownUnreachable(refused.address)).toBeUndefined();
    expect(readUnreachable(file)).toEqual([dropped]);
  });

  it("another process of the same run finds a host its report file lists, and a half-written line is skipped", () => {
    const file = tempFile();
    writeFileSync(file, `${JSON.stringify(refused)}\n${JSON.stringify(dropped)}\n${JSON.stringify(refused)}\n{"name":"gp`);
    process.env[REPORT_ENV] = file;
    expect(knownUnreachable(refused.address)?.message).toBe(skippedMessage(refused));
    expect(readUnreachable(file)).toEqual([dropped, refused]); // once each, by name
  });

  it("a read keeps the last known state only under a wrapper, and only for an unreachable host", () => {
    const e = HostUnreachable.first(dropped, 8);
    expect(keepsStateWhenUnreachable(e)).toBe(false);
    process.env[REPORT_ENV] = tempFile();
    expect(keepsStateWhenUnreachable(e)).toBe(true);
    expect(keepsStateWhenUnreachable(new Error("SSH auth refused by root@203.0.113.7:22"))).toBe(false);
  });
});
