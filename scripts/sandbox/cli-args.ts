// What `hostform sandbox` was asked to do (its flags are declared in scripts/cli/commands.ts). Pure, unit tested.
import { SANDBOX } from "../cli/commands.js";
import { type Parsed, parseCommand, UsageError } from "../cli/options.js";
import { DEFAULT_HOSTS, type Flavor, isFlavor, isRelease, type Release, RELEASES, validateName } from "./naming.js";

export interface HostSpec { name: string; flavor: Flavor; release?: Release }

export type Command =
  | { cmd: "up"; hosts: HostSpec[] }
  | { cmd: "down"; names?: string[]; all?: boolean }
  | { cmd: "status" }
  | { cmd: "restart"; name: string }
  | { cmd: "rebuild"; name: string }
  | { cmd: "exec"; name: string; command: string }
  | { cmd: "help" };

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

function one(args: readonly string[], what: string): string {
  if (args.length !== 1) throw new UsageError(`expected exactly one ${what}`);
  return validateName(args[0]!);
}

/** `exec <name> -- <command...>`; without `--`, the words after the name are the command. */
function parseExec(args: readonly string[], rest: readonly string[]): Command {
  const [before, after] = rest.length ? [args, rest] : [args.slice(0, 1), args.slice(1)];
  return { cmd: "exec", name: one(before, "host name before --"), command: remoteCommand([...after]) };
}

/** The command of a parsed `hostform sandbox` line; a bad name or host spec is a usage error. */
export function sandboxCommand(p: Parsed): Command {
  try {
    return commandOf(p);
  } catch (e) {
    throw e instanceof UsageError ? e : new UsageError((e as Error).message);
  }
}

function commandOf(p: Parsed): Command {
  const [cmd, ...args] = p.positionals;
  if (p.help || cmd === undefined || cmd === "help") return { cmd: "help" };
  if (p.values.all === true && cmd !== "down") throw new UsageError(`--all is for down, not ${cmd}`);
  if (p.rest.length && cmd !== "exec") throw new UsageError(`only exec takes words after --`);
  switch (cmd) {
    case "up":
      return { cmd: "up", hosts: args.length ? dedupe(args.map(parseHostSpec)) : [...DEFAULT_HOSTS] };
    case "down":
      if (p.values.all === true) {
        if (args.length) throw new UsageError("down --all takes no host names: it takes every host");
        return { cmd: "down", all: true };
      }
      return args.length ? { cmd: "down", names: args.map(validateName) } : { cmd: "down" };
    case "status":
      return { cmd: "status" };
    case "restart":
      return { cmd: "restart", name: one(args, "host name") };
    case "rebuild":
      return { cmd: "rebuild", name: one(args, "host name") };
    case "exec":
      return parseExec(args, p.rest);
    default:
      throw new UsageError(`unknown command "${cmd}": up, down, status, restart, rebuild or exec`);
  }
}

/** `hostform sandbox` from its words, as the unit tests give them. */
export function parseArgs(argv: readonly string[]): Command {
  return sandboxCommand(parseCommand(SANDBOX, argv));
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
