import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { REMOTE_DATABASE_REMEDY, remoteDatabaseScript } from "../../components/blocks/postgres/remote";
import { loadConfig, type RawConfig } from "../../infra/config";
import { evaluate } from "../../scripts/doctor/checks";
import { planHost } from "../../scripts/doctor/plan";
import { probeScript, splitSections } from "../../scripts/doctor/probe";

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA400bpYgarO7hBQ5+HyZhTk26Wtle15Kn1cN4IF3aGw";
const raw = (values: Record<string, unknown>): RawConfig => ({
  get: (k) => (values[k] === undefined ? undefined : typeof values[k] === "string" ? (values[k] as string) : JSON.stringify(values[k])),
  getSecret: (k) => values[k],
});
const host = (name: string, role: string, flavor = "systemd") => ({ name, role, flavor, address: "198.18.0.10", hostKey: KEY, privateKeyPath: "/k" });
const config = loadConfig(raw({
  hosts: [host("vm", "flatlogic"), host("gpu", "duel", "container"), host("plain", "none"), host("vmc", "flatlogic", "container")],
  flatlogic: { repo: "https://example.test/app.git", node: { source: "npm-registry" } },
  duel: { repo: "https://example.test/duel.git" },
  duelSecrets: { DATABASE_URL: "postgresql://duel:pw-0123456789@localhost:5432/duel", ADMIN_CODE: "admin-0123456789" },
}), "/p");
const [vm, gpu, plain, vmc] = config.hosts.map((h) => planHost(h, config, "prod"));
const NOW = 1781234567; // 2026-06-12T03:22:47Z

const sections = (s: Record<string, string[]>) => Object.fromEntries(Object.entries(s).map(([k, lines]) => [k, { lines, rc: 0 }]));
const brief = (results: ReturnType<typeof evaluate>) => results.map((r) => [r.status, r.check, ...r.evidence]);

