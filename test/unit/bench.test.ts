import { describe, expect, it } from "vitest";
import { deployedFiles, recap, renderInventory } from "../../bench/ansible";
import { median } from "../../bench/measure";
import { bucketOf } from "../../bench/profile";

const host = {
  name: "pf-1", flavor: "systemd" as const, address: "10.231.14.2", port: 22, user: "root" as const,
  privateKeyPath: "/s/hosts/pf-1/id_ed25519", hostPublicKey: "ssh-ed25519 AAAA", hostKeyFingerprint: "SHA256:x",
};

describe("bench helpers", () => {
  it("renders the Ansible inventory with the pinned known_hosts of each host", () => {
    expect(renderInventory([host], (n) => `/s/hosts/${n}/known_hosts`)).toBe(
      "[flatlogic]\npf-1 ansible_host=10.231.14.2 ansible_port=22 ansible_user=root ansible_ssh_private_key_file=/s/hosts/pf-1/id_ed25519 "
      + "ansible_ssh_extra_args='-o UserKnownHostsFile=/s/hosts/pf-1/known_hosts'\n");
  });

  it("takes the peer's files from hostform's deployment: files by name, units by unit name, secrets rendered", () => {
    const conn = { host: "10.231.14.2" };
    const files = deployedFiles({ deployment: { resources: [
      { type: "pulumi-nodejs:dynamic/host:File", inputs: { connection: conn, path: "/etc/hostform/host.json", content: "{}\n" } },
      { type: "pulumi-nodejs:dynamic/host:File", inputs: { connection: conn, path: "/home/ubuntu/executor/backend.env", content: { ciphertext: "x" } } },
      { type: "pulumi-nodejs:dynamic/host:SystemdUnit", inputs: { connection: conn, name: "pm2-ubuntu.service", content: "[Unit]\n" } },
      { type: "pulumi-nodejs:dynamic/host:File", inputs: { connection: { host: "10.9.9.9" }, path: "/other", content: "no" } },
      { type: "pulumi:pulumi:Stack" },
    ] } }, [host]);
    expect(Object.fromEntries(files.get("pf-1")!)).toEqual({
      "backend.env": "JWT_SECRET='bench-jwt-secret'\n", "host.json": "{}\n", "pm2-ubuntu.service": "[Unit]\n",
    });
  });

  it("sums the play recap over hosts", () => {
    const out = "PLAY RECAP ***\npf-1 : ok=21   changed=0    unreachable=0    failed=0\npf-2 : ok=20   changed=1    unreachable=0    failed=1\n";
    expect(recap(out)).toEqual({ ok: 41, changed: 1, unreachable: 0, failed: 1 });
  });

  it("takes medians of odd and even counts", () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it("buckets profile frames by package, the SDK by its runtime module", () => {
    expect(bucketOf("file:///r/node_modules/@pulumi/pulumi/runtime/closure/codePaths.js", "f")).toBe("@pulumi/pulumi/runtime/closure");
    expect(bucketOf("file:///r/node_modules/@pulumi/pulumi/node_modules/source-map-support/x.js", "f")).toBe("source-map-support");
    expect(bucketOf("file:///r/node_modules/typescript/lib/typescript.js", "f")).toBe("typescript");
    expect(bucketOf("node:internal/modules/cjs/loader", "f")).toBe("node:internal");
    expect(bucketOf("/r/components/host/provider.ts", "f")).toBe("hostform:components");
    expect(bucketOf("", "(garbage collector)")).toBe("(gc)");
  });
});
