import { describe, expect, it } from "vitest";
import {
  apacheModules, CLOUDFLARE_IP_RANGES, FFMPEG_GUARDRAIL_DEFAULTS, flatlogicApps, pm2UnitName, TELEMETRY,
  renderApacheVhost, renderEcosystem, renderPm2SystemdUnit, RenderError,
} from "../../components/topologies/flatlogic/render";
import type { Pm2App } from "../../components/topologies/flatlogic/render";

const VHOST = `<VirtualHost *:80>
    ServerName tbp.flatlogic.app

    ProxyRequests Off
    ProxyPreserveHost On
    RequestHeader setifempty X-Forwarded-Proto "http"

    RewriteEngine On
    RewriteCond %{HTTP:Upgrade} websocket [NC]
    RewriteCond %{HTTP:Connection} upgrade [NC]
    RewriteRule ^/api(/.*)?$ ws://127.0.0.1:3000/api$1 [P,L]
    RewriteCond %{HTTP:Upgrade} websocket [NC]
    RewriteCond %{HTTP:Connection} upgrade [NC]
    RewriteRule ^/(.*)$ ws://127.0.0.1:3001/$1 [P,L]

    ProxyPass /api http://127.0.0.1:3000/api
    ProxyPassReverse /api http://127.0.0.1:3000/api
    ProxyPass / http://127.0.0.1:3001/
    ProxyPassReverse / http://127.0.0.1:3001/

    ErrorLog \${APACHE_LOG_DIR}/error.log
    CustomLog \${APACHE_LOG_DIR}/access.log combined
</VirtualHost>
`;

