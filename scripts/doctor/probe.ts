/**
 * The one read-only script the doctor runs on a host (one exec), and the splitting of its output
 * into sections. Every value goes through the quoting helper. Nothing here writes to the host and
 * nothing prints a secret: PM2's process list (which carries every app's environment) is reduced
 * to names and states on the host, and the secrets file to its variable names.
 */
import { curlChecks } from "../../components/host/kinds/health";
import { pm2As } from "../../components/host/kinds/pm2";
import { remoteDatabaseScript } from "../../components/blocks/postgres/remote";
import { script, sh } from "../../components/host/quote";
import type { HostPlan } from "./plan";

/** Log lines shown per app and per unit. */
export const LOG_LINES = 8;

const OOM_PATTERN = "oom-kill|oom_kill|out of memory|killed process|killed by the oom killer";

/**
 * A survey, not a change: each section runs on its own, so a probe that fails (a missing tool, a
 * stopped daemon) is reported by its section and does not hide the others. Hence no `set -e`;
 * `-u` and pipefail still hold. `matching` is grep where "no line matched" is not an error.
 */
const PRELUDE = `set -uo pipefail
export LC_ALL=C
matching() { grep "$@" || [ "$?" -eq 1 ]; }
`;

function section(nonce: string, name: string, body: string): string {
  return `echo ${script`${`@@${nonce} begin ${name}`}`}\n(\n${body.trimEnd()}\n) 2>&1\necho ${script`${`@@${nonce} end ${name}`}`} "$?"\n`;
}

/** The node filter of `pm2 jlist`, run as the app user: names, states, counters, and the log tails of unwell apps. */
function pm2Filter(lines: number): string {
  return `let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const fs=require("fs");
const tail=(f)=>{try{const fd=fs.openSync(f,"r");const size=fs.fstatSync(fd).size;const n=Math.min(size,16384);const b=Buffer.alloc(n);fs.readSync(fd,b,0,n,size-n);fs.closeSync(fd);return b.toString("utf8").split("\\n").filter((l)=>l.trim()).slice(-${lines})}catch(e){return[]}};
for(const p of JSON.parse(s)){const e=p.pm2_env;console.log(["app",p.name,e.status,e.restart_time,e.unstable_restarts,e.pm_uptime,p.pid].join(" "));
if(e.status!=="online"||e.unstable_restarts>0||e.restart_time>=${RESTARTS_WARN}){for(const l of tail(e.pm_out_log_path))console.log("out "+p.name+" "+l);for(const l of tail(e.pm_err_log_path))console.log("err "+p.name+" "+l)}}})`.replace(/\n/g, "");
}

/** hostform's deploys reload each app once; this many restarts since the daemon started means crashes. */
export const RESTARTS_WARN = 10;

/**
 * A section that reads in a tree the app user can write runs as that user, bounded: a link planted
 * there then reaches only what the user could read anyway, and a FIFO cannot hang the probe.
 */
function asOwner(user: string, body: string): string {
  const run = `bash -c ${sh(body, true)}`;
  return user === "root" ? `timeout 20 ${run}` : `timeout 20 runuser -u ${sh(user)} -- ${run}`;
}

