/**
 * Long-running processes that stay outside PM2 (a scheduler holding a single-instance lock, its
 * agents, helper servers), one systemd unit each, read back like every other unit: a stopped
 * required one is drift; an optional one that fails is reported and nothing more.
 */
import * as pulumi from "@pulumi/pulumi";
import { script } from "../../host/quote";
import { SystemdUnit } from "../../host/resources";
import type { VmHost } from "../base/vmhost";
import { checkPaths, isPlainPath, isUserName, Problems, show } from "../validate";

export interface Agent {
  /** [a-z0-9-]: the unit is <prefix>-<name>.service. */
  readonly name: string;
  /** The command line, in the foreground; a first word not starting with "/" is relative to the working directory. */
  readonly command: string;
  /** May fail without failing the deploy; reported instead. */
  readonly optional: boolean;
  /** For a start script that daemonizes and writes its pid there (Type=forking); relative to the working directory. */
  readonly pidFile?: string;
}

export interface AgentUnitArgs {
  readonly agent: Agent;
  /** Who the agent runs as. */
  readonly user: string;
  /** That user's home: the env file may not be there (see envFile). */
  readonly home: string;
  /** The checkout the agent runs from. */
  readonly workingDirectory: string;
  /** The folder holding node, first on PATH. */
  readonly nodeBinDir: string;
  /** Plain settings (NODE_ENV…); never secrets. */
  readonly env: Readonly<Record<string, string>>;
  /**
   * A KEY=VALUE file of secrets, root's own (like /etc/hostform/<system>.env). systemd reads it as
   * root before it switches to `user`, so it may not lie in the user's home or the checkout: a link
   * the user put there would hand root-only files to the agent (review N3).
   */
  readonly envFile?: string;
  /** What the agents belong to, for the unit's description ("MetaHuman OS"). */
  readonly system: string;
}

const WORD = /^[A-Za-z0-9._+@/=:,-]+$/;
export const AGENT_NAME = /^[a-z0-9][a-z0-9-]{0,40}$/;

export const agentUnitName = (prefix: string, name: string): string => `${prefix}-${name}.service`;

const inside = (dir: string, path: string): boolean => path === dir || path.startsWith(`${dir.replace(/\/+$/, "")}/`);
const under = (dir: string, path: string): string => (path.startsWith("/") ? path : `${dir}/${path}`);

/**
 * The agent's unit. Restart=on-failure brings a crashed agent back (a stop by an operator stays a
 * stop, which hostform reports); an optional agent retries after 1 s and gives up after 3 failed
 * starts in a minute, so a failing one settles (and is reported) within seconds. systemd's default KillMode=control-group also ends what the agent
 * started, which the plan's stop script does with pkill. UMask=0027: what an agent writes (logs,
 * state) is not for other local users (review N15).
 */
