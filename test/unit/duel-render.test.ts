import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { renderEcosystem } from "../../components/blocks/pm2/render";
import { RenderError } from "../../components/blocks/validate";
import { browserEnv, duelApps, renderOnstart, renderRestoreSecretsUnit, renderXvfbUnit } from "../../components/topologies/duel/render";

const XVFB_UNIT = `[Unit]
Description=Xvfb virtual display :99 for WebGPU capture

[Service]
Type=simple
User=hyperscape
Group=hyperscape
ExecStartPre=+/usr/bin/systemd-tmpfiles --create --boot --prefix=/tmp/.X11-unix
ExecStart=/usr/bin/Xvfb :99 -screen 0 1920x1080x24 -nolisten tcp
ExecStartPost=/usr/bin/timeout 20 /bin/sh -c 'until [ -S /tmp/.X11-unix/X99 ]; do sleep 0.2; done'
Restart=always
RestartSec=2

[Install]
WantedBy=multi-user.target
`;

describe("renderXvfbUnit", () => {
  it("renders the guide's display :99 at 1920x1080x24 by default, run by the app user after root made /tmp/.X11-unix", () => {
    expect(renderXvfbUnit({ user: "hyperscape" })).toBe(XVFB_UNIT);
  });

  it("runs as the user it is given (root only when the app user is root)", () => {
    expect(renderXvfbUnit({ user: "root" })).toBe(XVFB_UNIT.replace("User=hyperscape\nGroup=hyperscape", "User=root\nGroup=root"));
  });

  it("puts a custom display, screen and binary where they belong", () => {
    expect(renderXvfbUnit({ user: "hyperscape", display: ":1", screen: "1280x720x16", xvfbBin: "/opt/x11/bin/Xvfb" })).toBe(
      XVFB_UNIT.replace("display :99", "display :1")
        .replace("/usr/bin/Xvfb :99 -screen 0 1920x1080x24", "/opt/x11/bin/Xvfb :1 -screen 0 1280x720x16")
        .replace("/tmp/.X11-unix/X99", "/tmp/.X11-unix/X1"),
    );
  });

  it("refuses bad values, all at once", () => {
    expect(() => renderXvfbUnit({ user: "hyperscape", display: "99", screen: "1920x1080", xvfbBin: "Xvfb" })).toThrow(RenderError);
    expect(() => renderXvfbUnit({ user: "root\nUser=root", display: "99", screen: "1920x1080", xvfbBin: "Xvfb" })).toThrow(
      'renderXvfbUnit: 4 problems:\n  - display "99" must look like ":99"\n  - screen "1920x1080" must be WIDTHxHEIGHTxDEPTH, like "1920x1080x24"\n'
      + '  - xvfbBin "Xvfb" must be an absolute path of [A-Za-z0-9._+@/-]\n  - user "root\\nUser=root" is not a user name: give a Debian user name like "hyperscape"',
    );
    expect(() => renderXvfbUnit({ user: "hyperscape", display: ":99\nExecStartPre=/bin/rm -rf /" })).toThrow(/display/);
  });
});

const SECRETS_UNIT = `[Unit]
Description=Restore /tmp/hyperscape-secrets.env for PM2 (/tmp is emptied at boot)
After=local-fs.target tmp.mount systemd-tmpfiles-setup.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/bin/install -m 0600 -o ubuntu -g ubuntu /etc/hostform/duel/secrets.env /tmp/hyperscape-secrets.env

[Install]
WantedBy=multi-user.target
`;

describe("renderRestoreSecretsUnit", () => {
  it("copies the kept file to /tmp, 0600 and owned by the app user, once per boot", () => {
    expect(renderRestoreSecretsUnit({ canonical: "/etc/hostform/duel/secrets.env", runtime: "/tmp/hyperscape-secrets.env", user: "ubuntu" })).toBe(SECRETS_UNIT);
  });

  it("refuses bad values", () => {
    expect(() => renderRestoreSecretsUnit({ canonical: "/tmp/a.env", runtime: "/tmp/a.env", user: "Ubuntu" })).toThrow(
      'renderRestoreSecretsUnit: 2 problems:\n  - user "Ubuntu" is not a user name: give a Debian user name like "ubuntu"\n'
      + "  - canonical and runtime are the same file: keep the canonical copy outside /tmp",
    );
    expect(() => renderRestoreSecretsUnit({ canonical: "/etc/a b.env", runtime: "tmp/x", user: "ubuntu" })).toThrow(/canonical "\/etc\/a b.env"[\s\S]*runtime "tmp\/x"/);
  });
});

