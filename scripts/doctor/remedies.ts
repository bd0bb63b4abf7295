/**
 * What to do about each failing check, in the runbooks' words where they have some (seeds/001 for
 * the Flatlogic VM, seeds/000 and 003 for the duel stack); `from` names the source. Where a
 * runbook only says what to look at (disk, memory), the remedy is the conventional one and
 * `from` says "hostform".
 */
import { REMOTE_DATABASE_REMEDY } from "../../components/blocks/postgres/remote";
import type { Reason } from "../../components/host/reach";
import { script, sh } from "../../components/host/quote";
import type { Connection } from "../../components/host/ssh";
import type { DoctorRemedy } from "../../components/topologies/doctor";
import type { Cluster } from "./facts";
import type { HostPlan, PublicUrl } from "./plan";

/** say (what it means, what to do), run (the commands), from (where the advice comes from). */
export type Remedy = DoctorRemedy;

const FLATLOGIC_503 = "seeds/001, Recovering From Apache 503 Service Unavailable";
const DUEL_CRASH = "seeds/000, Troubleshooting: Server Crashes on Startup";
const up = (p: HostPlan) => `npm run up -- --stack ${p.stack}`;

/** PM2 itself is down: the June 2026 incident. */
export function pm2Down(p: HostPlan): Remedy {
  if (p.pm2?.unit) {
    const unit = p.pm2.unit.replace(/\.service$/, "");
    return {
      say: "If Apache is listening but the apps are not, PM2 did not restore or was stopped. Restart it, then re-run the health checks.",
      run: [`sudo systemctl reset-failed ${unit}`, `sudo systemctl restart ${unit}`, "pm2 status"],
      from: p.role === "duel" ? "seeds/000, Startup Order (Xvfb before PM2); seeds/001" : FLATLOGIC_503,
    };
  }
  return {
    say: "There is no init system: /root/onstart.sh (run at every container start) brings the stack up and resurrects PM2's saved list last.",
    run: ["/root/onstart.sh >>/var/log/onstart.log 2>&1", "pm2 status", up(p)],
    from: "seeds/000, Startup Order: Xvfb must start BEFORE PM2",
  };
}

/** An app that is not online, is missing, or keeps restarting. */
export function pm2App(p: HostPlan, app: string, missing: boolean): Remedy {
  if (missing) return { say: `${app} is not in PM2's process list: hostform starts it from the ecosystem file.`, run: [up(p)], from: "hostform" };
  if (p.role === "duel") {
    return {
      say: `Check the logs: missing DATABASE_URL → check ${p.secretsFile?.path ?? "the secrets file"}; database connection timeout → increase POSTGRES_POOL_MAX; WebGPU initialization failed → check the GPU driver and Xvfb.`,
      run: [`pm2 logs ${app} --lines 100`, `pm2 restart ${app}`],
      from: DUEL_CRASH,
    };
  }
  return {
    say: app === "backend-dev"
      ? "Check backend PM2 logs for ffmpeg or publish/save background errors; fix the cause, then restart the app."
      : "Read the app's log for the cause, fix it, then restart the app (use PM2/systemd for process recovery, not the executor).",
    run: [`pm2 logs ${app} --lines 100`, `pm2 restart ${app}`, "pm2 save"],
    from: "seeds/001, Logs; FFmpeg and Reverse Video Generation",
  };
}

export function unit(p: HostPlan, name: string): Remedy {
  const short = name.replace(/\.service$/, "");
  if (name === p.pm2?.unit) return pm2Down(p);
  if (name === "xvfb.service") {
    return { say: "Xvfb must start BEFORE PM2: WebGPU needs a display (DISPLAY should be :99).", run: [`sudo systemctl restart ${name} ${p.pm2?.unit ?? ""}`.trim(), "ps aux | grep Xvfb"], from: "seeds/000, Xvfb Virtual Display" };
  }
  if (name === "apache2.service") {
    return { say: "Apache is the public entrypoint on :80: check its config and status, then start it.", run: ["sudo apachectl configtest", `sudo systemctl status ${short} --no-pager`, `sudo systemctl restart ${short}`], from: "seeds/001, Runtime Topology" };
  }
  return {
    say: `Read why ${name} failed, then clear the failure and start it.`,
    run: [`sudo systemctl status ${short} --no-pager`, `sudo journalctl -u ${short} -n 200 --no-pager`, `sudo systemctl reset-failed ${short}`, `sudo systemctl restart ${short}`],
    from: "hostform",
  };
}

