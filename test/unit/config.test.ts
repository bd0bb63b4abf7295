import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { appUserOn, ConfigError, loadConfig, type RawConfig } from "../../infra/config";
import { type Topology, TOPOLOGIES } from "../../components/topologies/registry";

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA400bpYgarO7hBQ5+HyZhTk26Wtle15Kn1cN4IF3aGw";
const raw = (values: Record<string, unknown>): RawConfig => ({
  get: (k) => (values[k] === undefined ? undefined : typeof values[k] === "string" ? (values[k] as string) : JSON.stringify(values[k])),
  getSecret: (k) => values[`secret:${k}`],
});

describe("stack config", () => {
  it("returns typed hosts with defaults", () => {
    const c = loadConfig(raw({ hosts: [{ name: "web-1", role: "none", address: "198.18.0.10", hostKey: KEY, privateKeyPath: "~/.ssh/k" }] }), "/p");
    expect(c.hosts).toEqual([{ name: "web-1", flavor: "systemd", role: "none", connection: { host: "198.18.0.10", port: 22, user: "root", hostKey: KEY, privateKeyPath: "~/.ssh/k" }, appUserPrivileges: "refuse" }]);
  });

  it("lists every bad key at once, each with what to do", () => {
    let err: ConfigError | undefined;
    try {
      loadConfig(raw({ hosts: [{ name: "Web_1", role: "web", flavor: "vm", address: "", port: 70000, hostKey: "AAAA", user: "x; id" }, { name: "Web_1" }] }), "/p");
    } catch (e) {
      err = e as ConfigError;
    }
    expect(err?.problems).toEqual([
      'hostform:hosts[0].name must be a short lowercase host name (letters, digits, -), got "Web_1"',
      'hostform:hosts[0].flavor must be "systemd" or "container" (no init system, e.g. Vast.ai), got "vm"',
      "hostform:hosts[0].address is missing: the host's IP or DNS name",
      "hostform:hosts[0].port must be a TCP port number, got 70000",
      'hostform:hosts[0].hostKey: not an SSH public host key: expected "ssh-ed25519 AAAA…" (as in known_hosts or ssh-keyscan output), got "AAAA"',
      'hostform:hosts[0].user must be a login name, got "x; id"',
      "hostform:hosts[0]: no SSH key: set hostform:hosts[0].privateKeyPath, or the secret hostform:sshPrivateKey (pulumi config set --secret sshPrivateKey < key)",
      'hostform:hosts[0].role must be one of "flatlogic", "duel", "metahuman", "none", got "web"',
      'hostform:hosts[1].name must be a short lowercase host name (letters, digits, -), got "Web_1"',
      'hostform:hosts[1].name "Web_1" is used twice: host names identify resources and must be unique',
      "hostform:hosts[1].address is missing: the host's IP or DNS name",
      "hostform:hosts[1].hostKey is missing: pin the host's SSH key (\"ssh-ed25519 AAAA…\", from ssh-keyscan verified out of band); hostform never trusts a key on first use",
      "hostform:hosts[1]: no SSH key: set hostform:hosts[1].privateKeyPath, or the secret hostform:sshPrivateKey (pulumi config set --secret sshPrivateKey < key)",
      'hostform:hosts[1].role is missing: give the host its topology ("flatlogic" or "duel" or "metahuman"), or write role: none for a host hostform only marks (/etc/hostform/host.json)',
    ]);
    expect(err?.message).toMatch(/^hostform: the stack config has 14 problems:\n  - hostform:hosts\[0\]\.name/);
  });

  it("fills hosts from the sandbox inventory, and says how to start a missing one", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "hf-inv-"));
    writeFileSync(path.join(dir, "inv.json"), JSON.stringify({ hosts: { duel: { address: "10.231.2.2", port: 22, user: "root", hostPublicKey: KEY, privateKeyPath: "/k", flavor: "container" } } }));
    const c = loadConfig(raw({ inventoryFile: "inv.json", hosts: [{ name: "duel", role: "none" }] }), dir);
    expect(c.hosts[0]).toEqual({ name: "duel", flavor: "container", role: "none", connection: { host: "10.231.2.2", port: 22, user: "root", hostKey: KEY, privateKeyPath: "/k" }, appUserPrivileges: "refuse" });
    expect(() => loadConfig(raw({ inventoryFile: "inv.json", hosts: [{ name: "other", flavor: "systemd", role: "none" }] }), dir)).toThrow(
      'hostform:hosts[0]: host "other" is not in the inventory inv.json; start it with: npm run sandbox -- up other:systemd',
    );
  });

  it("lists every template placeholder in one problem, without the complaints each one would cause", () => {
    const placeholder = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPLACEHOLDERREPLACEWITHTHEHOSTSREALKEY00";
    let err: ConfigError | undefined;
    try {
      loadConfig(raw({
        hosts: [
          { name: "a", role: "flatlogic", address: "203.0.113.10", hostKey: placeholder, privateKeyPath: "/k" },
          { name: "b", role: "none", address: "<the host's address>", hostKey: "<npm run hosts -- pin ADDRESS>", port: 0, privateKeyPath: "/k" },
        ],
        flatlogic: { repo: "<the app's git remote>", releasesKeep: 0 },
      }), "/p");
    } catch (e) {
      err = e as ConfigError;
    }
    expect(err?.problems).toEqual([
      "the stack file still has 5 template placeholders; replace each with the real value (host keys: npm run hosts -- pin <address> --stack <stack> --host <name>):\n" +
        "      hostform:hosts[0].address: 203.0.113.10\n" +
        `      hostform:hosts[0].hostKey: ${placeholder}\n` +
        "      hostform:hosts[1].address: <the host's address>\n" +
        "      hostform:hosts[1].hostKey: <npm run hosts -- pin ADDRESS>\n" +
        "      hostform:flatlogic.repo: <the app's git remote>",
      "hostform:hosts[1].port must be a TCP port number, got 0",
      "hostform:flatlogic.releasesKeep must be a whole number from 1 to 50, got 0",
    ]);
  });

  it("a host without a role is an error; role: none written out is accepted", () => {
    const host = { name: "a", address: "198.18.0.10", hostKey: KEY, privateKeyPath: "/k" };
    expect(() => loadConfig(raw({ hosts: [host] }), "/p")).toThrow('hostform:hosts[0].role is missing: give the host its topology ("flatlogic" or "duel" or "metahuman"), or write role: none');
    expect(loadConfig(raw({ hosts: [{ ...host, role: "none" }] }), "/p").hosts[0].role).toBe("none");
  });

  it("takes the private key from the secret when no path is set", () => {
    const c = loadConfig(raw({ hosts: [{ name: "a", role: "none", address: "h", hostKey: KEY }], "secret:sshPrivateKey": "SECRET-OUTPUT" }), "/p");
    expect(c.hosts[0].privateKeySecret).toBe("SECRET-OUTPUT");
    expect(c.hosts[0].connection).not.toHaveProperty("privateKey");
  });

  it("topology settings: each bad key named with its fix, secrets never shown", () => {
    const host = { address: "198.18.0.10", hostKey: KEY, privateKeyPath: "/k" };
    let err: ConfigError | undefined;
    try {
      loadConfig(raw({
        hosts: [{ name: "web", role: "flatlogic", ...host }, { name: "gpu", role: "duel", flavor: "container", ...host }],
        flatlogic: { repo: "git@example:app.git", releasesKeep: 0, node: { version: "22.1.0" } },
        duel: { repo: "/srv/git/duel.git", display: "99" },
        duelSecrets: { DATABASE_URL: "postgres//duel:hunter2@db/duel", TWITCH_STREAM_KEY: "k", TWITCH_STREAM_URL: "http://live.example/app" },
      }), "/p");
    } catch (e) {
      err = e as ConfigError;
    }
    expect(err?.problems).toEqual([
      'hostform:flatlogic.node.version must be a Node.js 20.x.y version (the runbook requires 20.x), got "22.1.0"',
      "hostform:flatlogic.releasesKeep must be a whole number from 1 to 50, got 0",
      expect.stringMatching(/^hostform:duelSecrets\.DATABASE_URL: is not a URL \(value not shown/),
      "hostform:duelSecrets.ADMIN_CODE is missing: graceful restarts need it (pulumi config set --secret --path 'duelSecrets.ADMIN_CODE' …)",
      'hostform:duel.display must be an X display like ":99", got "99"',
    ]);
    expect(err?.message).not.toContain("hunter2");
  });

  it("refuses the metahuman role on a container host before any SSH: its agents are systemd units", () => {
    const host = { address: "198.18.0.10", hostKey: KEY, privateKeyPath: "/k" };
    expect(() => loadConfig(raw({ hosts: [{ name: "mh", role: "metahuman", flavor: "container", ...host }], metahuman: { repo: "/srv/git/mh.git" } }), "/p"))
      .toThrow('hostform:hosts[0]: role "metahuman" does not run on flavor "container": it supports systemd');
  });

  it("refuses a role that is not a topology, and a flavor the host's topology does not run on, before any SSH", () => {
    const host = { address: "198.18.0.10", hostKey: KEY, privateKeyPath: "/k" };
    const registry = TOPOLOGIES as Record<string, Topology>;
    registry["systemd-only"] = { ...TOPOLOGIES.flatlogic, role: "systemd-only", flavors: ["systemd"] };
    try {
      expect(() => loadConfig(raw({
        hosts: [{ name: "a", role: "wordpress", ...host }, { name: "b", role: "systemd-only", flavor: "container", ...host }],
        "systemd-only": { repo: "/srv/git/app.git" },
      }), "/p")).toThrow(
        "hostform: the stack config has 2 problems:\n" +
          '  - hostform:hosts[0].role must be one of "flatlogic", "duel", "metahuman", "systemd-only", "none", got "wordpress"\n' +
          '  - hostform:hosts[1]: role "systemd-only" does not run on flavor "container": it supports systemd',
      );
    } finally {
      delete registry["systemd-only"];
    }
  });
});