describe("renderApacheVhost", () => {
  it("renders the runbook's topology for the default arguments", () => {
    expect(renderApacheVhost({ serverName: "tbp.flatlogic.app" })).toBe(VHOST);
    expect(apacheModules({})).toEqual(["proxy", "proxy_http", "proxy_wstunnel", "rewrite", "headers"]);
  });

  it("puts ports, aliases and the API path where they belong", () => {
    const text = renderApacheVhost({
      serverName: "app.example.com", serverAliases: ["www.example.com", "*.example.org"],
      listenPort: 8080, frontendPort: 4001, backendPort: 4000, apiPath: "/v2/api_x-y",
    });
    expect(text.split("\n").filter((l) => /VirtualHost \*|ServerAlias|RewriteRule|ProxyPass/.test(l))).toEqual([
      "<VirtualHost *:8080>",
      "    ServerAlias www.example.com *.example.org",
      "    RewriteRule ^/v2/api_x-y(/.*)?$ ws://127.0.0.1:4000/v2/api_x-y$1 [P,L]",
      "    RewriteRule ^/(.*)$ ws://127.0.0.1:4001/$1 [P,L]",
      "    ProxyPass /v2/api_x-y http://127.0.0.1:4000/v2/api_x-y",
      "    ProxyPassReverse /v2/api_x-y http://127.0.0.1:4000/v2/api_x-y",
      "    ProxyPass / http://127.0.0.1:4001/",
      "    ProxyPassReverse / http://127.0.0.1:4001/",
    ]);
  });

  it("behind Cloudflare trusts CF-Connecting-IP from each published range and logs the client", () => {
    const text = renderApacheVhost({ serverName: "tbp.flatlogic.app", behindCloudflare: true });
    const trusted = CLOUDFLARE_IP_RANGES.map((r) => `    RemoteIPTrustedProxy ${r}\n`).join("");
    expect(text).toBe(
      VHOST.replace("    ServerName tbp.flatlogic.app\n\n", `    ServerName tbp.flatlogic.app\n\n    RemoteIPHeader CF-Connecting-IP\n${trusted}\n`)
        .replace("access.log combined", 'access.log "%a %l %u %t \\"%r\\" %>s %O \\"%{Referer}i\\" \\"%{User-Agent}i\\""'),
    );
    expect(CLOUDFLARE_IP_RANGES).toHaveLength(22);
    expect(text).toContain("    RemoteIPTrustedProxy 173.245.48.0/20\n");
    expect(text).toContain("    RemoteIPTrustedProxy 2c0f:f248::/32\n");
    expect(apacheModules({ behindCloudflare: true })).toEqual(["proxy", "proxy_http", "proxy_wstunnel", "rewrite", "headers", "remoteip"]);
  });

  it("uses configured Cloudflare ranges instead of the defaults", () => {
    const text = renderApacheVhost({ serverName: "a.example", behindCloudflare: true, cloudflareRanges: ["192.0.2.0/24", "2001:db8::/32"] });
    expect(text.split("\n").filter((l) => l.includes("RemoteIP"))).toEqual([
      "    RemoteIPHeader CF-Connecting-IP", "    RemoteIPTrustedProxy 192.0.2.0/24", "    RemoteIPTrustedProxy 2001:db8::/32",
    ]);
  });

  it.each([
    ["a space", { serverName: "tbp flatlogic.app" }, 'serverName "tbp flatlogic.app" is not a DNS name'],
    ["a quote", { serverName: 'x"y.com' }, "serverName \"x\\\"y.com\" is not a DNS name"],
    ["a newline", { serverName: "x.com\n    ProxyPass / http://evil/" }, "is not a DNS name"],
    ["a <", { serverName: "x.com></VirtualHost><VirtualHost *:80>" }, "is not a DNS name"],
    ["a bad alias", { serverName: "x.com", serverAliases: ["ok.com", "bad alias"] }, 'serverAliases: "bad alias" is not a DNS name'],
    ["port 0", { serverName: "x.com", listenPort: 0 }, "listenPort 0 is not a port"],
    ["port 65536", { serverName: "x.com", backendPort: 65536 }, "backendPort 65536 is not a port"],
    ["a fractional port", { serverName: "x.com", frontendPort: 80.5 }, "frontendPort 80.5 is not a port"],
    ["one port for both", { serverName: "x.com", frontendPort: 3000 }, "frontendPort and backendPort are both 3000"],
    ["a relative apiPath", { serverName: "x.com", apiPath: "api" }, 'apiPath "api" must be a path like "/api"'],
    ["an apiPath with a dot", { serverName: "x.com", apiPath: "/api/../x" }, 'apiPath "/api/../x"'],
    ["an apiPath with regex characters", { serverName: "x.com", apiPath: "/api$" }, 'apiPath "/api$"'],
    ["the root as apiPath", { serverName: "x.com", apiPath: "/" }, 'apiPath "/"'],
    ["a bad range", { serverName: "x.com", behindCloudflare: true, cloudflareRanges: ["1.2.3.4/33"] }, 'cloudflareRanges: "1.2.3.4/33" is not a CIDR range'],
    ["a range with a newline", { serverName: "x.com", behindCloudflare: true, cloudflareRanges: ["1.2.3.0/24\nRequire all granted"] }, "is not a CIDR range"],
    ["no ranges", { serverName: "x.com", behindCloudflare: true, cloudflareRanges: [] }, "cloudflareRanges is empty"],
    ["ranges without Cloudflare", { serverName: "x.com", cloudflareRanges: ["1.2.3.0/24"] }, "cloudflareRanges is set but behindCloudflare is not"],
  ])("refuses %s", (_what, args, message) => {
    expect(() => renderApacheVhost(args)).toThrow(RenderError);
    expect(() => renderApacheVhost(args)).toThrow(message);
  });

  it("reports every problem of a call at once", () => {
    expect(() => renderApacheVhost({ serverName: "a b", listenPort: 0, apiPath: "x" })).toThrow(
      'renderApacheVhost: 3 problems:\n  - serverName "a b" is not a DNS name: give a name like "app.example.com"\n'
      + "  - listenPort 0 is not a port: give an integer from 1 to 65535\n"
      + '  - apiPath "x" must be a path like "/api": "/" then segments of [A-Za-z0-9_-], no trailing "/"',
    );
  });
});