export function probeScript(plan: HostPlan, nonce: string): string {
  const parts: string[] = [PRELUDE];
  const add = (name: string, body: string) => parts.push(section(nonce, name, body));

  // Which container manager, if any: nspawn and podman write /run/host/container-manager, systemd
  // as PID 1 /run/systemd/container. PID 1's environment is the last resort: an sshd as PID 1 (the
  // sandbox's and Vast.ai's containers) writes its process title over it.
  add("env", `date +%s
date +%z
c=$(head -n 1 /run/host/container-manager 2>/dev/null || :)
[ -n "$c" ] || c=$(head -n 1 /run/systemd/container 2>/dev/null || :)
[ -n "$c" ] || c=$(tr '\\0' '\\n' </proc/1/environ 2>/dev/null | sed -n 's/^container=//p' | head -n 1)
[ -n "$c" ] || [ ! -f /.dockerenv ] || c=docker
printf 'container=%s\\n' "$c"
if [ -d /run/systemd/system ]; then echo systemd=yes; else echo systemd=no; fi`);

  // df's own Use% and IUse% rounding is the operator's reference; size/used/avail give it exactly.
  add("disk", script`df -B1 --output=source,target,size,used,avail,itotal,iused,iavail -- ${plan.paths}`);

  add("memory", `matching -E '^(MemTotal|MemAvailable|SwapTotal|SwapFree):' /proc/meminfo
for f in /sys/fs/cgroup/memory.max /sys/fs/cgroup/memory.current /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/memory/memory.usage_in_bytes; do
  if [ -r "$f" ]; then printf 'cgroup %s %s\\n' "\${f##*/}" "$(cat "$f")"; fi
done
for f in /sys/fs/cgroup/memory.stat /sys/fs/cgroup/memory/memory.stat; do
  if [ -r "$f" ]; then matching -E '^(total_)?inactive_file ' "$f" | sed 's/^/cgroup /'; fi
done`);

  // The kernel log when it is readable (not in a container), systemd's own OOM messages, and
  // the OOM counters of every memory cgroup (v1 memory.oom_control, v2 memory.events.local).
  add("oom", script`find /sys/fs/cgroup \\( -name memory.events.local -o -name memory.oom_control \\) -exec grep -H '^oom_kill [1-9]' {} + 2>/dev/null | sed 's/^/cgroup /'
matching '^oom_kill ' /proc/vmstat | sed 's/^/vmstat /'
if [ -d /run/systemd/system ] && command -v journalctl >/dev/null; then
  timeout 30 journalctl -b --no-pager -q -o short-iso _TRANSPORT=kernel + _PID=1 | matching -Ei ${OOM_PATTERN} | tail -n 20 | sed 's/^/log /'
else
  dmesg 2>/dev/null | matching -Ei ${OOM_PATTERN} | tail -n 20 | sed 's/^/log /'
fi`);

  if (plan.units.length > 0) {
    add("units", script`for u in ${plan.units}; do
  echo "unit $u"
  systemctl show --no-pager -p LoadState,ActiveState,SubState,Result,NRestarts -- "$u"
  if ! systemctl is-active --quiet -- "$u" || [ "$(systemctl show -p Result --value -- "$u")" != success ] || [ "$(systemctl show -p NRestarts --value -- "$u")" != 0 ]; then
    journalctl -u "$u" -b -n ${LOG_LINES} --no-pager -q -o short-iso | sed 's/^/log /'
  fi
done`);
  }
  if (plan.onstart) add("onstart", "if [ -r /var/log/onstart.log ]; then tail -n 60 /var/log/onstart.log; else echo 'onstart.log=missing'; fi");

  if (plan.pm2) {
    const p = plan.pm2;
    // The pid file is the app user's: read as that user, bounded (a FIFO would block), digits only.
    add("pm2", script`pid=$(timeout 5 runuser -u ${p.user} -- cat ${`${p.home}/.pm2/pm2.pid`} 2>/dev/null || :)
case "$pid" in ''|*[!0-9]*) pid= ;; esac
if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
  echo daemon=up
  timeout 30 bash -c ${pm2As(p, "jlist")} | runuser -u ${p.user} -- ${`${p.nodeBinDir}/node`} -e ${pm2Filter(LOG_LINES)}
else
  echo daemon=down
fi`);
  }

  if (plan.ports.length > 0) {
    add("ports", "if command -v ss >/dev/null; then echo tool=ss; ss -ltnpH; else echo tool=proc; cat /proc/net/tcp /proc/net/tcp6 2>/dev/null; fi");
  }
  if (plan.ports.length > 0 || plan.display) add("procs", "cat /proc/[0-9]*/stat 2>/dev/null");
  if (plan.health.length > 0) add("health", curlChecks(plan.health));
  if (plan.apacheLog) add("apache", script`if [ -r ${plan.apacheLog} ]; then tail -n 200 -- ${plan.apacheLog}; else echo ${`${plan.apacheLog}=missing`}; fi`);
  if (plan.releases) {
    add("releases", asOwner(plan.releases.user, script`cd -- ${plan.releases.dir} || exit 1
ls -1A
printf 'current=%s\\n' "$(readlink current || :)"`));
  }
  if (plan.secretsFile) {
    // Variable names only, never a value; a link is not followed (the app user can write /tmp).
    add("secrets", asOwner(plan.secretsFile.user, script`f=${plan.secretsFile.path}
if [ -f "$f" ] && [ ! -L "$f" ]; then
  stat -c 'mode %a %U' -- "$f"
  sed -n 's/^\\(export \\)\\{0,1\\}\\([A-Za-z_][A-Za-z0-9_]*\\)=.*/key \\2/p' -- "$f"
else
  echo missing
fi`));
  }
  if (plan.postgres) add("postgres", "if command -v pg_lsclusters >/dev/null; then pg_lsclusters -h; else echo pg_lsclusters=missing; fi");
  if (plan.remoteDatabase) add("database", remoteDatabaseScript(plan.remoteDatabase));
  if (plan.display) add("display", script`if [ -S ${plan.display.socket} ]; then echo socket=yes; else echo socket=no; fi`);
  // The topology's own sections (its doctor.ts), named after the role so none shadows one above.
  for (const s of plan.topology?.sections ?? []) add(`${plan.role}-${s.name}`, s.user === undefined ? s.body : asOwner(s.user, s.body));
  if (plan.gpu) {
    add("gpu", "if command -v nvidia-smi >/dev/null; then timeout 20 nvidia-smi --query-gpu=name,display_active,memory.used,memory.total --format=csv,noheader; else echo nvidia-smi=missing; fi");
  }
  return parts.join("");
}

export interface Section {
  readonly lines: readonly string[];
  /** The section's exit status; undefined when its end marker never came (the script was cut short). */
  readonly rc?: number;
}

/** Splits the script's output by the nonce's markers; a line cannot forge them without the nonce. */
export function splitSections(stdout: string, nonce: string): Record<string, Section> {
  const out: Record<string, Section> = {};
  let current: { name: string; lines: string[] } | undefined;
  const begin = `@@${nonce} begin `;
  const end = `@@${nonce} end `;
  for (const line of stdout.split("\n")) {
    if (line.startsWith(begin)) {
      current = { name: line.slice(begin.length), lines: [] };
      out[current.name] = { lines: current.lines };
    } else if (line.startsWith(end) && current) {
      const [name, rc] = line.slice(end.length).split(" ");
      if (name === current.name) out[name] = { lines: current.lines, rc: Number(rc) };
      current = undefined;
    } else if (current) {
      current.lines.push(line);
    }
  }
  return out;
}
