/**
 * The library's typed arguments (lib/settings.ts) are the stack config's validation, not a second
 * one: the same input as a stack file gives the same settings and, when bad, the same problems.
 */
import { generateKeyPairSync } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import type { Connection } from "../../components/host/ssh";
import { ConfigError, loadConfig, type RawConfig } from "../../infra/config";
import { DEFAULTS as FLATLOGIC } from "../../components/topologies/flatlogic/settings";
import { duelArgs, flatlogicArgs, hostTarget, metahumanArgs, SettingsError } from "../../lib/settings";
import * as library from "../../lib/index";

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA400bpYgarO7hBQ5+HyZhTk26Wtle15Kn1cN4IF3aGw";
const HOST = { name: "web-1", address: "198.18.0.10", hostKey: KEY, privateKeyPath: "~/.ssh/k", user: "deploy" };
const raw = (values: Record<string, unknown>): RawConfig => ({
  get: (k) => (values[k] === undefined ? undefined : JSON.stringify(values[k])),
  getSecret: (k) => values[`secret:${k}`],
});

/** What the stack config says about the same host and settings. */
function stackError(values: Record<string, unknown>): ConfigError {
  try {
    loadConfig(raw(values), process.cwd());
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error("the stack config accepted it");
}

function thrown(fn: () => unknown): SettingsError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SettingsError) return e;
    throw e;
  }
  throw new Error("nothing was thrown");
}