const UNIT_ARGS = { user: "ubuntu", home: "/home/ubuntu", pm2Bin: "/usr/local/lib/node_modules/pm2/bin/pm2", nodeBinDir: "/usr/local/bin" };

describe("renderPm2SystemdUnit", () => {
  it("renders what `pm2 startup systemd -u ubuntu --hp /home/ubuntu` writes", () => {
    expect(pm2UnitName("ubuntu")).toBe("pm2-ubuntu.service");
    expect(renderPm2SystemdUnit(UNIT_ARGS)).toBe(`[Unit]
Description=PM2 process manager
Documentation=https://pm2.keymetrics.io/
After=network.target

[Service]
Type=forking
User=ubuntu
LimitNOFILE=infinity
LimitNPROC=infinity
LimitCORE=infinity
Environment=PATH=/usr/local/bin:/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin
Environment=PM2_HOME=/home/ubuntu/.pm2
PIDFile=/home/ubuntu/.pm2/pm2.pid
Restart=on-failure

ExecStart=/usr/local/lib/node_modules/pm2/bin/pm2 resurrect
ExecReload=/usr/local/lib/node_modules/pm2/bin/pm2 reload all
ExecStop=/usr/local/lib/node_modules/pm2/bin/pm2 kill

[Install]
WantedBy=multi-user.target
`);
  });

  it("bounds memory with MemoryMax and keeps running through an OOM kill with OOMPolicy=continue (the June 2026 incident)", () => {
    expect(renderPm2SystemdUnit({ ...UNIT_ARGS, memoryMax: "80%", oomPolicy: "continue" })).toBe(`[Unit]
Description=PM2 process manager
Documentation=https://pm2.keymetrics.io/
After=network.target

[Service]
Type=forking
User=ubuntu
LimitNOFILE=infinity
LimitNPROC=infinity
LimitCORE=infinity
Environment=PATH=/usr/local/bin:/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin
Environment=PM2_HOME=/home/ubuntu/.pm2
PIDFile=/home/ubuntu/.pm2/pm2.pid
Restart=on-failure
MemoryMax=80%
OOMPolicy=continue

ExecStart=/usr/local/lib/node_modules/pm2/bin/pm2 resurrect
ExecReload=/usr/local/lib/node_modules/pm2/bin/pm2 reload all
ExecStop=/usr/local/lib/node_modules/pm2/bin/pm2 kill

[Install]
WantedBy=multi-user.target
`);
    expect(renderPm2SystemdUnit({ ...UNIT_ARGS, memoryMax: "3G" })).toContain("\nRestart=on-failure\nMemoryMax=3G\n\nExecStart=");
  });

  it("requires and orders after extra units", () => {
    const text = renderPm2SystemdUnit({ ...UNIT_ARGS, home: "/srv/app/", requires: ["xvfb.service", "postgresql@15-main.service"] });
    expect(text).toContain("After=network.target xvfb.service postgresql@15-main.service\nRequires=xvfb.service postgresql@15-main.service\n\n[Service]\n");
    expect(text).toContain("Environment=PM2_HOME=/srv/app/.pm2\nPIDFile=/srv/app/.pm2/pm2.pid\n");
  });

  it.each([
    ["a user with a space", { user: "ubu ntu" }, 'user "ubu ntu" is not a user name'],
    ["a user with a newline", { user: "ubuntu\nExecStartPre=/bin/sh" }, "is not a user name"],
    ["a relative home", { home: "home/ubuntu" }, 'home "home/ubuntu" must be an absolute path'],
    ["a % specifier in pm2Bin", { pm2Bin: "/usr/bin/pm2%h" }, 'pm2Bin "/usr/bin/pm2%h" must be an absolute path'],
    ["a $ in nodeBinDir", { nodeBinDir: "/opt/$X/bin" }, "nodeBinDir"],
    ["a space in nodeBinDir", { nodeBinDir: "/opt/node 20/bin" }, "nodeBinDir"],
    ["a .. segment", { home: "/home/../root" }, 'home "/home/../root"'],
    ["a bad unit name", { requires: ["xvfb"] }, 'requires: "xvfb" is not a unit name'],
    ["a MemoryMax with a newline", { memoryMax: "80%\nExecStartPre=/bin/sh" }, "memoryMax \"80%\\nExecStartPre=/bin/sh\" must be like"],
    ["a MemoryMax over 100 %", { memoryMax: "120%" }, 'memoryMax "120%" must be like "80%", "3G" or "infinity"'],
    ["an unknown OOMPolicy", { oomPolicy: "ignore" as "stop" }, 'oomPolicy "ignore" must be "continue", "stop" or "kill"'],
  ])("refuses %s", (_what, override, message) => {
    expect(() => renderPm2SystemdUnit({ ...UNIT_ARGS, ...override })).toThrow(message);
  });
});

