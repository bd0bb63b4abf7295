// What `hostform hosts` was asked to do (its flags are declared in scripts/cli/commands.ts). Pure, unit tested.
import { HOSTS } from "../cli/commands";
import { type Parsed, parseCommand, UsageError } from "../cli/options";

export interface Target {
  /** The stack whose file (Pulumi.<stack>.yaml) is read or written. */
  readonly stack: string;
  /** Another config file for that stack, like pulumi's own --config-file. */
  readonly configFile?: string;
}

export type Command =
  | ({ cmd: "pin"; address: string; port: number; host?: string; yes: boolean; expectFingerprint?: string; replace: boolean } & Target)
  | ({ cmd: "check" } & Target)
  | { cmd: "help" };

const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;

/** The command of a parsed `hostform hosts` line. */
export function hostsCommand(p: Parsed): Command {
  if (p.help) return { cmd: "help" };
  const [cmd, ...positional] = p.positionals;
  if (cmd === undefined || cmd === "help") return { cmd: "help" };
  if (cmd !== "check" && cmd !== "pin") throw new UsageError(`unknown command ${JSON.stringify(cmd)}: pin or check`);
  const str = (k: string) => p.values[k] as string | undefined;
  const stack = p.stack;
  if (!stack) throw new UsageError(`--stack is required: the stack whose hosts to ${cmd === "check" ? "check" : "pin"}`);
  const target: Target = { stack, ...(str("config-file") ? { configFile: str("config-file") } : {}) };
  if (cmd === "check") {
    const others = Object.keys(p.values).filter((k) => k !== "stack" && k !== "config-file" && p.values[k] !== undefined);
    if (positional.length || others.length) throw new UsageError("check takes only --stack and --config-file");
    return { cmd, ...target };
  }
  if (positional.length !== 1) throw new UsageError("pin takes one address");
  if (p.hosts.length > 1) throw new UsageError("pin takes one --host");
  const port = Number(str("port") ?? 22);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`--port must be a TCP port number, got ${JSON.stringify(str("port"))}`);
  const expectFingerprint = str("expect-fingerprint");
  if (expectFingerprint !== undefined && !FINGERPRINT.test(expectFingerprint)) {
    throw new UsageError(`--expect-fingerprint must look like ssh-keygen -lf prints it (SHA256: and 43 characters), got ${JSON.stringify(expectFingerprint)}`);
  }
  const yes = p.values.yes === true;
  if (yes && expectFingerprint === undefined) {
    throw new UsageError("--yes needs --expect-fingerprint SHA256:… read on the host's console (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub): hostform never trusts a key on first use");
  }
  return {
    cmd, ...target, address: positional[0]!, port, yes, replace: p.values.replace === true,
    ...(p.hosts.length ? { host: p.hosts[0] } : {}), ...(expectFingerprint ? { expectFingerprint } : {}),
  };
}

/** `hostform hosts` from its words, as the unit tests give them. */
export function parseArgs(argv: readonly string[]): Command {
  return hostsCommand(parseCommand(HOSTS, argv));
}