const ONSTART_ARGS = {
  display: ":99", screen: "1920x1080x24", secretsCanonical: "/etc/hostform/duel/secrets.env", secretsRuntime: "/tmp/hyperscape-secrets.env",
  user: "ubuntu", home: "/home/ubuntu", pm2Bin: "/opt/hostform/pm2/lib/node_modules/pm2/bin/pm2", nodeBinDir: "/opt/node/bin",
};

const ONSTART_HEAD = `#!/bin/bash
# Written by hostform; changes made on the host are replaced on the next run.
# Runs at every container start (there is no init system). No set -e on purpose: a failed step
# is logged and the next one still runs; the exit status says whether any step failed.
set -u
failed=0
log() { printf '%s onstart: %s\\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*"; }
fail() { log "FAILED: $*"; failed=1; }

# PM2's ecosystem reads the secrets at load time, and /tmp does not survive a restart.
if install -m 0600 -o ubuntu -g ubuntu /etc/hostform/duel/secrets.env /tmp/hyperscape-secrets.env; then
  log 'restored /tmp/hyperscape-secrets.env'
else
  fail 'cannot restore /tmp/hyperscape-secrets.env from /etc/hostform/duel/secrets.env'
fi

# Xvfb before PM2: WebGPU needs a display. A small supervisor restarts Xvfb when it dies.
xvfb_socket=/tmp/.X11-unix/X99
supervisor=$(cat /run/hostform-xvfb.pid 2>/dev/null || :)
if [ -n "$supervisor" ] && grep -qsF hostform-xvfb-supervisor "/proc/$supervisor/cmdline"; then
  log "Xvfb supervisor already running (pid $supervisor)"
else
  # A lock left by an earlier container run names a pid that may be alive again: Xvfb would refuse.
  rm -f /tmp/.X99-lock "$xvfb_socket"
  # Root makes it 1777 root (an Xvfb that is not root cannot): a link planted there is removed, never followed.
  if [ -L /tmp/.X11-unix ]; then rm -f /tmp/.X11-unix; fi
  mkdir -p /tmp/.X11-unix && chown -h root:root /tmp/.X11-unix && chmod 1777 /tmp/.X11-unix
  nohup bash -c 'while :; do runuser -u "$4" -- "$1" "$2" -screen 0 "$3" -nolisten tcp; rc=$?; echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) Xvfb exited ($rc), restarting in 2 s"; sleep 2; done' \\
    hostform-xvfb-supervisor /usr/bin/Xvfb :99 1920x1080x24 ubuntu >>/var/log/xvfb.log 2>&1 </dev/null &
  echo "$!" >/run/hostform-xvfb.pid
  log "started the Xvfb supervisor (pid $!)"
fi
waited=0
while [ ! -S "$xvfb_socket" ] && [ "$waited" -lt 40 ]; do sleep 0.5; waited=$((waited + 1)); done
if [ -S "$xvfb_socket" ]; then
  log 'Xvfb :99 is up'
else
  fail 'Xvfb :99 has no socket after 20 s: see /var/log/xvfb.log'
fi
`;

const ONSTART_POSTGRES = `
# DATABASE_URL points at this machine: its cluster must be up before the server connects.
if pg_ctlcluster 15 main status >/dev/null 2>&1; then
  log 'PostgreSQL 15/main already running'
elif pg_ctlcluster 15 main start; then
  log 'started PostgreSQL 15/main'
else
  fail 'cannot start PostgreSQL 15/main: see /var/log/postgresql/postgresql-15-main.log'
fi
`;

const ONSTART_TAIL = `
# SysV services hostform enables on this host (hostform Service resources).
if [ -d /etc/hostform/boot.d ]; then
  if run-parts /etc/hostform/boot.d; then log 'ran /etc/hostform/boot.d'; else fail 'a hook in /etc/hostform/boot.d failed'; fi
fi

# PM2 last, so the apps find the display, the secrets and the database. resurrect on a running
# daemon would start the saved apps a second time, so a live God Daemon is left alone.
pm2_pid=$(runuser -u ubuntu -- timeout 5 head -c 32 -- /home/ubuntu/.pm2/pm2.pid 2>/dev/null || :)
case "$pm2_pid" in *[!0-9]*) pm2_pid="" ;; esac
if [ -n "$pm2_pid" ] && grep -qsF 'God Daemon (/home/ubuntu/.pm2)' "/proc/$pm2_pid/cmdline"; then
  log "PM2 already running (pid $pm2_pid)"
elif (umask 077 && cd /home/ubuntu && exec runuser -u ubuntu -- env PM2_HOME=/home/ubuntu/.pm2 PATH=/opt/node/bin:/usr/local/bin:/usr/bin:/bin /opt/hostform/pm2/lib/node_modules/pm2/bin/pm2 resurrect); then
  log "PM2 resurrected the saved process list"
else
  fail 'pm2 resurrect failed for ubuntu'
fi
exit "$failed"
`;

