import { describe, expect, it } from "vitest";
import type { Report } from "../../scripts/preview-model";
import { hostsDone, hostsOf, onceAcross } from "../../scripts/preview-progress";

const FILE = "pulumi-nodejs:dynamic/host:File";

describe("drift's progress", () => {
  it("finds the hosts of a preview's host resources, each once; a secret connection by the resource's id", () => {
    const step = (type: string, host: string | undefined, id: string) => ({
      op: "same", urn: `urn:pulumi:s::p::${type}::r`, oldState: { type, urn: "u", id, inputs: host ? { connection: { host, port: 22 } } : {} },
    });
    expect(hostsOf({ steps: [
      step(FILE, "10.0.0.5", "10.0.0.5:file:/a"), step("pulumi:pulumi:Stack", undefined, "s"), step(FILE, "10.0.0.6", "10.0.0.6:file:/b"),
      step(FILE, "10.0.0.5", "10.0.0.5:file:/c"), step(FILE, undefined, "10.0.0.8:file:/d"),
    ] })).toEqual(["10.0.0.5", "10.0.0.6", "10.0.0.8"]);
    expect(hostsOf({})).toEqual([]);
  });

  it("ends with one line per host read: what differs, or that it could not be reached", () => {
    const change = (host: string, name: string) => ({ name, kind: "File", host, what: name, op: "update" as const });
    const r: Report = {
      stack: "s", health: {}, errors: [],
      changes: [change("10.0.0.5", "a"), change("10.0.0.5", "b"), change("10.0.0.6", "c")],
      unreachable: [
        { address: "root@10.0.0.8:2222", reason: "timeout", detail: "timed out" },
        { address: "deploy@10.0.0.9:22", reason: "sudo", detail: "sudo: a password is required" },
      ],
    };
    expect(hostsDone(r, ["10.0.0.5", "10.0.0.6", "10.0.0.7", "10.0.0.8", "10.0.0.9"])).toEqual([
      "10.0.0.5: done, 2 resources differ",
      "10.0.0.6: done, 1 resource differs",
      "10.0.0.7: done, nothing differs",
      "10.0.0.8: could not be reached",
      "10.0.0.9: sudo refused, not read",
    ]);
  });

  it("shows the line both previews print once, and a line one preview prints twice twice", () => {
    const out: string[] = [];
    const writer = onceAcross((t) => out.push(t));
    const [a, b] = [writer(0), writer(1)];
    a.data("error: no stack named 'x' found\nwarn");
    b.data("error: no stack named 'x' found\n");
    a.data("ing: slow\n");
    b.data("warning: slow\nonly b\nonly b\n");
    a.data("tail without newline");
    a.end();
    b.end();
    expect(out.join("")).toBe("error: no stack named 'x' found\nwarning: slow\nonly b\nonly b\ntail without newline\n");
  });
});
