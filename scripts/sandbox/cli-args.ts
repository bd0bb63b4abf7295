// Pure argument parsing for scripts/sandbox.ts, unit tested.
import { DEFAULT_HOSTS, type Flavor, isFlavor, isRelease, type Release, RELEASES, validateName } from "./naming.js";

export interface HostSpec { name: string; flavor: Flavor; release?: Release }

export type Command =
  | { cmd: "up"; hosts: HostSpec[] }
  | { cmd: "down"; names?: string[]; all?: boolean }
  | { cmd: "status" }
  | { cmd: "restart"; name: string }
  | { cmd: "exec"; name: string; command: string }
  | { cmd: "help" };

export const USAGE = `usage: npx tsx scripts/sandbox.ts <command>
  up [name:flavor[:release] ...]
                              start hosts (default: ${DEFAULT_HOSTS.map((h) => `${h.name}:${h.flavor}`).join(" ")}); flavor is systemd|container,
                              release ${RELEASES.join("|")} (default bookworm; noble is Ubuntu 24.04)
  down [name ...]             stop and remove hosts (default: all and leftovers of crashed runs,
                              except hosts a still-running test process brought up)
  down --all                  really all hosts, including those of running tests
  status                      one line per host: name flavor state address port fingerprint
  restart <name>              reboot a host on the same root, keys and address
  exec <name> -- <command...> run a command in the host over ssh, exit with its code`;

/** "name:flavor[:release]"; a bare name takes its default flavor (or systemd). */
export function parseHostSpec(spec: string): HostSpec {
  const [name = "", flavor, release, ...rest] = spec.split(":");
  if (rest.length > 0) throw new Error(`bad host spec "${spec}": expected name:flavor[:release]`);
  validateName(name);
  if (flavor === undefined) {
    return { name, flavor: DEFAULT_HOSTS.find((h) => h.name === name)?.flavor ?? "systemd" };
  }
  if (!isFlavor(flavor)) throw new Error(`bad flavor "${flavor}" in "${spec}": expected systemd or container`);
  if (release === undefined) return { name, flavor };
  if (!isRelease(release)) throw new Error(`bad release "${release}" in "${spec}": expected ${RELEASES.join(" or ")}`);
  return { name, flavor, release };
}

/** Quote one word for a POSIX shell, leaving plain words readable. */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * ssh joins its arguments with spaces and hands them to the remote shell.
 * One argument is passed as is (so `-- 'a && b'` works as shell code); several
 * are quoted word by word so `-- sh -c 'echo hi'` keeps its words.
 */
export function remoteCommand(words: string[]): string {
  if (words.length === 0) throw new Error("exec: missing command after --");
  if (words.length === 1) return words[0]!;
  return words.map(shellQuote).join(" ");
}

function one(args: string[], what: string): string {
  if (args.length !== 1) throw new Error(`expected exactly one ${what}\n${USAGE}`);
  return validateName(args[0]!);
}

function parseExec(args: string[]): Command {
  const sep = args.indexOf("--");
  const before = sep === -1 ? args.slice(0, 1) : args.slice(0, sep);
  const after = sep === -1 ? args.slice(1) : args.slice(sep + 1);
  return { cmd: "exec", name: one(before, "host name before --"), command: remoteCommand(after) };
}

export function parseArgs(argv: string[]): Command {
  const [cmd, ...args] = argv;
  switch (cmd) {
    case "up":
      return { cmd: "up", hosts: args.length ? dedupe(args.map(parseHostSpec)) : [...DEFAULT_HOSTS] };
    case "down":
      if (args.length === 1 && args[0] === "--all") return { cmd: "down", all: true };
      return args.length ? { cmd: "down", names: args.map(validateName) } : { cmd: "down" };
    case "status":
      return { cmd: "status" };
    case "restart":
      return { cmd: "restart", name: one(args, "host name") };
    case "exec":
      return parseExec(args);
    case undefined:
    case "help":
    case "-h":
    case "--help":
      return { cmd: "help" };
    default:
      throw new Error(`unknown command "${cmd}"\n${USAGE}`);
  }
}

function dedupe(hosts: HostSpec[]): HostSpec[] {
  const seen = new Map<string, HostSpec>();
  for (const h of hosts) {
    const prev = seen.get(h.name);
    if (prev && (prev.flavor !== h.flavor || prev.release !== h.release)) throw new Error(`host "${h.name}" given twice with different flavors or releases`);
    seen.set(h.name, h);
  }
  return [...seen.values()];
}