const DEFAULT_APPS_ARGS = {
  user: "ubuntu",
  workspace: "/home/ubuntu/executor/workspace",
  frontendDir: "/home/ubuntu/executor/frontend-releases/20260703141124-0123456789ab/frontend",
  backendEnvFile: "/home/ubuntu/.config/flatlogic/backend.env",
};

describe("flatlogicApps", () => {
  it("returns the four runbook apps with production start and the FFmpeg guardrails", () => {
    expect(FFMPEG_GUARDRAIL_DEFAULTS).toEqual({
      reverseTimeoutMs: 600000, ffprobeTimeoutMs: 30000, breakerFailureThreshold: 3, breakerCooldownMs: 60000, breakerSuccessThreshold: 1,
    });
    expect(flatlogicApps(DEFAULT_APPS_ARGS)).toEqual([
      { name: "frontend-dev", cwd: DEFAULT_APPS_ARGS.frontendDir, script: "npm", args: ["run", "start"], env: { FRONT_PORT: "3001" } },
      {
        name: "backend-dev", cwd: "/home/ubuntu/executor/workspace/backend", script: "npm", args: ["run", "start"],
        env: {
          NODE_ENV: "dev_stage", PORT: "3000", FFMPEG_REVERSE_TIMEOUT_MS: "600000", FFPROBE_TIMEOUT_MS: "30000",
          FFMPEG_BREAKER_FAILURE_THRESHOLD: "3", FFMPEG_BREAKER_COOLDOWN_MS: "60000", FFMPEG_BREAKER_SUCCESS_THRESHOLD: "1",
        },
        envFile: "/home/ubuntu/.config/flatlogic/backend.env",
      },
      { name: "fl-telemetry", cwd: "/home/ubuntu/executor", script: "telemetry.js", env: {} },
      { name: "fl-executor", cwd: "/home/ubuntu/executor", script: "executor.js", env: { FRONTEND_RELEASES_KEEP: "2" } },
    ]);
  });

  it("runs the executor and its telemetry daemon from one folder, and gives the executor hostform's releasesKeep", () => {
    const apps = flatlogicApps({ ...DEFAULT_APPS_ARGS, executorDir: "/home/ubuntu/executor/workspace/executor", releasesKeep: 5 });
    expect(apps.slice(2)).toEqual([
      { name: "fl-telemetry", cwd: "/home/ubuntu/executor/workspace/executor", script: "telemetry.js", env: {} },
      { name: "fl-executor", cwd: "/home/ubuntu/executor/workspace/executor", script: "executor.js", env: { FRONTEND_RELEASES_KEEP: "5" } },
    ]);
    expect(TELEMETRY.ports).toEqual([4317, 4318]);
    expect(() => flatlogicApps({ ...DEFAULT_APPS_ARGS, releasesKeep: 0 })).toThrow("releasesKeep 0 must be a positive integer");
  });

  it("takes ports and guardrail overrides, and refuses bad ones", () => {
    const apps = flatlogicApps({ ...DEFAULT_APPS_ARGS, frontendPort: 4001, backendPort: 4000, ffmpeg: { reverseTimeoutMs: 120000 } });
    expect(apps[0].env).toEqual({ FRONT_PORT: "4001" });
    expect(apps[1].env).toMatchObject({ PORT: "4000", FFMPEG_REVERSE_TIMEOUT_MS: "120000", FFPROBE_TIMEOUT_MS: "30000" });
    expect(() => flatlogicApps({ ...DEFAULT_APPS_ARGS, ffmpeg: { breakerCooldownMs: 0 } })).toThrow("ffmpeg.breakerCooldownMs 0 must be a positive integer");
    expect(() => flatlogicApps({ ...DEFAULT_APPS_ARGS, user: "Root;x" })).toThrow('user "Root;x" is not a user name');
    expect(() => flatlogicApps({ ...DEFAULT_APPS_ARGS, backendEnvFile: "backend.env" })).toThrow('backendEnvFile "backend.env" must be an absolute path');
  });
});

