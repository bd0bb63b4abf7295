import { describe, expect, it } from "vitest";
import {
  parseApacheErrors, parseClusters, parseDf, parseEnv, parseGpu, parseListeners, parseMemory, parseOom, parsePm2List, parseProcs,
  parseReleases, parseSecretsFile, parseUnits,
} from "../../scripts/doctor/facts";
import { splitSections } from "../../scripts/doctor/probe";

// Recorded on sandbox hosts (systemd-nspawn, Debian bookworm) unless said otherwise.
describe("doctor: parsers of the probe's sections", () => {
  it("splits sections by the nonce's markers; a log line cannot forge one, a cut-short section has no exit status", () => {
    const out = "@@n1 begin env\n1795441923\n@@other end env 0\n@@n1 end env 0\n@@n1 begin pm2\ndaemon=up\nout x @@n1 end pm2 0\n";
    expect(splitSections(out, "n1")).toEqual({
      env: { lines: ["1795441923", "@@other end env 0"], rc: 0 },
      pm2: { lines: ["daemon=up", "out x @@n1 end pm2 0", ""] },
    });
  });

  it("reads the host's clock, UTC offset, container and init", () => {
    expect(parseEnv(["1795441923", "-0230", "container=systemd-nspawn", "systemd=yes"])).toEqual({ now: 1795441923, offsetMinutes: -150, container: "systemd-nspawn", systemd: true });
    expect(parseEnv(["1795441923", "+0100", "container=", "systemd=no"])).toEqual({ now: 1795441923, offsetMinutes: 60, container: "", systemd: false });
  });

  it("reads df, one row per filesystem, skipping its errors; inodes '-' count as none", () => {
    expect(parseDf([
      "df: /home/ubuntu: No such file or directory",
      "Filesystem     Mounted on    1B-blocks        Used       Avail   Inodes  IUsed    IFree",
      "overlay        /          270553174016 17851355136 79941939200 16777216 643110 16134106",
      "tmpfs          /tmp         2527653888           0  2527653888   409600      7   409593",
      "overlay        /          270553174016 17851355136 79941939200 16777216 643110 16134106",
      "btr            /srv data   1000 10 990 - - -",
    ])).toEqual([
      { source: "overlay", target: "/", size: 270553174016, used: 17851355136, avail: 79941939200, inodes: 16777216, inodesUsed: 643110 },
      { source: "tmpfs", target: "/tmp", size: 2527653888, used: 0, avail: 2527653888, inodes: 409600, inodesUsed: 7 },
      { source: "btr", target: "/srv data", size: 1000, used: 10, avail: 990, inodes: 0, inodesUsed: 0 },
    ]);
  });

  it("reads memory; a cgroup limit counts only below the machine's memory, less its reclaimable cache", () => {
    const meminfo = ["MemTotal:       24684092 kB", "MemAvailable:   24061728 kB", "SwapTotal:             0 kB", "SwapFree:              0 kB"];
    expect(parseMemory([...meminfo, "cgroup memory.limit_in_bytes 9223372036854771712", "cgroup memory.usage_in_bytes 165883904", "cgroup inactive_file 65298432"]))
      .toEqual({ total: 24684092 * 1024, available: 24061728 * 1024, swapTotal: 0, swapFree: 0 });
    expect(parseMemory([...meminfo, "cgroup memory.max 8589934592", "cgroup memory.current 4294967296", "cgroup inactive_file 1073741824"]))
      .toMatchObject({ limit: 8589934592, limitUsed: 3221225472 });
    expect(parseMemory([...meminfo, "cgroup memory.max max", "cgroup memory.current 4294967296"])).not.toHaveProperty("limit");
  });

  it("reads OOM counters per memory cgroup (v1 and v2), the kernel's count and the log lines", () => {
    expect(parseOom([
      "cgroup /sys/fs/cgroup/memory/dr-oom-x1/memory.oom_control:oom_kill 1",
      "cgroup /sys/fs/cgroup/system.slice/pm2-ubuntu.service/memory.events.local:oom_kill 2",
      "vmstat oom_kill 3",
      "log 2026-06-12T03:14:07+0000 vm kernel: Out of memory: Killed process 4242 (ffmpeg) total-vm:3500000kB",
    ])).toEqual({
      cgroups: [{ cgroup: "/dr-oom-x1", kills: 1 }, { cgroup: "/system.slice/pm2-ubuntu.service", kills: 2 }],
      vmstat: 3,
      lines: ["2026-06-12T03:14:07+0000 vm kernel: Out of memory: Killed process 4242 (ffmpeg) total-vm:3500000kB"],
    });
  });

  it("reads systemctl show per unit, with its journal lines", () => {
    expect(parseUnits([
      "unit pm2-ubuntu.service", "Result=oom-kill", "NRestarts=0", "LoadState=loaded", "ActiveState=failed", "SubState=failed",
      "log 2026-06-12T03:14:07+0000 vm systemd[1]: pm2-ubuntu.service: Failed with result 'oom-kill'.",
      "unit apache2.service", "Result=success", "NRestarts=1", "LoadState=loaded", "ActiveState=active", "SubState=running",
    ])).toEqual([
      { name: "pm2-ubuntu.service", load: "loaded", active: "failed", sub: "failed", result: "oom-kill", restarts: 0, log: ["2026-06-12T03:14:07+0000 vm systemd[1]: pm2-ubuntu.service: Failed with result 'oom-kill'."] },
      { name: "apache2.service", load: "loaded", active: "active", sub: "running", result: "success", restarts: 1, log: [] },
    ]);
  });

  it("reads PM2's apps and the log tails of unwell ones", () => {
    expect(parsePm2List(["daemon=up", "app frontend-dev online 0 0 1795441000000 812", "app backend-dev errored 15 15 1795441900000 0", "out backend-dev connecting", "err backend-dev npm error code 1"])).toEqual({
      daemon: true,
      apps: [
        { name: "frontend-dev", status: "online", restarts: 0, unstable: 0, since: 1795441000000, pid: 812, out: [], err: [] },
        { name: "backend-dev", status: "errored", restarts: 15, unstable: 15, since: 1795441900000, pid: 0, out: ["connecting"], err: ["npm error code 1"] },
      ],
    });
    expect(parsePm2List(["daemon=down"])).toEqual({ daemon: false, apps: [] });
  });

  it("keeps every worker of a cluster app, each with its own pid, counters and log lines", () => {
    const list = parsePm2List(["daemon=up", "app site online 0 0 1795441000000 901", "app site errored 4 4 1795441900000 0", "err site EADDRINUSE", "app site online 1 0 1795442000000 903"]);
    expect(list.apps.map((a) => [a.name, a.status, a.restarts, a.pid, a.err])).toEqual([
      ["site", "online", 0, 901, []],
      ["site", "errored", 4, 0, ["EADDRINUSE"]],
      ["site", "online", 1, 903, []],
    ]);
  });

  it("reads listeners from ss (with processes) or from /proc/net/tcp (ports only)", () => {
    expect(parseListeners([
      "tool=ss",
      'LISTEN 0      511          0.0.0.0:80         0.0.0.0:*    users:(("apache2",pid=201,fd=3),("apache2",pid=200,fd=3))',
      'LISTEN 0      511                *:3001             *:*    users:(("node",pid=812,fd=21))',
      'LISTEN 0      128             [::]:22            [::]:*    users:(("sshd",pid=33,fd=4))',
    ])).toEqual([
      { port: 22, processes: [{ name: "sshd", pid: 33 }] },
      { port: 80, processes: [{ name: "apache2", pid: 201 }, { name: "apache2", pid: 200 }] },
      { port: 3001, processes: [{ name: "node", pid: 812 }] },
    ]);
    expect(parseListeners([
      "tool=proc",
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
      "   0: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1234 1",
      "   1: 0100007F:0BB8 0100007F:D2F0 01 00000000:00000000 00:00000000 00000000  1000        0 1235 1",
      "   0: 00000000000000000000000000000000:0BB9 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000 0 99 1",
    ])).toEqual([{ port: 80, processes: [] }, { port: 3001, processes: [] }]);
  });

  it("reads /proc/<pid>/stat, with spaces and parentheses in the command name", () => {
    const procs = parseProcs(["1 (systemd) S 0 1 1 0", "270 ((sd-pam)) S 269 269", "812 (node server) S 790 790", "garbage"]);
    expect([...procs.values()]).toEqual([
      { pid: 1, ppid: 0, comm: "systemd" }, { pid: 270, ppid: 269, comm: "(sd-pam)" }, { pid: 812, ppid: 790, comm: "node server" },
    ]);
  });

  it("reads Apache's error-level entries with their time, in the host's offset", () => {
    const lines = [
      "[Mon Nov 23 13:40:02.123456 2026] [proxy:error] [pid 300:tid 301] (111)Connection refused: AH00957: http: attempt to connect to 127.0.0.1:3001 (127.0.0.1:3001) failed",
      "[Mon Nov 23 13:40:02.123999 2026] [mpm_event:notice] [pid 299:tid 299] AH00489: Apache/2.4.62 configured",
      "[Mon Nov 23 14:40:02 2026] [core:crit] [pid 1] something",
    ];
    expect(parseApacheErrors(lines, 60)).toEqual([
      { at: Date.UTC(2026, 10, 23, 12, 40, 2) / 1000, line: lines[0] },
      { at: Date.UTC(2026, 10, 23, 13, 40, 2) / 1000, line: lines[2] },
    ]);
  });

  it("reads releases and the one current points at", () => {
    expect(parseReleases(["20260703161124-0123456789ab", "current", "20260701100000-aaaaaaaaaaaa", "current=/home/ubuntu/executor/frontend-releases/20260703161124-0123456789ab"]))
      .toEqual({ ids: ["20260701100000-aaaaaaaaaaaa", "20260703161124-0123456789ab"], current: "20260703161124-0123456789ab" });
    expect(parseReleases(["current="])).toEqual({ ids: [], current: "" });
  });

  it("reads the secrets file's mode and variable names", () => {
    expect(parseSecretsFile(["mode 600 root", "key DATABASE_URL", "key ADMIN_CODE"])).toEqual({ present: true, mode: "0600", owner: "root", keys: ["DATABASE_URL", "ADMIN_CODE"] });
    expect(parseSecretsFile(["missing"])).toEqual({ present: false, keys: [] });
  });

  it("reads PostgreSQL clusters and GPUs", () => {
    expect(parseClusters(["15  main    5432 online postgres /var/lib/postgresql/15/main /var/log/postgresql/postgresql-15-main.log"]))
      .toEqual({ installed: true, clusters: [{ version: "15", name: "main", port: 5432, status: "online", log: "/var/log/postgresql/postgresql-15-main.log" }] });
    expect(parseClusters(["pg_lsclusters=missing"])).toEqual({ installed: false, clusters: [] });
    expect(parseGpu(["NVIDIA GeForce RTX 4090, Enabled, 1024 MiB, 24564 MiB"])).toEqual({
      installed: true, gpus: [{ name: "NVIDIA GeForce RTX 4090", displayActive: "Enabled", memoryUsed: "1024 MiB", memoryTotal: "24564 MiB" }], other: [],
    });
    expect(parseGpu(["NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver."])).toEqual({
      installed: true, gpus: [], other: ["NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver."],
    });
    expect(parseGpu(["nvidia-smi=missing"])).toEqual({ installed: false, gpus: [], other: [] });
  });
});
