/** Pure parsers of the doctor's probe sections (probe.ts), each tested on recorded output. */

export interface Env {
  /** The host's clock, seconds since the epoch. */
  readonly now: number;
  /** The host's UTC offset in minutes (Apache logs local time). */
  readonly offsetMinutes: number;
  /** The container manager (systemd-nspawn, docker, podman, …); empty on a VM. */
  readonly container: string;
  readonly systemd: boolean;
}

export function parseEnv(lines: readonly string[]): Env {
  const offset = /^([+-])(\d\d)(\d\d)$/.exec(lines[1] ?? "");
  return {
    now: Number(lines[0]) || 0,
    offsetMinutes: offset ? (offset[1] === "-" ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3])) : 0,
    container: lines.find((l) => l.startsWith("container="))?.slice("container=".length) ?? "",
    systemd: lines.includes("systemd=yes"),
  };
}

export interface Filesystem {
  readonly source: string;
  readonly target: string;
  readonly size: number;
  readonly used: number;
  readonly avail: number;
  readonly inodes: number;
  readonly inodesUsed: number;
}

/** `df --output=source,target,size,used,avail,itotal,iused,iavail`, one row per filesystem. */
export function parseDf(lines: readonly string[]): Filesystem[] {
  const seen = new Map<string, Filesystem>();
  for (const line of lines) {
    const m = /^(\S+)\s+(.+?)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+|-)\s+(\d+|-)\s+(\d+|-)$/.exec(line.trim());
    if (!m) continue;
    seen.set(m[2], {
      source: m[1], target: m[2], size: Number(m[3]), used: Number(m[4]), avail: Number(m[5]),
      inodes: Number(m[6]) || 0, inodesUsed: Number(m[7]) || 0,
    });
  }
  return [...seen.values()];
}

export interface Memory {
  readonly total: number;
  readonly available: number;
  readonly swapTotal: number;
  readonly swapFree: number;
  /** The container's memory limit when it is below the machine's memory (Vast.ai, Docker). */
  readonly limit?: number;
  readonly limitUsed?: number;
}