export function onstart(p: HostPlan): Remedy {
  return { say: "A step of the container's start script failed; its log line names the step and where to look.", run: ["tail -n 50 /var/log/onstart.log", "/root/onstart.sh >>/var/log/onstart.log 2>&1", up(p)], from: "seeds/000, Deployment Checklist" };
}

export function oom(p: HostPlan): Remedy {
  const since = "journalctl -k -b | grep -Ei 'oom|killed process|out of memory'";
  if (p.role === "flatlogic") {
    return {
      say: "Inspect kernel logs before changing Apache or database config. The June 2026 incident was ffmpeg reversing a large video: treat large source videos as risky on small VMs, and restart PM2 if it was killed.",
      run: [since, `sudo systemctl status ${p.pm2?.unit ?? "pm2-ubuntu"} --no-pager`, "pm2 logs backend-dev --lines 100 | grep -i ffmpeg"],
      from: "seeds/001, OOM-Kill Diagnosis",
    };
  }
  return { say: "A process was killed for lack of memory: find which (kernel log, cgroup) and give it less work or the host more memory.", run: [since, "free -h"], from: "hostform" };
}

export function disk(p: HostPlan, target: string): Remedy {
  return {
    say: `${target} is nearly full. Find what grew; the usual suspects are PM2 logs, the journal, the apt cache${p.releases ? " and old frontend releases (an up prunes them to releasesKeep)" : ""}.`,
    run: [`df -h ${target}`, `df -ih ${target}`, `sudo du -xh --max-depth=2 ${target} | sort -h | tail`, "pm2 flush", "sudo journalctl --vacuum-size=200M", "sudo apt-get clean"],
    from: "seeds/001, Health Checks (df -h, df -ih); the clean-up is hostform's",
  };
}

export function memory(p: HostPlan, small = false): Remedy {
  if (small && p.minimumMemory) {
    return {
      say: `The host has less memory than ${p.minimumMemory.key} asks for: ${p.role === "flatlogic"
        ? "give the VM more memory, or treat large source videos as risky here (runbook). The pm2 unit's MemoryMax keeps an ffmpeg spike inside PM2, and OOMPolicy=continue keeps the other apps up."
        : "give it more memory."}`,
      run: ["free -h", "systemctl show -p MemoryMax -p OOMPolicy " + (p.pm2?.unit ?? "pm2-*.service")],
      from: p.role === "flatlogic" ? "seeds/001, OOM-Kill Diagnosis; FFmpeg and Reverse Video Generation" : "hostform",
    };
  }
  return {
    say: p.role === "flatlogic"
      ? "Memory is short: on the Flatlogic VM the known cause is ffmpeg reversal (FFMPEG_* guardrails); find the biggest processes."
      : "Memory is short: find the biggest processes.",
    run: ["free -h", "ps aux --sort=-rss | head"],
    from: p.role === "flatlogic" ? "seeds/001, FFmpeg and Reverse Video Generation" : "hostform",
  };
}

export function ports(p: HostPlan): Remedy {
  if (p.role === "flatlogic") {
    return {
      say: "The standard port split is frontend 3001 and backend 3000 (an explicit PORT env var overrides it); do not assume older local development ports. An up restores the ecosystem's ports; if nothing listens, see the PM2 checks.",
      run: ["sudo ss -ltnp | grep -E ':80|:3001|:3000|:4317|:4318'", "pm2 describe frontend-dev", "pm2 describe backend-dev", up(p)],
      from: "seeds/001, Runtime Topology; Recovering From Apache 503",
    };
  }
  return { say: "The server must listen on the stack's serverPort (PORT in the ecosystem); an up restores it.", run: ["sudo ss -ltnp", "pm2 show duel-arena", up(p)], from: "seeds/000, Health Checks" };
}