describe("library arguments", () => {
  it("fill the settings' DEFAULTS exactly as the stack config does", () => {
    const a = flatlogicArgs({ host: HOST, settings: { repo: "https://example.com/app.git", frontendPort: 3005 } });
    const stack = loadConfig(raw({ hosts: [{ ...HOST, role: "flatlogic" }], flatlogic: { repo: "https://example.com/app.git", frontendPort: 3005 } }), "/p");
    expect(a.settings).toEqual(stack.roles.flatlogic.settings);
    expect(a.settings.frontendPort).toBe(3005);
    expect(a.settings.serverName).toBe(FLATLOGIC.serverName);
    expect(a.settings.releasesKeep).toBe(FLATLOGIC.releasesKeep);
    expect(a.flavor).toBe("systemd");
    expect(a.address).toBe("198.18.0.10");
    expect(a.connection).toEqual({ host: "198.18.0.10", port: 22, user: "deploy", hostKey: KEY, privateKeyPath: "~/.ssh/k", name: "web-1" });
    expect(a.privileges).toEqual({ host: "web-1", role: "flatlogic", login: "deploy", policy: "refuse" });
  });

  it("refuse bad settings with the stack config's message, every key named with its fix", () => {
    const settings = { repo: "https://example.com/app.git", frontendPort: 80, backendPort: 80, typo: 1 };
    const e = thrown(() => flatlogicArgs({ host: HOST, settings: settings as never }));
    const stack = stackError({ hosts: [{ ...HOST, role: "flatlogic" }], flatlogic: settings });
    expect(e.message).toBe(stack.message);
    expect(e.problems).toEqual(stack.problems);
    expect(e.problems).toContain("hostform:flatlogic.frontendPort must not be 80: Apache listens there");
    expect(e.problems).toContain("hostform:flatlogic.backendPort must differ from frontendPort (80)");
    expect(e.problems.some((p) => p.startsWith("hostform:flatlogic.typo"))).toBe(true);
  });

  it("refuse a host the stack would refuse: no pinned key, a login that is the app user, a topology on the wrong flavor", () => {
    const noKey = thrown(() => hostTarget({ name: "web-1", address: "198.18.0.10", hostKey: "AAAA", privateKeyPath: "/k" }));
    expect(noKey.problems).toEqual(['hostform:hosts[0].hostKey: not an SSH public host key: expected "ssh-ed25519 AAAA…" (as in known_hosts or ssh-keyscan output), got "AAAA"']);
    const login = thrown(() => flatlogicArgs({ host: { ...HOST, user: "ubuntu" }, settings: { repo: "https://example.com/app.git" } }));
    expect(login.problems).toHaveLength(1);
    expect(login.problems[0]).toMatch(/^hostform:hosts\[0\]\.user "ubuntu" is also role flatlogic's app user/);
    const flavor = thrown(() => metahumanArgs({ host: { ...HOST, flavor: "container" }, settings: { repo: "https://example.com/mh.git" } }));
    expect(flavor.problems).toEqual(['hostform:hosts[0]: role "metahuman" does not run on flavor "container": it supports systemd']);
  });

  it("check duel's secrets in plain text as the stack does, and hand them on only as secrets", () => {
    const e = thrown(() => duelArgs({ host: HOST, settings: { repo: "https://example.com/duel.git" }, secrets: {} }));
    expect(e.problems).toContain("hostform:duelSecrets.ADMIN_CODE is missing: graceful restarts need it (pulumi config set --secret --path 'duelSecrets.ADMIN_CODE' …)");
  });

  it("build duel's arguments from plain secrets: the stack's settings, the secrets and the database password only as secrets", async () => {
    const secrets = { DATABASE_URL: "postgresql://duel:pw-0123456789@localhost:5432/duel", ADMIN_CODE: "admin-0123456789" };
    const a = duelArgs({ host: { ...HOST, flavor: "container" }, settings: { repo: "https://git.example/duel.git" }, secrets });
    const stack = loadConfig(raw({ hosts: [{ ...HOST, flavor: "container", role: "duel" }], duel: { repo: "https://git.example/duel.git" }, duelSecrets: secrets }), "/p");
    expect(a.settings).toEqual(stack.roles.duel.settings);
    expect(a.settings.database.useLocalPostgres).toBe(true);
    const isSecret = (o: unknown) => (o as { isSecret: Promise<boolean> }).isSecret;
    expect(await isSecret(a.secrets)).toBe(true);
    expect(await isSecret(a.databasePassword)).toBe(true);
  });

  it("take the privilege policy of the host's role and a host for blocks without a role", () => {
    const t = hostTarget({ ...HOST, flavor: "container", appUserPrivileges: "accept" });
    expect(t).toEqual({
      connection: { host: "198.18.0.10", port: 22, user: "deploy", hostKey: KEY, privateKeyPath: "~/.ssh/k", name: "web-1" },
      flavor: "container", address: "198.18.0.10", privileges: { host: "web-1", role: "none", login: "deploy", policy: "accept" },
    });
    expect(hostTarget(HOST).privileges?.policy).toBe("refuse");
    expect(thrown(() => hostTarget({ ...HOST, appUserPrivileges: "allow" as never })).problems).toEqual(['appUserPrivileges must be "refuse" (the default), "revoke" or "accept", got "allow"']);
    const a = flatlogicArgs({ host: { ...HOST, appUserPrivileges: "revoke" }, settings: { repo: "https://example.com/app.git" } });
    expect(a.privileges?.policy).toBe("revoke");
  });

  it("keep a private key given as text secret", async () => {
    // Made at test time: no key-shaped text is committed.
    const privateKey = generateKeyPairSync("ed25519").privateKey.export({ format: "pem", type: "pkcs8" }).toString();
    const t = hostTarget({ name: "web-1", address: "198.18.0.10", hostKey: KEY, privateKey });
    const connection = t.connection as pulumi.Output<Connection>;
    expect(await (connection as unknown as { isSecret: Promise<boolean> }).isSecret).toBe(true);
    const plain = hostTarget(HOST).connection;
    expect(pulumi.Output.isInstance(plain)).toBe(false);
  });

  it("export the topologies, blocks and resources under their own type tokens (identity unchanged)", () => {
    for (const name of ["FlatlogicHost", "DuelHost", "MetahumanHost", "VmHost", "ApacheReverseProxy", "Pm2SystemdUnit", "SecretsFile", "CloudflareDns", "File", "Step", "Health"]) {
      expect(typeof (library as Record<string, unknown>)[name], name).toBe("function");
    }
    expect(library.FLATLOGIC_DEFAULTS).toBe(FLATLOGIC);
  });
});