/** /proc/meminfo (kB) and the memory cgroup's limit, usage and reclaimable page cache. */
export function parseMemory(lines: readonly string[]): Memory {
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`).exec(lines.find((l) => l.startsWith(`${key}:`)) ?? "")?.[1] ?? 0) * 1024;
  const cg = (key: string) => {
    const v = lines.find((l) => l.startsWith(`cgroup ${key} `))?.split(" ")[2];
    return v === undefined || !/^\d+$/.test(v) ? undefined : Number(v);
  };
  const total = kb("MemTotal");
  const limit = cg("memory.max") ?? cg("memory.limit_in_bytes");
  const usage = cg("memory.current") ?? cg("memory.usage_in_bytes");
  const cache = cg("inactive_file") ?? cg("total_inactive_file") ?? 0;
  const limited = limit !== undefined && usage !== undefined && limit < total;
  return {
    total, available: kb("MemAvailable"), swapTotal: kb("SwapTotal"), swapFree: kb("SwapFree"),
    ...(limited ? { limit, limitUsed: Math.max(0, usage - cache) } : {}),
  };
}

export interface Oom {
  /** Memory cgroups with OOM kills: "/system.slice/pm2-ubuntu.service" → count. */
  readonly cgroups: readonly { readonly cgroup: string; readonly kills: number }[];
  /** The kernel's count since boot (/proc/vmstat): machine-wide, so only meaningful outside a container. */
  readonly vmstat?: number;
  /** Kernel and systemd log lines about OOM kills since boot. */
  readonly lines: readonly string[];
}

export function parseOom(lines: readonly string[]): Oom {
  const cgroups: { cgroup: string; kills: number }[] = [];
  let vmstat: number | undefined;
  const logs: string[] = [];
  for (const line of lines) {
    const c = /^cgroup \/sys\/fs\/cgroup(?:\/memory)?(\/.*)?\/memory\.(?:events\.local|oom_control):oom_kill (\d+)$/.exec(line);
    if (c) cgroups.push({ cgroup: c[1] ?? "/", kills: Number(c[2]) });
    const v = /^vmstat oom_kill (\d+)$/.exec(line);
    if (v) vmstat = Number(v[1]);
    if (line.startsWith("log ")) logs.push(line.slice(4));
  }
  return { cgroups, ...(vmstat !== undefined ? { vmstat } : {}), lines: logs };
}

export interface Unit {
  readonly name: string;
  readonly load: string;
  readonly active: string;
  readonly sub: string;
  readonly result: string;
  readonly restarts: number;
  readonly log: readonly string[];
}

export function parseUnits(lines: readonly string[]): Unit[] {
  const units: { name: string; props: Record<string, string>; log: string[] }[] = [];
  for (const line of lines) {
    if (line.startsWith("unit ")) units.push({ name: line.slice(5), props: {}, log: [] });
    const u = units.at(-1);
    if (!u) continue;
    if (line.startsWith("log ")) u.log.push(line.slice(4));
    const p = /^(\w+)=(.*)$/.exec(line);
    if (p) u.props[p[1]] = p[2];
  }
  return units.map(({ name, props, log }) => ({
    name, load: props.LoadState ?? "", active: props.ActiveState ?? "", sub: props.SubState ?? "",
    result: props.Result ?? "", restarts: Number(props.NRestarts ?? 0) || 0, log,
  }));
}

export interface Pm2App {
  readonly name: string;
  readonly status: string;
  readonly restarts: number;
  readonly unstable: number;
  /** When the app last started (ms since the epoch). */
  readonly since: number;
  readonly pid: number;
  readonly out: readonly string[];
  readonly err: readonly string[];
}

export interface Pm2List {
  readonly daemon: boolean;
  readonly apps: readonly Pm2App[];
}

/**
 * `pm2 jlist` through the probe's filter: one entry per process, so a cluster app's workers are
 * all kept (same name, each with its own pid and counters); log lines go to the entry just before.
 */
export function parsePm2List(lines: readonly string[]): Pm2List {
  const apps: { app: Omit<Pm2App, "out" | "err">; out: string[]; err: string[] }[] = [];
  for (const line of lines) {
    const a = /^app (\S+) (\S+) (\d+) (\d+) (\d*) (\d*)$/.exec(line);
    if (a) apps.push({ app: { name: a[1], status: a[2], restarts: Number(a[3]), unstable: Number(a[4]), since: Number(a[5]) || 0, pid: Number(a[6]) || 0 }, out: [], err: [] });
    const l = /^(out|err) (\S+) (.*)$/.exec(line);
    const last = apps.at(-1);
    if (l && last?.app.name === l[2]) last[l[1] as "out" | "err"].push(l[3]);
  }
  return { daemon: lines.includes("daemon=up"), apps: apps.map(({ app, out, err }) => ({ ...app, out, err })) };
}

export interface Listener {
  readonly port: number;
  readonly processes: readonly { readonly name: string; readonly pid: number }[];
}

/** `ss -ltnpH` (with processes), or /proc/net/tcp{,6} where ss is missing (ports only). */
export function parseListeners(lines: readonly string[]): Listener[] {
  const byPort = new Map<number, Map<number, string>>();
  const add = (port: number, procs: [string, number][]) => {
    const m = byPort.get(port) ?? new Map<number, string>();
    for (const [name, pid] of procs) m.set(pid, name);
    byPort.set(port, m);
  };
  const proc = lines[0] === "tool=proc";
  for (const line of lines.slice(1)) {
    const f = line.trim().split(/\s+/);
    if (proc) {
      if (f[3] === "0A" && /^[0-9A-F]+:[0-9A-F]{4}$/.test(f[1] ?? "")) add(parseInt(f[1].split(":")[1], 16), []);
    } else if (f[0] === "LISTEN" && f[3]) {
      const port = Number(f[3].slice(f[3].lastIndexOf(":") + 1));
      if (Number.isInteger(port)) add(port, [...line.matchAll(/\("([^"]*)",pid=(\d+)/g)].map((m) => [m[1], Number(m[2])] as [string, number]));
    }
  }
  return [...byPort].sort(([a], [b]) => a - b).map(([port, m]) => ({ port, processes: [...m].map(([pid, name]) => ({ name, pid })) }));
}

export interface Proc {
  readonly pid: number;
  readonly ppid: number;
  readonly comm: string;
}

/** /proc/<pid>/stat lines: "pid (comm) state ppid …"; comm may hold spaces and parentheses. */
export function parseProcs(lines: readonly string[]): Map<number, Proc> {
  const out = new Map<number, Proc>();
  for (const line of lines) {
    const open = line.indexOf(" (");
    const close = line.lastIndexOf(") ");
    if (open < 0 || close < open) continue;
    const pid = Number(line.slice(0, open));
    const ppid = Number(line.slice(close + 2).split(" ")[1]);
    if (Number.isInteger(pid) && Number.isInteger(ppid)) out.set(pid, { pid, ppid, comm: line.slice(open + 2, close) });
  }
  return out;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** Apache error.log entries at level error or worse, with their time (seconds since the epoch). */
export function parseApacheErrors(lines: readonly string[], offsetMinutes: number): { at: number; line: string }[] {
  const out: { at: number; line: string }[] = [];
  for (const line of lines) {
    if (!/\[[\w-]*:(error|crit|alert|emerg)\]/.test(line)) continue;
    const t = /^\[\w{3} (\w{3}) +(\d{1,2}) (\d\d):(\d\d):(\d\d)(?:\.\d+)? (\d{4})\]/.exec(line);
    if (!t) continue;
    const local = Date.UTC(Number(t[6]), MONTHS.indexOf(t[1]), Number(t[2]), Number(t[3]), Number(t[4]), Number(t[5])) / 1000;
    out.push({ at: local - offsetMinutes * 60, line });
  }
  return out;
}

export interface Releases {
  readonly ids: readonly string[];
  /** The release `current` points at, or "" when there is no link. */
  readonly current: string;
}

export function parseReleases(lines: readonly string[]): Releases {
  const link = lines.find((l) => l.startsWith("current="))?.slice("current=".length) ?? "";
  return {
    ids: lines.filter((l) => /^\d{14}-[0-9a-f]{12}$/.test(l)).sort(),
    current: link.replace(/\/+$/, "").split("/").pop() ?? "",
  };
}

export interface SecretsFileFacts {
  readonly present: boolean;
  readonly mode?: string;
  readonly owner?: string;
  /** Variable names, never values. */
  readonly keys: readonly string[];
}

export function parseSecretsFile(lines: readonly string[]): SecretsFileFacts {
  const mode = /^mode (\d+) (\S+)$/.exec(lines.find((l) => l.startsWith("mode ")) ?? "");
  return {
    present: !lines.includes("missing") && mode !== null,
    ...(mode ? { mode: mode[1].padStart(4, "0"), owner: mode[2] } : {}),
    keys: lines.filter((l) => l.startsWith("key ")).map((l) => l.slice(4)),
  };
}

export interface Cluster { readonly version: string; readonly name: string; readonly port: number; readonly status: string; readonly log?: string }

/** `pg_lsclusters -h`: "15 main 5432 online postgres /var/lib/… /var/log/…". */
export function parseClusters(lines: readonly string[]): { installed: boolean; clusters: Cluster[] } {
  const clusters = lines.map((l) => l.trim().split(/\s+/)).filter((f) => /^\d+$/.test(f[0]) && f.length >= 4)
    .map((f) => ({ version: f[0], name: f[1], port: Number(f[2]), status: f[3], ...(f[6] ? { log: f[6] } : {}) }));
  return { installed: !lines.includes("pg_lsclusters=missing"), clusters };
}

export interface Gpu { readonly name: string; readonly displayActive: string; readonly memoryUsed: string; readonly memoryTotal: string }

/** `nvidia-smi --query-gpu=name,display_active,memory.used,memory.total --format=csv,noheader`. */
export function parseGpu(lines: readonly string[]): { installed: boolean; gpus: Gpu[]; other: string[] } {
  const gpus: Gpu[] = [];
  const other: string[] = [];
  for (const line of lines) {
    if (line === "nvidia-smi=missing" || line.trim() === "") continue;
    const f = line.split(",").map((x) => x.trim());
    if (f.length === 4 && /MiB$/.test(f[3])) gpus.push({ name: f[0], displayActive: f[1], memoryUsed: f[2], memoryTotal: f[3] });
    else other.push(line);
  }
  return { installed: !lines.includes("nvidia-smi=missing"), gpus, other };
}
