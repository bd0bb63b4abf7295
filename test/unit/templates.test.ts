import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import { ConfigError, loadConfig, type RawConfig } from "../../infra/config";

const ROOT = path.resolve(__dirname, "../..");
const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA400bpYgarO7hBQ5+HyZhTk26Wtle15Kn1cN4IF3aGw";

/** A stack file's config as pulumi.Config hands it to the program (objects as JSON text). */
function rawOf(text: string, secrets: Record<string, unknown> = {}): RawConfig {
  const config = { ...(parseDocument(text).toJS().config as Record<string, unknown>), ...secrets };
  const get = (k: string) => {
    const v = config[`hostform:${k}`];
    return v === undefined ? undefined : typeof v === "string" ? v : JSON.stringify(v);
  };
  return { get, getSecret: get };
}

function problemsOf(raw: RawConfig): string[] {
  try {
    loadConfig(raw, ROOT);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

const duelSecrets = { "hostform:duelSecrets": { DATABASE_URL: "postgresql://duel:pw@localhost:5432/duel", ADMIN_CODE: "c" } };

describe.each([
  ["prod", ["flatlogic-1", "duel-1"], ["hostform:flatlogic.repo", "hostform:duel.repo"]],
  ["staging", ["flatlogic-staging", "duel-staging"], ["hostform:flatlogic.repo", "hostform:flatlogic.serverName", "hostform:duel.repo"]],
])("Pulumi.%s.yaml", (stack, names, settings) => {
  const text = readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8");

  it("is refused as it stands, with one problem listing every placeholder, and the missing secrets named", () => {
    const problems = problemsOf(rawOf(text));
    const listed = [...problems[0]!.matchAll(/^ {6}(\S+): /gm)].map((m) => m[1]);
    expect(problems[0]).toMatch(/^the stack file still has \d+ template placeholders; replace each with the real value/);
    expect(listed).toEqual([
      "hostform:hosts[0].address", "hostform:hosts[0].hostKey", "hostform:hosts[1].address", "hostform:hosts[1].hostKey", ...settings,
    ]);
    expect(problems.slice(1)).toEqual([
      expect.stringMatching(/^hostform:duelSecrets\.DATABASE_URL/),
      expect.stringMatching(/^hostform:duelSecrets\.ADMIN_CODE is missing/),
    ]);
  });

  it("every host has its role written out", () => {
    const hosts = parseDocument(text).toJS().config["hostform:hosts"] as { name: string; role?: string }[];
    expect(hosts.map((h) => [h.name, h.role])).toEqual([[names[0], "flatlogic"], [names[1], "duel"]]);
  });

  it("filled in, it is a valid stack of one flatlogic and one duel host", () => {
    let filled = text;
    filled = filled.replace(/address: <[^\n]*>/g, "address: 198.18.0.10").replace(/hostKey: <[^\n]*>/g, `hostKey: ${KEY}`);
    filled = filled.replace(/repo: <[^\n]*>/g, "repo: git@git.example:org/app.git").replace(/serverName: <[^\n]*>/g, "serverName: staging.example.org");
    expect(problemsOf(rawOf(filled, duelSecrets))).toEqual([]);
    const c = loadConfig(rawOf(filled, duelSecrets), ROOT);
    expect(c.hosts.map((h) => [h.name, h.role, h.flavor, h.connection.user])).toEqual([[names[0], "flatlogic", "systemd", "deploy"], [names[1], "duel", "container", "root"]]);
    // The deploy login is not the app user (ubuntu, the runbook's), whose privileges up revokes (review N1).
    expect((c.roles.flatlogic!.settings as { appUser: string }).appUser).toBe("ubuntu");
    expect(c.hosts.map((h) => h.appUserPrivileges)).toEqual(["revoke", "refuse"]);
  });
});