const ECOSYSTEM = `// Written by hostform; changes made on the host are replaced on the next run.
"use strict";

const fs = require("fs");

function loadEnv(file) {
  const env = {};
  for (const raw of fs.readFileSync(file, "utf8").split(/\\r?\\n/)) {
    const line = raw.replace(/^\\s*(export\\s+)?/, "");
    if (line === "" || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    if (eq <= 0) continue;
    const text = line.slice(eq + 1).trim();
    const quoted = /^'([^']*(?:'\\\\''[^']*)*)'$/.exec(text);
    const value = quoted ? quoted[1].split("'\\\\''").join("'")
      : text.length >= 2 && text[0] === '"' && text[text.length - 1] === '"' ? text.slice(1, -1) : text;
    env[line.slice(0, eq).trim()] = value;
  }
  return env;
}

module.exports = {
  apps: [
    {
      name: "frontend-dev",
      cwd: "/home/ubuntu/executor/frontend-releases/20260703141124-0123456789ab/frontend",
      script: "npm",
      args: ["run","start"],
      env: {
        "FRONT_PORT": "3001",
      },
    },
    {
      name: "backend-dev",
      cwd: "/home/ubuntu/executor/workspace/backend",
      script: "npm",
      args: ["run","start"],
      env: Object.assign({}, {
        "NODE_ENV": "dev_stage",
        "PORT": "3000",
        "FFMPEG_REVERSE_TIMEOUT_MS": "600000",
        "FFPROBE_TIMEOUT_MS": "30000",
        "FFMPEG_BREAKER_FAILURE_THRESHOLD": "3",
        "FFMPEG_BREAKER_COOLDOWN_MS": "60000",
        "FFMPEG_BREAKER_SUCCESS_THRESHOLD": "1",
      }, loadEnv("/home/ubuntu/.config/flatlogic/backend.env")),
    },
    {
      name: "fl-telemetry",
      cwd: "/home/ubuntu/executor",
      script: "telemetry.js",
      env: {},
    },
    {
      name: "fl-executor",
      cwd: "/home/ubuntu/executor",
      script: "executor.js",
      env: {
        "FRONTEND_RELEASES_KEEP": "2",
      },
    },
  ],
};
`;

/** Evaluates an ecosystem file the way PM2 does (CommonJS, with `require`) and returns its export. */
function load(text: string): { apps: Record<string, unknown>[] } {
  const module = { exports: {} as { apps: Record<string, unknown>[] } };
  new Function("module", "exports", "require", text)(module, module.exports, require);
  return module.exports;
}