describe("doctor: the checks of each role", () => {
  it("plans the Flatlogic VM's checks from the runbook and the stack's settings", () => {
    expect(vm).toMatchObject({
      paths: ["/", "/tmp", "/var/log", "/home/ubuntu"],
      units: ["apache2.service", "pm2-ubuntu.service"],
      onstart: false,
      pm2: { user: "ubuntu", home: "/home/ubuntu", nodeBinDir: "/opt/hostform/node/bin", apps: ["frontend-dev", "backend-dev", "fl-telemetry", "fl-executor"], unit: "pm2-ubuntu.service" },
      ports: [{ port: 80, process: "apache2" }, { port: 3001, app: "frontend-dev" }, { port: 3000, app: "backend-dev" }, { port: 4317, app: "fl-telemetry" }, { port: 4318, app: "fl-telemetry" }],
      public: [{ url: "http://198.18.0.10/", status: 200, via: "the host's address" }],
      releases: { dir: "/home/ubuntu/executor/frontend-releases", keep: 2, user: "ubuntu" },
      gpu: false,
    });
    // On a container, /root/onstart.sh stands in for the units, and PM2 has no unit.
    expect(vmc).toMatchObject({ units: [], onstart: true, ports: vm.ports, health: vm.health });
    expect(vmc.pm2).not.toHaveProperty("unit");
  });

  it("plans the duel container's: no units, the start script, the local database, display, GPU and the port proxy", () => {
    expect(gpu).toMatchObject({
      units: [], onstart: true, postgres: true, gpu: true,
      // The three proxies of seeds/000 run as PM2 apps beside the server, each on its port.
      pm2: { user: "root", home: "/root", apps: ["duel-arena", "proxy-server", "proxy-websocket", "proxy-cdn"] },
      ports: [
        { port: 5555, app: "duel-arena" }, { port: 35143, app: "proxy-server" }, { port: 35079, app: "proxy-websocket" }, { port: 35144, app: "proxy-cdn" },
        { port: 5432, process: "postgres" },
      ],
      public: [
        { name: "server", url: "http://198.18.0.10:35143/health", status: 200, via: "the port proxy 35143 → 5555 (the game server)", proxy: { port: 35143, target: 5555 } },
        { name: "websocket", url: "http://198.18.0.10:35079/health", status: 200, via: "the port proxy 35079 → 5555 (the game server's WebSocket)", proxy: { port: 35079, target: 5555 } },
        { name: "cdn", url: "http://198.18.0.10:35144/health", status: 200, via: "the port proxy 35144 → 8080 (the local CDN)", proxy: { port: 35144, target: 8080 } },
      ],
      secretsFile: { path: "/tmp/hyperscape-secrets.env", required: ["DATABASE_URL", "ADMIN_CODE"], user: "root" },
      display: { display: ":99", socket: "/tmp/.X11-unix/X99" },
    });
    expect(gpu.pm2).not.toHaveProperty("unit");
    expect(plain).toMatchObject({ units: [], ports: [], health: [], gpu: false });
    expect(plain.pm2).toBeUndefined();
  });

  it("fetches /health through each Vast.ai port proxy from outside: a proxy that does not answer fails with the guide's socat line", () => {
    const results = evaluate(gpu, { sections: {}, public: {
      "http://198.18.0.10:35143/health": { status: 200 },
      "http://198.18.0.10:35079/health": { status: 0, error: "ECONNREFUSED" },
      "http://198.18.0.10:35144/health": { status: 502 },
    } }, []).filter((r) => r.check.startsWith("public"));
    expect(brief(results)).toEqual([
      ["ok", "public server", "http://198.18.0.10:35143/health through the port proxy 35143 → 5555 (the game server) answered 200"],
      ["fail", "public websocket", "http://198.18.0.10:35079/health through the port proxy 35079 → 5555 (the game server's WebSocket) did not answer (ECONNREFUSED), expected 200"],
      ["fail", "public cdn", "http://198.18.0.10:35144/health through the port proxy 35144 → 8080 (the local CDN) answered 502, expected 200"],
    ]);
    expect(results[1].remedy).toEqual({
      say: "Vast.ai requires port proxying for external access: 35079 must reach 5555 on the host. If 127.0.0.1:5555/health answers there, the proxy is missing (the guide's deploy-vast.sh starts it with socat) or the instance does not expose 35079.",
      run: ["curl -sI http://198.18.0.10:35079/health", "curl -fsS http://127.0.0.1:5555/health", "nohup socat TCP-LISTEN:35079,reuseaddr,fork TCP:127.0.0.1:5555 > /dev/null 2>&1 &"],
      from: "seeds/000, Port Proxying",
    });
  });

  it("names the host's own PostgreSQL clusters in the remedy (Ubuntu 24.04's 16, a second cluster), or says how to get one", () => {
    const pg = (lines: string[]) => evaluate(gpu, { sections: sections({ postgres: lines }) }, []).find((r) => r.check === "postgres")!;
    const two = pg(["16 main 5432 down postgres /var/lib/postgresql/16/main /var/log/postgresql/postgresql-16-main.log", "16 replay 5433 online postgres /var/lib/postgresql/16/replay /var/log/postgresql/postgresql-16-replay.log"]);
    expect(brief([two])).toEqual([["fail", "postgres", "cluster 16/main on :5432: down", "cluster 16/replay on :5433: online"]]);
    expect(two.remedy?.run).toEqual(["pg_ctlcluster 16 main start", "pg_lsclusters", "tail -n 50 /var/log/postgresql/postgresql-16-main.log"]);
    const none = pg([]);
    expect(none.remedy?.run).toEqual(["pg_lsclusters", "npm run up -- --stack prod"]);
    expect(none.remedy?.say).toContain("With no cluster, npm run up -- --stack prod installs PostgreSQL and creates one.");
  });

  it("remote database mode: checks from the host that the server DATABASE_URL names answers, names host:port and the remedy, never the password", () => {
    const remote = loadConfig(raw({
      hosts: [host("rgpu", "duel", "container")], duel: { repo: "https://example.test/duel.git", externalPorts: { server: 5555 } },
      duelSecrets: { DATABASE_URL: "postgresql://duel:pw-remote-SECRET@db.example.test:6543/arena", ADMIN_CODE: "admin-0123456789" },
    }), "/p");
    const plan = planHost(remote.hosts[0], remote, "prod");
    expect(plan).toMatchObject({ postgres: false, ports: [{ port: 5555, app: "duel-arena" }], remoteDatabase: { host: "db.example.test", port: 6543, database: "arena", user: "duel" } });
    expect(gpu.remoteDatabase).toBeUndefined();
    expect(probeScript(plan, "n0nce")).toContain(`@@n0nce begin database'\n(\n${remoteDatabaseScript({ host: "db.example.test", port: 6543, database: "arena", user: "duel" }).trimEnd()}\n) 2>&1\n`);
    expect(probeScript(plan, "n0nce")).not.toContain("pw-remote-SECRET");
    const db = (lines: string[]) => evaluate(plan, { sections: sections({ database: lines }) }, ["pw-remote-SECRET"]).find((r) => r.check === "database")!;
    expect(brief([db(["accepting: PostgreSQL at db.example.test:6543 (database arena) accepts connections"])])).toEqual([["ok", "database", "PostgreSQL at db.example.test:6543 (database arena) accepts connections"]]);
    const down = db(["no-response: PostgreSQL at db.example.test:6543 (database arena) did not answer"]);
    expect(brief([down])).toEqual([["fail", "database", "PostgreSQL at db.example.test:6543 (database arena) did not answer"]]);
    expect(down.remedy?.run).toEqual(["pg_isready --host=db.example.test --port=6543 --dbname=arena --timeout=5", "npm run up -- --stack prod"]);
    expect(down.remedy?.say).toBe("DATABASE_URL points at db.example.test:6543: until it answers from this host, the duel server crashes at start "
      + `("timeout exceeded when trying to connect") and migrations fail. To fix it, ${REMOTE_DATABASE_REMEDY}; then run up (after correcting the secret, if it was wrong).`);
    expect(brief([db(["bash: pg_isready: Permission denied"])])).toEqual([["fail", "database", "the database check printed no verdict: bash: pg_isready: Permission denied"]]);
  });

  it("writes scripts bash accepts, and the role-less one runs here with every section closed", () => {
    for (const p of [vm, gpu, plain]) {
      const check = spawnSync("bash", ["-n", "-c", probeScript(p, "n0nce")], { encoding: "utf8" });
      expect(check.stderr).toBe("");
    }
    const r = spawnSync("bash", ["-c", probeScript(plain, "n0nce")], { encoding: "utf8" });
    const s = splitSections(r.stdout, "n0nce");
    expect(Object.keys(s)).toEqual(["env", "disk", "memory", "oom"]);
    expect(s.env.rc).toBe(0);
    expect(s.oom.rc).toBe(0);
    expect(evaluate(plain, { sections: s }, []).map((c) => c.check)).toContain("memory");
  });

  it("the June 2026 incident: the OOM kill, the failed unit, PM2 down, the 503, with the runbook's remedies", () => {
    const results = evaluate(vm, {
      sections: sections({
        env: [String(NOW), "+0000", "container=", "systemd=yes"],
        disk: ["Filesystem Mounted on 1B-blocks Used Avail Inodes IUsed IFree", "/dev/vda1 / 42000000000 20000000000 22000000000 2600000 300000 2300000"],
        memory: ["MemTotal:        3984588 kB", "MemAvailable:    3387900 kB", "SwapTotal:             0 kB", "SwapFree:              0 kB"],
        oom: [
          "vmstat oom_kill 1",
          "log 2026-06-12T03:14:07+0000 vm kernel: Out of memory: Killed process 4242 (ffmpeg) total-vm:3500000kB, anon-rss:3460000kB",
          "log 2026-06-12T03:14:07+0000 vm systemd[1]: pm2-ubuntu.service: A process of this unit has been killed by the OOM killer.",
          "log 2026-06-12T03:14:08+0000 vm systemd[1]: pm2-ubuntu.service: Failed with result 'oom-kill'.",
        ],
        units: [
          "unit apache2.service", "Result=success", "NRestarts=0", "LoadState=loaded", "ActiveState=active", "SubState=running",
          "unit pm2-ubuntu.service", "Result=oom-kill", "NRestarts=0", "LoadState=loaded", "ActiveState=failed", "SubState=failed",
          "log 2026-06-12T03:14:08+0000 vm systemd[1]: pm2-ubuntu.service: Failed with result 'oom-kill'.",
        ],
        pm2: ["daemon=down"],
        ports: ["tool=ss", 'LISTEN 0 511 0.0.0.0:80 0.0.0.0:* users:(("apache2",pid=201,fd=3))'],
        procs: ["201 (apache2) S 1 201"],
        health: ["check frontend 000", "check api-auth 000", "check apache 503"],
        apache: [
          "[Fri Jun 12 03:20:01.000001 2026] [proxy:error] [pid 201:tid 7] (111)Connection refused: AH00957: http: attempt to connect to 127.0.0.1:3001 (127.0.0.1:3001) failed",
          "[Fri Jun 12 01:00:00.000001 2026] [proxy:error] [pid 201:tid 7] an old one",
        ],
        releases: ["20260610101010-aaaaaaaaaaaa", "20260611111111-bbbbbbbbbbbb", "current", "current=/home/ubuntu/executor/frontend-releases/20260611111111-bbbbbbbbbbbb"],
      }),
      public: { "http://198.18.0.10/": { status: 503 } },
    }, []);
    expect(brief(results)).toEqual([
      ["ok", "disk /", "space 48% used (18.6 GiB of 39.1 GiB, 20.5 GiB free)", "inodes 12% used (300000 of 2600000)"],
      // The incident's VM is smaller than hostform:flatlogic.memory.hostMinimumMiB: a warning, whatever is in use.
      ["warn", "memory", "memory 582.7 MiB of 3.8 GiB in use (15%), 3.2 GiB available", "swap: none",
        "this host has 3.8 GiB of memory (MemTotal), below the 7.0 GiB (7168 MiB) of hostform:flatlogic.memory.hostMinimumMiB: " +
        "the June 2026 OOM kill was ffmpeg at 3.3 GiB on a 3.8 GiB VM; treat large source videos as risky here (runbook, FFmpeg guardrails), or give the VM more memory"],
      ["warn", "oom", "1 OOM kill since boot: process ffmpeg, unit pm2-ubuntu.service",
        "2026-06-12T03:14:07+0000 vm kernel: Out of memory: Killed process 4242 (ffmpeg) total-vm:3500000kB, anon-rss:3460000kB",
        "2026-06-12T03:14:07+0000 vm systemd[1]: pm2-ubuntu.service: A process of this unit has been killed by the OOM killer.",
        "2026-06-12T03:14:08+0000 vm systemd[1]: pm2-ubuntu.service: Failed with result 'oom-kill'."],
      ["ok", "unit apache2.service", "active (running)"],
      ["fail", "unit pm2-ubuntu.service", "failed (failed), last result oom-kill", "2026-06-12T03:14:08+0000 vm systemd[1]: pm2-ubuntu.service: Failed with result 'oom-kill'."],
      ["fail", "pm2", "the PM2 daemon of ubuntu is not running (no live pid in /home/ubuntu/.pm2/pm2.pid): no app runs"],
      ["fail", "ports", ":80 apache2: listening (apache2 pid 201)", ":3001 frontend-dev: nothing listens", ":3000 backend-dev: nothing listens", ":4317 fl-telemetry: nothing listens", ":4318 fl-telemetry: nothing listens"],
      ["fail", "health frontend", "http://127.0.0.1:3001/ answered nothing, expected 200"],
      ["fail", "health api-auth", "http://127.0.0.1:3000/api/auth/me answered nothing, expected 401"],
      ["fail", "health apache", "http://127.0.0.1:80/ answered 503, expected 200"],
      ["fail", "public", "http://198.18.0.10/ through the host's address answered 503, expected 200"],
      ["warn", "apache errors", "1 error-level entry in the last hour; the last:", "[Fri Jun 12 03:20:01.000001 2026] [proxy:error] [pid 201:tid 7] (111)Connection refused: AH00957: http: attempt to connect to 127.0.0.1:3001 (127.0.0.1:3001) failed"],
      ["ok", "releases", "2 releases kept (releasesKeep 2), active 20260611111111-bbbbbbbbbbbb"],
    ]);
    const pm2 = results.find((r) => r.check === "pm2")!;
    expect(pm2.remedy).toEqual({
      say: "If Apache is listening but the apps are not, PM2 did not restore or was stopped. Restart it, then re-run the health checks.",
      run: ["sudo systemctl reset-failed pm2-ubuntu", "sudo systemctl restart pm2-ubuntu", "pm2 status"],
      from: "seeds/001, Recovering From Apache 503 Service Unavailable",
    });
    expect(results.find((r) => r.check === "oom")!.remedy?.from).toBe("seeds/001, OOM-Kill Diagnosis");
    expect(results.find((r) => r.check === "memory")!.remedy).toEqual({
      say: "The host has less memory than hostform:flatlogic.memory.hostMinimumMiB asks for: give the VM more memory, or treat large source videos as risky here (runbook). " +
        "The pm2 unit's MemoryMax keeps an ffmpeg spike inside PM2, and OOMPolicy=continue keeps the other apps up.",
      run: ["free -h", "systemctl show -p MemoryMax -p OOMPolicy pm2-ubuntu.service"],
      from: "seeds/001, OOM-Kill Diagnosis; FFmpeg and Reverse Video Generation",
    });
    expect(results.filter((r) => r.status === "ok").every((r) => r.remedy === undefined)).toBe(true);
  });

  it("a wrong port, an errored app with its log redacted, too many releases, a nearly full disk", () => {
    const known = ["pw-0123456789-SECRET", "jwt-0123456789-SECRET"];
    const results = evaluate(vm, {
      sections: sections({
        env: [String(NOW), "+0000", "container=", "systemd=yes"],
        disk: ["/dev/vda1 / 1000000 880000 120000 100 96 4"],
        pm2: [
          "daemon=up",
          `app frontend-dev online 1 0 ${(NOW - 7500) * 1000} 790`,
          "app backend-dev errored 16 15 0 0",
          "out backend-dev connecting with DB_PASSWORD=pw-0123456789-SECRET",
          "err backend-dev token jwt-0123456789-SECRET refused",
          `app fl-telemetry online 12 0 ${NOW * 1000} 791`,
          "app stray online 0 0 0 799",
        ],
        ports: ["tool=ss", 'LISTEN 0 511 *:3002 *:* users:(("node",pid=812,fd=21))', 'LISTEN 0 511 *:4317 *:* users:(("python3",pid=900,fd=3))'],
        procs: ["790 (npm run start) S 1", "800 (sh) S 790", "812 (node) S 800", "900 (python3) S 1"],
        releases: ["20260610101010-aaaaaaaaaaaa", "20260611111111-bbbbbbbbbbbb", "20260612020202-cccccccccccc", "current=/x/20260612020202-cccccccccccc"],
      }),
    }, known);
    const pick = (...names: string[]) => brief(results.filter((r) => names.includes(r.check)));
    expect(pick("disk /", "pm2", "pm2 frontend-dev", "pm2 backend-dev", "pm2 fl-telemetry", "pm2 fl-executor", "ports", "releases")).toEqual([
      ["fail", "disk /", "space 88% used (859.4 KiB of 976.6 KiB, 117.2 KiB free)", "inodes 96% used (96 of 100)"],
      ["warn", "pm2", "daemon running, 4 apps", "not hostform's: stray (an up deletes them)"],
      ["ok", "pm2 frontend-dev", "online for 2 h 5 min, 1 restart"],
      ["fail", "pm2 backend-dev", "errored, 16 restarts, 15 unstable", "out | connecting with DB_PASSWORD=[redacted]", "err | token [redacted] refused"],
      ["warn", "pm2 fl-telemetry", "online but restarting: 12 restarts"],
      ["fail", "pm2 fl-executor", "not in PM2's process list"],
      ["fail", "ports", ":80 apache2: nothing listens", ":3001 frontend-dev: nothing listens; frontend-dev listens on :3002 instead",
        ":3000 backend-dev: nothing listens", ":4317 fl-telemetry: held by python3 pid 900, not fl-telemetry", ":4318 fl-telemetry: nothing listens"],
      ["warn", "releases", "3 releases kept (releasesKeep 2), active 20260612020202-cccccccccccc", "more than releasesKeep: the next up prunes the oldest"],
    ]);
    expect(results.find((r) => r.check === "pm2 fl-executor")!.remedy).toEqual({ say: "fl-executor is not in PM2's process list: hostform starts it from the ecosystem file.", run: ["npm run up -- --stack prod"], from: "hostform" });
    expect(JSON.stringify(results)).not.toMatch(/0123456789-SECRET/);
  });

  it("a cluster app is one check over all its workers: the worst worker's state, counters summed, a port held by any worker", () => {
    const results = evaluate(vm, {
      sections: sections({
        env: [String(NOW), "+0000", "container=", "systemd=yes"],
        pm2: [
          "daemon=up",
          `app frontend-dev online 0 0 ${(NOW - 7500) * 1000} 790`,
          `app frontend-dev online 2 0 ${(NOW - 60) * 1000} 791`,
          `app backend-dev online 0 0 ${(NOW - 7500) * 1000} 792`,
          "app backend-dev errored 3 3 0 0",
          "err backend-dev EADDRINUSE",
        ],
        ports: ["tool=ss", 'LISTEN 0 511 *:3001 *:* users:(("node",pid=812,fd=21))'],
        procs: ["790 (node) S 1", "791 (node) S 1", "812 (node) S 791"],
      }),
    }, []);
    const pick = (...names: string[]) => brief(results.filter((r) => names.includes(r.check)));
    expect(pick("pm2", "pm2 frontend-dev", "pm2 backend-dev")).toEqual([
      ["ok", "pm2", "daemon running, 2 apps"],
      ["ok", "pm2 frontend-dev", "online for 1 min, 2 of 2 workers online, 2 restarts"],
      ["fail", "pm2 backend-dev", "errored, 1 of 2 workers online, 3 restarts, 3 unstable", "err | EADDRINUSE"],
    ]);
    // :3001 is held by a child of frontend-dev's second worker: frontend-dev's.
    expect(results.find((r) => r.check === "ports")!.evidence).toContain(":3001 frontend-dev: listening (node pid 812)");
  });

  it("the duel container in the sandbox: the GPU is a warn with the reason; the start script's failure and the secrets file are read", () => {
    const results = evaluate(gpu, {
      sections: sections({
        env: [String(NOW), "+0000", "container=systemd-nspawn", "systemd=no"],
        oom: ["vmstat oom_kill 7"],
        onstart: [
          "2026-06-11T10:00:00Z onstart: restored /tmp/hyperscape-secrets.env",
          "2026-06-11T10:00:01Z onstart: FAILED: Xvfb :99 has no socket after 20 s: see /var/log/xvfb.log",
          "2026-06-11T10:00:03Z onstart: PM2 resurrected the saved process list",
          "2026-06-12T03:00:00Z onstart: restored /tmp/hyperscape-secrets.env",
          "2026-06-12T03:00:01Z onstart: Xvfb :99 is up",
          "2026-06-12T03:00:02Z onstart: FAILED: cannot start PostgreSQL 15/main: see /var/log/postgresql/postgresql-15-main.log",
          "2026-06-12T03:00:03Z onstart: PM2 already running (pid 88)",
          "2026-06-12T03:05:00Z onstart: restored /tmp/hyperscape-secrets.env",
        ],
        secrets: ["mode 644 root", "key DATABASE_URL", "key TWITCH_STREAM_KEY"],
        postgres: ["15  main    5432 down   postgres /var/lib/postgresql/15/main /var/log/postgresql/postgresql-15-main.log"],
        display: ["socket=yes"],
        procs: ["77 (Xvfb) S 70"],
        gpu: ["nvidia-smi=missing"],
      }),
    }, []);
    const pick = (...names: string[]) => brief(results.filter((r) => names.includes(r.check)));
    expect(pick("oom", "onstart", "secrets file", "postgres", "display :99", "gpu")).toEqual([
      ["ok", "oom", "no OOM kill counted in this container's memory cgroups (the kernel log is not readable in a systemd-nspawn container)"],
      ["fail", "onstart", "2026-06-12T03:00:02Z onstart: FAILED: cannot start PostgreSQL 15/main: see /var/log/postgresql/postgresql-15-main.log"],
      ["fail", "secrets file", "/tmp/hyperscape-secrets.env: mode 0644, owner root; variables DATABASE_URL, TWITCH_STREAM_KEY", "missing ADMIN_CODE"],
      ["fail", "postgres", "cluster 15/main on :5432: down"],
      ["ok", "display :99", "/tmp/.X11-unix/X99 is there", "Xvfb running (pid 77)"],
      ["warn", "gpu", "nvidia-smi is not installed: no NVIDIA driver on this host", "this is a systemd-nspawn host (the local sandbox), which has no GPU: WebGPU capture cannot use one here"],
    ]);
    expect(results.find((r) => r.check === "onstart")!.remedy?.run[1]).toBe("/root/onstart.sh >>/var/log/onstart.log 2>&1");
    expect(results.find((r) => r.check === "postgres")!.remedy?.run).toEqual(["pg_ctlcluster 15 main start", "pg_lsclusters", "tail -n 50 /var/log/postgresql/postgresql-15-main.log"]);
    const onVm = evaluate(gpu, { sections: sections({ env: [String(NOW), "+0000", "container=", "systemd=no"], gpu: ["nvidia-smi=missing"] }) }, []);
    expect(onVm.find((r) => r.check === "gpu")!.status).toBe("fail");
  });
});