/** `bash -n` on the text: the status and what bash said. */
function bashSyntax(text: string): { status: number | null; out: string } {
  const dir = mkdtempSync(path.join(tmpdir(), "hostform-onstart-"));
  try {
    const file = path.join(dir, "onstart.sh");
    writeFileSync(file, text);
    const r = spawnSync("bash", ["-n", file], { encoding: "utf8", timeout: 10_000 });
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("renderOnstart", () => {
  it("restores secrets, supervises Xvfb, runs the boot hooks and resurrects PM2, in that order", () => {
    expect(renderOnstart(ONSTART_ARGS)).toBe(ONSTART_HEAD + ONSTART_TAIL);
  });

  it("without a display or secrets (a Flatlogic container) runs only the boot hooks and PM2", () => {
    const { display: _d, screen: _s, secretsCanonical: _c, secretsRuntime: _r, ...pm2Only } = ONSTART_ARGS;
    const text = renderOnstart(pm2Only);
    expect(text).toBe(ONSTART_HEAD.slice(0, ONSTART_HEAD.indexOf("\n# PM2's ecosystem")) + ONSTART_TAIL);
    expect(bashSyntax(text)).toEqual({ status: 0, out: "" });
  });

  it("starts the local PostgreSQL cluster after Xvfb and before the hooks and PM2", () => {
    expect(renderOnstart({ ...ONSTART_ARGS, localPostgres: { version: "15", cluster: "main" } })).toBe(ONSTART_HEAD + ONSTART_POSTGRES + ONSTART_TAIL);
  });

  it("is valid bash, with and without PostgreSQL", () => {
    for (const text of [renderOnstart(ONSTART_ARGS), renderOnstart({ ...ONSTART_ARGS, localPostgres: { version: "16", cluster: "duel_1" } })]) {
      expect(bashSyntax(text)).toEqual({ status: 0, out: "" });
    }
    expect(bashSyntax("if then\n").status).not.toBe(0);
  });

  it("derives the socket, the lock and the Xvfb arguments from the display", () => {
    const text = renderOnstart({ ...ONSTART_ARGS, display: ":7", screen: "1280x720x24", xvfbBin: "/opt/x/Xvfb" });
    expect(text).toContain("xvfb_socket=/tmp/.X11-unix/X7\n");
    expect(text).toContain("  rm -f /tmp/.X7-lock \"$xvfb_socket\"\n");
    expect(text).toContain("    hostform-xvfb-supervisor /opt/x/Xvfb :7 1280x720x24 ubuntu >>/var/log/xvfb.log 2>&1 </dev/null &\n");
  });

  it("starts Xvfb as the app user through runuser, and directly only when the app user is root (Vast.ai's default)", () => {
    const root = renderOnstart({ ...ONSTART_ARGS, user: "root", home: "/root" });
    expect(root).toContain(`
  nohup bash -c 'while :; do "$1" "$2" -screen 0 "$3" -nolisten tcp; rc=$?; echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) Xvfb exited ($rc), restarting in 2 s"; sleep 2; done' \\
    hostform-xvfb-supervisor /usr/bin/Xvfb :99 1920x1080x24 >>/var/log/xvfb.log 2>&1 </dev/null &
`);
    expect(root).not.toContain("runuser -u \"$4\"");
    expect(bashSyntax(root)).toEqual({ status: 0, out: "" });
  });

  it("refuses values that are not plain, all at once", () => {
    let error: unknown;
    try {
      renderOnstart({
        ...ONSTART_ARGS, display: ":99 ; id", screen: "big", user: "root; id", home: "/home/$(id)", pm2Bin: "pm2",
        localPostgres: { version: "15; id", cluster: "main main" },
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RenderError);
    expect((error as RenderError).problems).toEqual([
      'display ":99 ; id" must look like ":99"',
      'screen "big" must be WIDTHxHEIGHTxDEPTH, like "1920x1080x24"',
      'home "/home/$(id)" must be an absolute path of [A-Za-z0-9._+@/-]',
      'pm2Bin "pm2" must be an absolute path of [A-Za-z0-9._+@/-]',
      'user "root; id" is not a user name: give a Debian user name like "ubuntu"',
      'localPostgres.version "15; id" must be a major version like "15"',
      'localPostgres.cluster "main main" must be a cluster name like "main"',
    ]);
  });
});

describe("duelApps", () => {
  const args = {
    cwd: "/home/ubuntu/hyperscape", secretsFile: "/tmp/hyperscape-secrets.env", display: ":99",
    env: { DUEL_DATABASE_MODE: "local", USE_LOCAL_POSTGRES: "true", POSTGRES_POOL_MAX: "20", STREAM_PLATFORMS: "twitch,kick" },
  };

  it("is the guide's duel-arena app, with DISPLAY forwarded and the secrets read from the file", () => {
    expect(duelApps(args)).toEqual([{
      name: "duel-arena",
      cwd: "/home/ubuntu/hyperscape",
      script: "npm",
      args: ["run", "start"],
      env: { DUEL_DATABASE_MODE: "local", USE_LOCAL_POSTGRES: "true", POSTGRES_POOL_MAX: "20", STREAM_PLATFORMS: "twitch,kick", DISPLAY: ":99" },
      envFile: "/tmp/hyperscape-secrets.env",
      autorestart: true,
      restartDelay: 10000,
      expBackoffRestartDelay: 2000,
    }]);
  });

  it("takes another command, and renders into an ecosystem file without any secret", () => {
    const [app] = duelApps({ ...args, script: "bun", args: ["run", "start"] });
    expect([app.script, app.args]).toEqual(["bun", ["run", "start"]]);
    const text = renderEcosystem(duelApps(args));
    expect(text).toContain(`      restart_delay: 10000,
      exp_backoff_restart_delay: 2000,
      env: Object.assign({}, {
        "DUEL_DATABASE_MODE": "local",
        "USE_LOCAL_POSTGRES": "true",
        "POSTGRES_POOL_MAX": "20",
        "STREAM_PLATFORMS": "twitch,kick",
        "DISPLAY": ":99",
      }, loadEnv("/tmp/hyperscape-secrets.env")),
`);
  });

  it("refuses secrets in env (they belong in the secrets file), DISPLAY in env and a bad display", () => {
    expect(() => duelApps({ ...args, display: "99", env: { ADMIN_CODE: "x", DATABASE_URL: "postgres://…", TWITCH_STREAM_KEY: "k", DISPLAY: ":1" } })).toThrow(
      'duelApps: 5 problems:\n  - display "99" must look like ":99"\n'
      + "  - env ADMIN_CODE looks like a secret: put it in the secrets file, which stays out of the ecosystem file\n"
      + "  - env DATABASE_URL looks like a secret: put it in the secrets file, which stays out of the ecosystem file\n"
      + "  - env TWITCH_STREAM_KEY looks like a secret: put it in the secrets file, which stays out of the ecosystem file\n"
      + "  - env DISPLAY: give the display as `display`",
    );
  });
});

describe("browserEnv", () => {
  it("tells the server its ANGLE backend and Chrome's capture channel as seeds/000's ecosystem env does", () => {
    expect(browserEnv("default", { source: "google", package: "google-chrome-beta" })).toEqual({ STREAM_CAPTURE_CHANNEL: "chrome-beta", STREAM_CAPTURE_ANGLE: "default" });
    expect(browserEnv("vulkan", { source: "google", package: "google-chrome-unstable" })).toEqual({ STREAM_CAPTURE_CHANNEL: "chrome-dev", STREAM_CAPTURE_ANGLE: "vulkan" });
  });

  it("names no channel for a Debian package (the guide has none for it)", () => {
    expect(browserEnv("opengl", { source: "debian", package: "chromium" })).toEqual({ STREAM_CAPTURE_ANGLE: "opengl" });
  });

  it("refuses another backend, and a Google package without a channel", () => {
    expect(() => browserEnv("angle" as "default", { source: "google", package: "google-chrome-stable" })).toThrow(
      'browserEnv: 2 problems:\n  - angle "angle" is not one of "default", "vulkan", "opengl"\n'
      + '  - browser.package "google-chrome-stable" from Google has no capture channel: use google-chrome-beta or google-chrome-unstable',
    );
  });
});