export function health(p: HostPlan, check: string): Remedy {
  if (check === "streaming") {
    return {
      say: "Streaming not starting: missing stream keys, Xvfb not running, Chrome Beta not installed, or DISPLAY not set (should be :99).",
      run: [`curl -s ${p.health.find((c) => c.name === check)?.url ?? ""}`, "ps aux | grep Xvfb", "google-chrome-beta --version", "pm2 logs duel-arena --lines 100"],
      from: "seeds/000, Troubleshooting: Streaming Not Starting",
    };
  }
  if (p.role === "duel") return { say: "The server does not answer /health: read its logs.", run: ["pm2 logs duel-arena --lines 100", "pm2 status"], from: DUEL_CRASH };
  return {
    say: "First check whether the upstream app processes are listening; if Apache is but 3001 and 3000 are not, PM2 did not restore or was stopped.",
    run: ["sudo ss -ltnp | grep -E ':80|:3001|:3000'", "curl -I http://127.0.0.1:3001", "curl -I http://127.0.0.1:3000/api/auth/me", `sudo systemctl status ${p.pm2?.unit ?? "pm2-ubuntu"} --no-pager`],
    from: FLATLOGIC_503,
  };
}

export function publicUrl(u: PublicUrl): Remedy {
  if (u.proxy) {
    const { port, target } = u.proxy;
    if (port === target) {
      return { say: `The host's port ${port} does not answer from here: if 127.0.0.1:${port}/health answers on the host, a firewall or the instance's port mapping is in the way.`, run: [`curl -sI ${u.url}`, `curl -fsS http://127.0.0.1:${port}/health`], from: "seeds/000, Port Proxying" };
    }
    return {
      say: `Vast.ai requires port proxying for external access: ${port} must reach ${target} on the host. If 127.0.0.1:${target}/health answers there, the proxy is missing (the guide's deploy-vast.sh starts it with socat) or the instance does not expose ${port}.`,
      run: [`curl -sI ${u.url}`, `curl -fsS http://127.0.0.1:${target}/health`, `nohup socat TCP-LISTEN:${port},reuseaddr,fork TCP:127.0.0.1:${target} > /dev/null 2>&1 &`],
      from: "seeds/000, Port Proxying",
    };
  }
  return {
    say: "If the local checks pass, the fault is between the user and Apache :80: the DNS record, Cloudflare's proxy, or a firewall.",
    run: [`curl -I ${u.url}`, "curl -I http://127.0.0.1:80/"],
    from: "seeds/001, Health Checks",
  };
}

export function apache(): Remedy {
  return {
    say: "Proxy errors towards 127.0.0.1:3001 or :3000 (AH01114, AH00957) mean the apps were down: see the PM2 and port checks.",
    run: ["sudo tail -n 100 /var/log/apache2/error.log"],
    from: "seeds/001, Logs; Recovering From Apache 503",
  };
}

export function releases(p: HostPlan): Remedy {
  return {
    say: `Retention defaults to the latest ${p.releases?.keep ?? 2} release directories and the active one is never deleted; an up builds a missing release and prunes old ones.`,
    run: [`ls -l ${p.releases?.dir ?? ""}`, up(p)],
    from: "seeds/001, Frontend Release Deploys",
  };
}

export function secretsFile(p: HostPlan): Remedy {
  return {
    say: "PM2 loads the secrets at config load time from this file; /tmp is emptied at boot, so hostform restores it from its kept copy. An up rewrites both.",
    run: [`ls -l ${p.secretsFile?.path ?? ""}`, p.flavor === "systemd" ? "sudo systemctl restart hyperscape-secrets.service" : "/root/onstart.sh", up(p)],
    from: "seeds/000, Secrets Management",
  };
}

/**
 * The clusters are the host's own (pg_lsclusters): the ones that are not online are started, and
 * their logs read, by their version and name (Debian 12 ships 15, Ubuntu 22.04 14, 24.04 16).
 */
export function postgres(p: HostPlan, clusters: readonly Cluster[] = []): Remedy {
  const down = clusters.filter((k) => k.status !== "online");
  const start = p.flavor === "systemd" ? ["sudo systemctl start postgresql"] : down.map((k) => `pg_ctlcluster ${k.version} ${k.name} start`);
  const logs = down.map((k) => `tail -n 50 ${k.log ?? `/var/log/postgresql/postgresql-${k.version}-${k.name}.log`}`);
  return {
    say: "DATABASE_URL points at this host, so its PostgreSQL cluster must run. \"timeout exceeded when trying to connect\" → increase POSTGRES_POOL_MAX."
      + (clusters.length === 0 ? ` With no cluster, ${up(p)} installs PostgreSQL and creates one.` : ""),
    run: [...start, "pg_lsclusters", ...logs, ...(clusters.length === 0 ? [up(p)] : [])],
    from: "seeds/000, Database Mode Auto-Detection; Database Connection Errors",
  };
}

