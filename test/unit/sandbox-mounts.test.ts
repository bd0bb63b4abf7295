import { describe, expect, it } from "vitest";
import { nspawnArgs } from "../../scripts/sandbox/host";
import { mountsUnder, parseMountPoints, unescapeMountPath } from "../../scripts/sandbox/mounts";

const MOUNTINFO = [
  "22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw",
  "90 22 0:50 / /w/.sandbox/hosts/a/root rw - overlay overlay rw,lowerdir=/w/.sandbox/rootfs/bookworm",
  "91 90 0:51 / /w/.sandbox/hosts/a/root/proc rw - proc proc rw",
  "92 22 0:52 / /w/.sandbox/hosts/ab/root rw - overlay overlay rw",
  "93 22 0:53 / /w/.sandbox/hosts/with\\040space/root rw - overlay overlay rw",
  "",
].join("\n");

describe("mountinfo parsing", () => {
  it("decodes octal escapes", () => {
    expect(unescapeMountPath("/a\\040b\\011c")).toBe("/a b\tc");
  });

  it("lists mount points", () => {
    expect(parseMountPoints(MOUNTINFO)).toContain("/w/.sandbox/hosts/with space/root");
    expect(parseMountPoints(MOUNTINFO)).toHaveLength(5);
  });

  it("finds mounts below a dir, deepest first, without matching sibling prefixes", () => {
    expect(mountsUnder("/w/.sandbox/hosts/a", MOUNTINFO)).toEqual([
      "/w/.sandbox/hosts/a/root/proc",
      "/w/.sandbox/hosts/a/root",
    ]);
    expect(mountsUnder("/w/.sandbox/hosts/a/root/", MOUNTINFO)).toHaveLength(2);
    expect(mountsUnder("/w/.sandbox/hosts/none", MOUNTINFO)).toEqual([]);
  });
});

describe("nspawnArgs", () => {
  it("boots systemd as PID 1 in the host's netns", () => {
    const args = nspawnArgs("flatlogic", "systemd", "/r");
    expect(args).toContain("--boot");
    expect(args).toContain("--network-namespace-path=/run/netns/hf-flatlogic");
    expect(args).toEqual(expect.arrayContaining(["-D", "/r", "--register=no", "--keep-unit", "--hostname=flatlogic"]));
  });

  it("runs sshd alone as PID 1 for the container flavor", () => {
    const args = nspawnArgs("duel", "container", "/r");
    expect(args).not.toContain("--boot");
    expect(args).not.toContain("--as-pid2");
    expect(args.at(-1)).toMatch(/exec \/usr\/sbin\/sshd -D -e$/);
    expect(args.at(-1)).toContain("mkdir -p /run/sshd");
  });
});
