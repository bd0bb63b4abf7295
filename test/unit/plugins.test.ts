import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig, type RawConfig } from "../../infra/config";
import { installedPlugin } from "../../infra/plugins";

// Issue 22: a stack whose settings need the Cloudflare plugin is refused before any host is touched
// when the plugin is not installed (the wrapper switches Pulumi's downloads off).
const ROOT = path.resolve(__dirname, "../..");
const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA400bpYgarO7hBQ5+HyZhTk26Wtle15Kn1cN4IF3aGw";
const raw = (values: Record<string, unknown>): RawConfig => ({
  get: (k) => (values[k] === undefined ? undefined : typeof values[k] === "string" ? (values[k] as string) : JSON.stringify(values[k])),
});
const host = { name: "web-1", role: "flatlogic", address: "198.18.0.10", hostKey: KEY, privateKeyPath: "/k", user: "deploy" };
const withDns = { hosts: [host], flatlogic: { repo: "https://git.example/app.git", cloudflare: { zoneId: "zone-1", recordName: "tbp" } } };
const version = (require("@pulumi/cloudflare/package.json") as { version: string }).version;
const home = mkdtempSync(path.join(tmpdir(), "hf-plugins-"));
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe("resource plugins a stack needs", () => {
  it("refuses a Cloudflare record without the plugin, naming the key, the version and the fix", () => {
    const lookup = () => ({ version: "6.22.1", installed: false });
    let problems: string[] = [];
    try { loadConfig(raw(withDns), "/p", lookup); } catch (e) { problems = (e as ConfigError).problems; }
    expect(problems).toEqual([
      "hostform:flatlogic.cloudflare needs Pulumi's cloudflare resource plugin v6.22.1, which is not installed, so no host was changed: " +
        "run npm run setup on a machine that reaches get.pulumi.com (it installs the plugin), or " +
        "npm run pulumi -- plugin install resource cloudflare 6.22.1; or leave hostform:flatlogic.cloudflare out",
    ]);
  });

  it("takes the stack when the plugin is there, or when no setting needs it", () => {
    expect(loadConfig(raw(withDns), "/p", () => ({ version: "6.22.1", installed: true })).hosts).toHaveLength(1);
    const asked: string[] = [];
    loadConfig(raw({ ...withDns, flatlogic: { repo: "https://git.example/app.git" } }), "/p", (name) => { asked.push(name); return { version: "1", installed: false }; });
    expect(asked).toEqual([]);
  });

  it("is not asked by the tools that need no plugin (the doctor, hosts check)", () => {
    expect(loadConfig(raw(withDns), "/p").hosts).toHaveLength(1);
  });

  it("looks in PULUMI_HOME's plugins folder, at the npm package's version", () => {
    expect(installedPlugin("cloudflare", ROOT, { PULUMI_HOME: home })).toEqual({ version, installed: false });
    const dir = path.join(home, "plugins", `resource-cloudflare-v${version}`);
    mkdirSync(dir, { recursive: true });
    expect(installedPlugin("cloudflare", ROOT, { PULUMI_HOME: home }).installed).toBe(false); // a folder without the binary
    writeFileSync(path.join(dir, "pulumi-resource-cloudflare"), "");
    expect(installedPlugin("cloudflare", ROOT, { PULUMI_HOME: home })).toEqual({ version, installed: true });
  });
});