/** The remote database does not answer from the host. */
export function remoteDatabase(p: HostPlan): Remedy {
  const d = p.remoteDatabase;
  return {
    say: `DATABASE_URL points at ${d ? `${d.host}:${d.port}` : "a remote server"}: until it answers from this host, the duel server crashes at start `
      + `("timeout exceeded when trying to connect") and migrations fail. To fix it, ${REMOTE_DATABASE_REMEDY}; then run up (after correcting the secret, if it was wrong).`,
    run: [...(d ? [script`pg_isready --host=${d.host} --port=${d.port} --dbname=${d.database} --timeout=5`] : []), up(p)],
    from: "seeds/000, Database Connection Errors: Check database is accessible; Verify connection string",
  };
}

export function display(p: HostPlan): Remedy {
  return {
    say: `WebGPU requires a window context: Xvfb must run on ${p.display?.display ?? ":99"} before PM2 starts the server.`,
    run: [p.flavor === "systemd" ? `sudo systemctl restart xvfb.service ${p.pm2?.unit ?? ""}`.trim() : "/root/onstart.sh", "ps aux | grep Xvfb"],
    from: "seeds/000, Xvfb Virtual Display; Troubleshooting",
  };
}

export function gpu(): Remedy {
  return {
    say: "The duel stack renders with WebGPU on the GPU: the driver must answer and the display must be active (gpu_display_active=true on Vast.ai).",
    run: ["nvidia-smi", "nvidia-smi --query-gpu=display_active --format=csv"],
    from: "seeds/000, Deployment Checklist",
  };
}

/**
 * SSH failed: the first steps, in order — does the port answer, is the key the one pinned, does
 * the login key work — with this host's address, port, user and key filled in.
 */
export function unreachable(c: Connection, reason?: Reason): Remedy {
  const port = c.port ?? 22;
  const user = c.user ?? "root";
  const keyPath = c.privateKeyPath?.startsWith("~/") ? `~/${sh(c.privateKeyPath.slice(2))}` : c.privateKeyPath && sh(c.privateKeyPath);
  const key = keyPath ? `-i ${keyPath} ` : "";
  const login = `ssh ${key}-p ${port} ${sh(`${user}@${c.host}`)}`;
  if (reason === "sudo") {
    return {
      say: `${user} logs in, but sudo -n refuses to run commands as root for it (it wants a password, or ${user} is not in sudoers): give it a NOPASSWD rule, or log in as root.`,
      run: [
        `${login} sudo -n true   # does sudo run without a password?`,
        `echo ${sh(`${user} ALL=(ALL) NOPASSWD:ALL`)} > /etc/sudoers.d/hostform && chmod 0440 /etc/sudoers.d/hostform   # as root on the host`,
      ],
      from: "hostform",
    };
  }
  const why = reason === "timeout"
    ? `Nothing answers on ${c.host}:${port}: the machine is down, or a firewall drops the port. Check that it runs (the provider's console) and that the address and port are its current ones.`
    : reason === "refused"
      ? `${c.host} answers but refuses port ${port}: sshd is not running there (start it from the provider's console), or the stack names the wrong port.`
      : `The doctor reads hosts over SSH with the pinned key: check the address, the port, that sshd runs, and the key.`;
  return {
    say: why,
    run: [
      `nc -vz -w 5 ${sh(c.host)} ${port}   # does the port answer?`,
      `ssh-keyscan -p ${port} ${sh(c.host)}   # the key it presents: compare with the stack's pinned hostKey`,
      `${login} true   # does the login key work?${c.privateKeyPath ? "" : " (the key is the stack's secret hostform:sshPrivateKey)"}`,
      "npm run sandbox -- status   # sandbox hosts",
    ],
    from: "hostform",
  };
}
