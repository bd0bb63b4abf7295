// Tools root installs from the npm registry (pm2, pnpm) run no install script as root (security review 3, N8).
import { beforeAll, describe, expect, it } from "vitest";
import { Problems } from "../../components/blocks/validate";
import { MetahumanHost } from "../../components/topologies/metahuman/host";
import { metahumanSettings } from "../../components/topologies/metahuman/settings";
import { type Created, recordMocks } from "./mock-facts";

const created: Created[] = [];
beforeAll(() => recordMocks(created, "mock"));

const connection = { host: "198.18.0.11", port: 22, user: "root", hostKey: "ssh-ed25519 AAAA", privateKeyPath: "/k" };
const runOf = (name: string) => String(created.find((c) => c.name === name)!.inputs.run);

describe("npm installs as root", () => {
  it("pm2 and pnpm are installed with --ignore-scripts", async () => {
    const p = new Problems();
    const settings = metahumanSettings({ repo: "https://git.example/metahuman.git" }, p);
    expect(p.list).toEqual([]);
    new MetahumanHost("npm", { connection, flavor: "systemd", address: connection.host, settings, env: {} });
    await new Promise((r) => setTimeout(r, 200));
    for (const step of ["npm-pm2-install", "npm-pnpm"]) {
      expect(runOf(step), step).toMatch(/npm install --global --ignore-scripts --prefix \/opt\/hostform\/\S+ /);
    }
  });
});