describe("renderEcosystem", () => {
  it("renders the Flatlogic apps, reading the backend's secrets from its env file", () => {
    expect(renderEcosystem(flatlogicApps(DEFAULT_APPS_ARGS))).toBe(ECOSYSTEM);
  });

  it("omits the loader without an env file and maps the PM2 options", () => {
    const app: Pm2App = {
      name: "api", cwd: "/srv/api", script: "server.js", args: ["--flag", "a b"], env: {},
      instances: "max", execMode: "cluster", autorestart: false, restartDelay: 0, expBackoffRestartDelay: 100, maxMemoryRestart: "1G",
    };
    expect(renderEcosystem([app])).toBe(`// Written by hostform; changes made on the host are replaced on the next run.
"use strict";

module.exports = {
  apps: [
    {
      name: "api",
      cwd: "/srv/api",
      script: "server.js",
      args: ["--flag","a b"],
      instances: "max",
      exec_mode: "cluster",
      autorestart: false,
      restart_delay: 0,
      exp_backoff_restart_delay: 100,
      max_memory_restart: "1G",
      env: {},
    },
  ],
};
`);
  });

  it("emits hostile values as inert JSON strings", () => {
    const value = `"; require("child_process").execSync("id"); "\n\u2028\`\${x}\`</script>`;
    const text = renderEcosystem([{ name: "a", cwd: "/srv/a", script: 'x"); process.exit(1); ("', args: [value], env: { V: value } }]);
    const apps = load(text).apps;
    expect(apps[0].env).toEqual({ V: value });
    expect(apps[0].args).toEqual([value]);
    expect(apps[0].script).toBe('x"); process.exit(1); ("');
  });

  it("reads the env file at load time: blanks, comments, export and one level of quotes", async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const dir = mkdtempSync(`${tmpdir()}/hostform-eco-`);
    try {
      writeFileSync(`${dir}/backend.env`, [
        "# secrets", "", "DB_PASS='p@ss \"word\"'", 'export JWT_SECRET="s3cret"', "  PORT = 3999", "QUOTED=\"'x'\"", "NOEQUALS", "EMPTY=", "HALF=\"open",
      ].join("\n"));
      const text = renderEcosystem([{ name: "api", cwd: "/srv/api", script: "npm", env: { PORT: "3000", NODE_ENV: "dev_stage" }, envFile: `${dir}/backend.env` }]);
      expect(text).not.toContain("s3cret");
      expect(load(text).apps[0].env).toEqual({
        PORT: "3999", NODE_ENV: "dev_stage", DB_PASS: 'p@ss "word"', JWT_SECRET: "s3cret", QUOTED: "'x'", EMPTY: "", HALF: '"open',
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ["a lowercase env key", [{ name: "backend-dev", cwd: "/a", script: "x", env: { port: "1" } }], 'app "backend-dev": env key "port" must match'],
    ["an env key with a quote", [{ name: "b", cwd: "/a", script: "x", env: { 'A"B': "1" } }], 'app "b": env key "A\\"B" must match'],
    ["a duplicate name", [{ name: "a", cwd: "/a", script: "x", env: {} }, { name: "a", cwd: "/b", script: "y", env: {} }], 'app "a": the name is used twice'],
    ["a relative cwd", [{ name: "a", cwd: "a", script: "x", env: {} }], 'app "a": cwd "a" must be an absolute path'],
    ["a relative envFile", [{ name: "a", cwd: "/a", script: "x", env: {}, envFile: ".env" }], 'app "a": envFile ".env" must be an absolute path'],
    ["zero instances", [{ name: "a", cwd: "/a", script: "x", env: {}, instances: 0 }], 'app "a": instances must be a positive integer or "max"'],
    ["a bad memory limit", [{ name: "a", cwd: "/a", script: "x", env: {}, maxMemoryRestart: "1 GB" }], 'app "a": maxMemoryRestart "1 GB"'],
    ["no apps", [], "no apps: give at least one"],
  ])("refuses %s", (_what, apps, message) => {
    expect(() => renderEcosystem(apps as Pm2App[])).toThrow(message);
  });
});