describe("the deploy login and the app user (review N1)", () => {
  const host = (over: Record<string, unknown> = {}) => ({ name: "web-1", role: "flatlogic", address: "198.18.0.10", hostKey: KEY, privateKeyPath: "/k", ...over });
  const problems = (values: Record<string, unknown>): string[] => {
    try { loadConfig(raw(values), "/p"); return []; } catch (e) { return (e as ConfigError).problems; }
  };
  const flatlogic = { repo: "https://git.example/app.git" };

  it("refuses a role whose app user is the host's login user, naming the fix", () => {
    expect(problems({ hosts: [host({ user: "ubuntu" })], flatlogic })).toEqual([
      'hostform:hosts[0].user "ubuntu" is also role flatlogic\'s app user (hostform:flatlogic.appUser): the login holds sudo, the app user must not. ' +
        "Log in as a separate user with passwordless sudo (e.g. deploy; docs/production.md) and set hostform:hosts[0].user to it",
    ]);
    expect(problems({ hosts: [host({ user: "deploy" })], flatlogic: { ...flatlogic, appUser: "deploy" } })).toHaveLength(1);
    expect(problems({ hosts: [host({ user: "deploy" })], flatlogic })).toEqual([]);
  });

  it("knows the duel's app user per flavor when the stack names none: hyperscape on systemd, root in a container", () => {
    const duel = { repo: "https://git.example/duel.git" };
    const secrets = { duelSecrets: { DATABASE_URL: "postgresql://duel:pw-0123456789@localhost:5432/duel", ADMIN_CODE: "admin-0123456789" } };
    expect(problems({ hosts: [host({ role: "duel", user: "hyperscape" })], duel, ...secrets })).toHaveLength(1);
    expect(problems({ hosts: [host({ role: "duel", user: "hyperscape", flavor: "container" })], duel, ...secrets })).toEqual([]);
    const c = loadConfig(raw({ hosts: [host({ role: "duel", user: "deploy" }), host({ name: "gpu-1", role: "duel", flavor: "container" })], duel, ...secrets }), "/p");
    expect(c.hosts.map((h) => appUserOn(h, c.roles[h.role]))).toEqual(["hyperscape", "root"]);
  });

  it("accepts root logging in to run root's apps (a Vast.ai container)", () => {
    expect(problems({ hosts: [host({ user: "root", flavor: "container" })], flatlogic: { ...flatlogic, appUser: "root" } })).toEqual([]);
  });

  it("reads hostform:appUserPrivileges per role: refuse by default, revoke, accept; anything else is refused", () => {
    const c = loadConfig(raw({ hosts: [host({ user: "deploy" }), host({ name: "web-2", user: "deploy" })], flatlogic, appUserPrivileges: { flatlogic: "revoke" } }), "/p");
    expect(c.hosts.map((h) => h.appUserPrivileges)).toEqual(["revoke", "revoke"]);
    expect(loadConfig(raw({ hosts: [host({ user: "deploy" })], flatlogic }), "/p").hosts[0]!.appUserPrivileges).toBe("refuse");
    expect(loadConfig(raw({ hosts: [host({ user: "deploy" })], flatlogic, appUserPrivileges: { flatlogic: "accept" } }), "/p").hosts[0]!.appUserPrivileges).toBe("accept");
    expect(problems({ hosts: [host({ user: "deploy" })], flatlogic, appUserPrivileges: { flatlogic: "ignore", web: "revoke" } })).toEqual([
      'hostform:appUserPrivileges.flatlogic must be "refuse" (the default: up fails on a privileged app user), "revoke" (up removes its sudo rules and privileged groups) or "accept" (warns on every run), got "ignore"',
      "hostform:appUserPrivileges.web: no such role; the roles are flatlogic, duel, metahuman",
    ]);
    expect(problems({ hosts: [host({ user: "deploy" })], flatlogic, appUserPrivileges: ["flatlogic"] })).toEqual([
      "hostform:appUserPrivileges must be an object of role: refuse | revoke | accept, e.g. flatlogic: revoke",
    ]);
  });

  it("refuses revoke for an app user that is root", () => {
    expect(problems({ hosts: [host({ user: "deploy" })], flatlogic: { ...flatlogic, appUser: "root" }, appUserPrivileges: { flatlogic: "revoke" } })).toEqual([
      'hostform:appUserPrivileges.flatlogic is "revoke", but role flatlogic\'s app user on web-1 is root, whose rights cannot be revoked: set hostform:flatlogic.appUser to an unprivileged user',
    ]);
  });
});