export function renderAgentUnit(a: AgentUnitArgs): string {
  const p = new Problems();
  const words = a.agent.command.trim().split(/\s+/);
  p.check(AGENT_NAME.test(a.agent.name), `agent ${show(a.agent.name)}: the name must be [a-z0-9-], starting with a letter or digit`);
  p.check(a.agent.command.trim() !== "" && words.every((w) => WORD.test(w)), `agent ${a.agent.name}: command ${show(a.agent.command)} must be words of [A-Za-z0-9._+@/=:,-] (no quotes, $ or %)`);
  p.check(isUserName(a.user), `user ${show(a.user)} is not a user name: give a Debian user name like "metahuman"`);
  checkPaths(p, a, ["home", "workingDirectory", "nodeBinDir"]);
  if (a.envFile !== undefined) {
    p.check(isPlainPath(a.envFile), `envFile ${show(a.envFile)} must be an absolute path of [A-Za-z0-9._+@/-]`);
    for (const [dir, what] of [[a.home, "the app user's home"], [a.workingDirectory, "the checkout"]]) {
      p.check(!inside(dir, a.envFile), `envFile ${show(a.envFile)} is in ${what} (${dir}), which ${a.user} can change, yet systemd reads it as root: give a root-owned copy such as /etc/hostform/<system>.env`);
    }
  }
  if (a.agent.pidFile !== undefined) p.check(isPlainPath(under(a.workingDirectory, a.agent.pidFile)), `agent ${a.agent.name}: pidFile ${show(a.agent.pidFile)} must be a path of [A-Za-z0-9._+@/-]`);
  for (const [k, v] of Object.entries(a.env)) p.check(/^[A-Z_][A-Z0-9_]*$/.test(k) && /^[A-Za-z0-9._+@/:,-]*$/.test(v), `env ${show(k)}=${show(v)}: keys UPPER_SNAKE_CASE, values of [A-Za-z0-9._+@/:,-]`);
  p.done("renderAgentUnit");
  const exec = [under(a.workingDirectory, words[0].replace(/^\.\//, "")), ...words.slice(1)];
  const forking = a.agent.pidFile !== undefined;
  return `[Unit]
Description=${a.system} ${a.agent.name} (outside PM2${a.agent.optional ? "; optional" : ""})
After=network-online.target
Wants=network-online.target
${a.agent.optional ? "StartLimitIntervalSec=60\nStartLimitBurst=3" : "StartLimitIntervalSec=0"}

[Service]
Type=${forking ? "forking" : "simple"}
${forking ? `PIDFile=${under(a.workingDirectory, a.agent.pidFile ?? "")}\n` : ""}User=${a.user}
Group=${a.user}
WorkingDirectory=${a.workingDirectory}
Environment=PATH=${a.nodeBinDir}:/usr/local/bin:/usr/bin:/bin
${Object.entries(a.env).map(([k, v]) => `Environment=${k}=${v}\n`).join("")}${a.envFile !== undefined ? `EnvironmentFile=${a.envFile}\n` : ""}UMask=0027
ExecStart=${exec.join(" ")}
Restart=on-failure
RestartSec=${a.agent.optional ? 1 : 5}
TimeoutStopSec=10

[Install]
WantedBy=multi-user.target
`;
}

export interface AgentsArgs extends Omit<AgentUnitArgs, "agent" | "user" | "home" | "nodeBinDir"> {
  readonly host: VmHost;
  readonly agents: readonly Agent[];
  /** Unit names are <prefix>-<agent>.service. */
  readonly prefix: string;
}

/** `<name>-agent-<agent>` per agent: its unit, enabled and started (optional ones only reported). */
export function agentUnits(name: string, a: AgentsArgs, opts: pulumi.CustomResourceOptions): Record<string, SystemdUnit> {
  const h = a.host;
  if (h.flavor !== "systemd") throw new Error(`agentUnits: host ${name} has flavor ${h.flavor}: agents run as systemd units, so the topology must declare flavors: ["systemd"]`);
  return Object.fromEntries(a.agents.map((agent) => [agent.name, new SystemdUnit(`${name}-agent-${agent.name}`, {
    connection: h.connection,
    name: agentUnitName(a.prefix, agent.name),
    content: renderAgentUnit({ ...a, agent, user: h.appUser, home: h.home, nodeBinDir: h.nodeBinDir }),
    ...(agent.optional ? { optional: true } : {}),
  }, opts)]));
}

/** Exits 0 when every unit is active; else 1 and one line naming each unit that is not, with its state. */
export function unitsActiveCheck(units: readonly string[]): string {
  return script`bad=""
for u in ${units}; do
  s=$(systemctl is-active -- "$u" 2>/dev/null || :)
  if [ "$s" != active ]; then bad="$bad $u=\${s:-unknown}"; fi
done
if [ -n "$bad" ]; then echo "agents not active:$bad"; exit 1; fi
`;
}

/**
 * The agents read their env file only when they start, so after it changes each running one must
 * start again. Read on the host: exit 1 when an active unit entered that state before the file was
 * last written (microseconds), else 0. Units that are not active read the file when they start.
 */
export function envFreshCheck(units: readonly string[], envFile: string): string {
  return staleUnits(units, envFile) + `if [ -n "$stale" ]; then echo "started before ${envFile} changed:$stale"; exit 1; fi
`;
}

/** Restarts each active unit that started before the env file was last written. */
export function envFreshRun(units: readonly string[], envFile: string): string {
  return staleUnits(units, envFile) + `if [ -n "$stale" ]; then systemctl try-restart -- $stale; fi
`;
}

function staleUnits(units: readonly string[], envFile: string): string {
  const p = new Problems();
  p.check(isPlainPath(envFile), `envFile ${show(envFile)} must be an absolute path of [A-Za-z0-9._+@/-]`);
  for (const u of units) p.check(/^[A-Za-z0-9_.:-]+\.service$/.test(u), `units: ${show(u)} is not a service name`);
  p.done("envFreshCheck");
  return script`stale=""
written=$(stat -c %.6Y -- ${envFile} 2>/dev/null | tr -d .) || written=""
for u in ${units}; do
  [ -n "$written" ] || break
  [ "$(systemctl is-active -- "$u" 2>/dev/null || :)" = active ] || continue
  since=$(systemctl show --timestamp=us -p ActiveEnterTimestamp --value -- "$u")
  [ -n "$since" ] || continue
  started=$(date -d "$since" +%s%6N)
  if [ "$started" -le "$written" ]; then stale="$stale $u"; fi
done
`;
}
