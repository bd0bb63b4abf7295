/**
 * A resource's type and name are its identity in every stack's state: a changed URN makes Pulumi
 * delete the old resource on a live host. This builds every topology on every flavor it supports
 * under mocks, exactly as infra/hosts.ts does, and compares the URNs of the whole resource tree
 * with test/fixtures/urns.json. Moving code must leave that file as it is; when a change means to
 * add resources, regenerate it with HOSTFORM_UPDATE_URNS=1 and review the diff (no line may go).
 */
import * as pulumi from "@pulumi/pulumi";
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadConfig, type RawConfig } from "../../infra/config";
import { buildHostResources } from "../../infra/hosts";
import { withFacts } from "./mock-facts";

const FIXTURE = path.join(__dirname, "../fixtures/urns.json");
const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA400bpYgarO7hBQ5+HyZhTk26Wtle15Kn1cN4IF3aGw";

beforeAll(() => {
  pulumi.runtime.setMocks({ newResource: (a) => ({ id: `${a.name}-id`, state: withFacts(a.type, a.inputs) }), call: () => ({}) }, "hostform", "snap", false);
});

interface Node { __pulumiType: string; __name: string; __childResources?: Set<Node> }

/** URNs as the engine writes them: the parent chain's types joined by `$`, then the name. */
function urns(root: Node, chain: string[] = []): string[] {
  const types = [...chain, root.__pulumiType];
  const own = `urn:pulumi:snap::hostform::${types.join("$")}::${root.__name}`;
  return [own, ...[...(root.__childResources ?? [])].flatMap((c) => urns(c, types))];
}

const host = (name: string, flavor: string, role: string) => ({ name, flavor, role, address: "198.18.0.10", hostKey: KEY, privateKeyPath: "/k" });
const raw = (values: Record<string, unknown>): RawConfig => ({
  get: (k) => (values[k] === undefined ? undefined : JSON.stringify(values[k])),
  getSecret: (k) => (values[k] === undefined ? undefined : JSON.stringify(values[k])),
});

/** Each topology on each flavor it supports, the duel stack in both database modes and both browser sources. */
const STACKS: Record<string, Record<string, unknown>> = {
  flatlogic: {
    hosts: [host("fl-sd", "systemd", "flatlogic"), host("fl-ct", "container", "flatlogic"), host("plain", "systemd", "none")],
    flatlogic: { repo: "https://git.example/app.git", cloudflare: { zoneId: "z", recordName: "tbp" } },
    flatlogicBackendEnv: { DB_PASSWORD: "pw" },
  },
  duelLocal: {
    hosts: [host("duel-sd", "systemd", "duel"), host("duel-ct", "container", "duel")],
    duel: { repo: "https://git.example/duel.git" },
    duelSecrets: { DATABASE_URL: "postgresql://duel:pw@localhost:5432/duel", ADMIN_CODE: "a", TWITCH_STREAM_KEY: "k" },
  },
  duelRemote: {
    hosts: [host("duel-rsd", "systemd", "duel"), host("duel-rct", "container", "duel")],
    duel: { repo: "https://git.example/duel.git", browser: { source: "debian", package: "chromium" } },
    duelSecrets: { DATABASE_URL: "postgresql://duel:pw@db.example:5432/duel", ADMIN_CODE: "a" },
  },
  metahuman: {
    hosts: [host("mh-sd", "systemd", "metahuman")],
    metahuman: { repo: "https://git.example/metahuman.git", agents: { "cloudflare-tunnel": { enabled: true } } },
    metahumanEnv: { CLOUDFLARE_TUNNEL_TOKEN: "t" },
  },
};

async function snapshot(): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const [stack, values] of Object.entries(STACKS)) {
    const roots = buildHostResources(loadConfig(raw(values), "/p"), "snap");
    out[stack] = roots.flatMap((r) => r.resources.flatMap((res) => urns(res as unknown as Node))).sort();
  }
  await new Promise((r) => setTimeout(r, 100));
  return out;
}

describe("resource identities (URNs)", () => {
  it("are those of test/fixtures/urns.json for every topology and flavor", async () => {
    const now = await snapshot();
    if (process.env.HOSTFORM_UPDATE_URNS === "1") writeFileSync(FIXTURE, `${JSON.stringify(now, null, 2)}\n`);
    const kept = JSON.parse(readFileSync(FIXTURE, "utf8")) as Record<string, string[]>;
    expect(now).toEqual(kept);
  }, 60_000); // builds every stack under mocks: tens of seconds on a loaded machine
});
