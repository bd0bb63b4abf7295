import { beforeAll, describe, expect, it } from "vitest";
import { type AppUserPolicy, privilegesCheck, privilegesRefuse, privilegesRevoke } from "../../components/blocks/base/privileges";
import { VmHost } from "../../components/blocks/base/vmhost";
import { type Created, recordMocks } from "./mock-facts";

// VmHost under mocks: the app user's privileges are a read-back Step after the user step, per policy (review N1).
const created: Created[] = [];
beforeAll(() => recordMocks(created, "mock"));

const connection = { host: "198.18.0.10", port: 22, user: "deploy", hostKey: "ssh-ed25519 AAAA", privateKeyPath: "/k" };
const policy = (p: AppUserPolicy["policy"]): AppUserPolicy => ({ host: "web-1", role: "flatlogic", login: "deploy", policy: p });

async function build(appUser: string, flavor: "systemd" | "container", privileges?: AppUserPolicy) {
  created.length = 0;
  const host = new VmHost("web-vm", { connection, flavor, appUser, ...(privileges ? { privileges } : {}) });
  await new Promise((r) => setTimeout(r, 200));
  return { host, steps: created.filter((c) => c.name === "web-vm-app-user-privileges") };
}

describe("VmHost: the app user's privileges", () => {
  it("revoke: a Step that checks and revokes, which later resources wait for", async () => {
    const { host, steps } = await build("ubuntu", "systemd", policy("revoke"));
    expect(steps.map((s) => s.inputs)).toMatchObject([{
      title: "app user ubuntu without privileges", check: privilegesCheck("ubuntu"), run: privilegesRevoke("ubuntu", policy("revoke")),
      triggers: { policy: "revoke", login: "deploy" },
    }]);
    expect(host.ready.map((r) => (r as unknown as { __name: string }).__name)).toContain("web-vm-app-user-privileges");
  });

  it("refuse (also when no policy is given): the Step's run explains and fails", async () => {
    expect((await build("ubuntu", "systemd", policy("refuse"))).steps[0]!.inputs.run).toBe(privilegesRefuse("ubuntu", policy("refuse")));
    expect((await build("root", "systemd")).steps[0]!.inputs.run).toBe(privilegesRefuse("root", { host: "web-vm", role: "?", login: "root", policy: "refuse" }));
  });

  it("accept, and root on a container host, create no Step (a warning on every run instead)", async () => {
    expect((await build("ubuntu", "systemd", policy("accept"))).steps).toEqual([]);
    expect((await build("root", "container", policy("refuse"))).steps).toEqual([]);
    expect((await build("ubuntu", "container", policy("refuse"))).steps).toHaveLength(1);
  });
});
