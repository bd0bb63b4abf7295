import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { currentPins, HostKeyRefused, openPinned, pinsOf, withCurrentPin } from "../../components/host/pins";

// A rebuilt host pinned again (`hosts pin --replace`): the provider trusts the key the stack's
// config pins now for the same address and port, and no other.
const OLD = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOldOldOldOldOldOldOldOldOldOldOldOldOldOldOld";
const NEW = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINewNewNewNewNewNewNewNewNewNewNewNewNewNewNew";
const conn = { host: "198.51.100.7", port: 22, user: "deploy", hostKey: OLD, privateKeyPath: "~/.ssh/k" };

describe("pinsOf", () => {
  it("reads address, port (22 by default) and key of each host; the sandbox inventory fills what an entry leaves out", () => {
    const config = {
      "hostform:hosts": [
        { name: "web-1", role: "flatlogic", address: "198.51.100.7", hostKey: NEW },
        { name: "gpu-1", role: "duel", address: "203.0.113.9", port: 40022, hostKey: OLD },
        { name: "flatlogic", role: "flatlogic" },
        { name: "unpinned", role: "none", address: "203.0.113.10" },
        "not a host",
      ],
    };
    const inventory = { hosts: { flatlogic: { address: "10.231.1.2", port: 22, hostPublicKey: NEW } } };
    expect(pinsOf(config, inventory)).toEqual([
      { address: "198.51.100.7", port: 22, hostKey: NEW },
      { address: "203.0.113.9", port: 40022, hostKey: OLD },
      { address: "10.231.1.2", port: 22, hostKey: NEW },
    ]);
  });

  it("finds nothing without a host list", () => {
    expect(pinsOf({})).toEqual([]);
    expect(pinsOf({ "hostform:hosts": "web-1" })).toEqual([]);
  });
});

describe("withCurrentPin", () => {
  it("takes the key the config pins now for the same address and port", () => {
    expect(withCurrentPin(conn, [{ address: "198.51.100.7", port: 22, hostKey: NEW }])).toEqual({ ...conn, hostKey: NEW });
  });

  it("keeps the state's connection when the config pins nothing there, the same key, or two different keys", () => {
    expect(withCurrentPin(conn, [])).toBe(conn);
    expect(withCurrentPin(conn, [{ address: "198.51.100.7", port: 2222, hostKey: NEW }])).toBe(conn);
    expect(withCurrentPin(conn, [{ address: "198.51.100.8", port: 22, hostKey: NEW }])).toBe(conn);
    expect(withCurrentPin(conn, [{ address: "198.51.100.7", port: 22, hostKey: `${OLD}= root@web-1` }])).toBe(conn);
    expect(withCurrentPin(conn, [{ address: "198.51.100.7", port: 22, hostKey: NEW }, { address: "198.51.100.7", port: 22, hostKey: OLD }])).toBe(conn);
  });

  it("reads 22 for a connection without a port", () => {
    const { port: _, ...noPort } = conn;
    expect(withCurrentPin(noPort, [{ address: "198.51.100.7", port: 22, hostKey: NEW }])).toEqual({ ...noPort, hostKey: NEW });
  });
});

describe("currentPins", () => {
  it("reads the stack file scripts/pulumi.sh names, its inventory relative to the program's folder", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "hostform-pins-"));
    writeFileSync(path.join(dir, "inventory.json"), JSON.stringify({ hosts: { metahuman: { address: "10.231.3.2", port: 22, hostPublicKey: NEW } } }));
    writeFileSync(path.join(dir, "Pulumi.s.yaml"), `config:\n  hostform:inventoryFile: inventory.json\n  hostform:hosts:\n    - name: metahuman\n      role: metahuman\n`);
    expect(currentPins({ HOSTFORM_STACK_CONFIG: path.join(dir, "Pulumi.s.yaml"), HOSTFORM_PROGRAM_DIR: dir })).toEqual([{ address: "10.231.3.2", port: 22, hostKey: NEW }]);
  });
});

describe("openPinned", () => {
  it("says a key mismatch in full for the first resource of the host, in one line for the others, and does not connect again", async () => {
    const full = "host key mismatch for deploy@198.51.100.7:22: the host presented SHA256:a but the stack pins SHA256:b. Nothing was changed on the host.";
    let opened = 0;
    const open = async () => {
      opened++;
      throw new Error(full);
    };
    const short = "host key mismatch for deploy@198.51.100.7:22: refused (see the first error of this host)";
    const [a, b] = await Promise.allSettled([openPinned(conn, open), openPinned(conn, open)]);
    expect([a, b].map((r) => (r as PromiseRejectedResult).reason.message)).toEqual([full, short]);
    const later = await openPinned(conn, open).catch((e: HostKeyRefused) => e);
    expect([later.message, String(later), later.stack, later instanceof HostKeyRefused, opened]).toEqual([short, short, "", true, 2]);
  });

  it("passes other failures through as they are, and sessions too", async () => {
    const unreachable = new Error("SSH host unreachable: deploy@198.51.100.8:22");
    await expect(openPinned({ ...conn, host: "198.51.100.8" }, async () => { throw unreachable; })).rejects.toBe(unreachable);
    expect(await openPinned({ ...conn, host: "198.51.100.9" }, async () => "session")).toBe("session");
  });
});
