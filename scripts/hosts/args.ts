// Pure argument parsing for scripts/hosts.ts, unit tested.

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

export const USAGE = `usage: npm run hosts -- <command>
  pin <address> --stack S [--port N] [--host NAME] [--replace]
                    read the host's keys over the network, print their fingerprints as
                    ssh-keygen -lf does, and after you confirm, pin one as the host's hostKey
                    in Pulumi.S.yaml (with that address and port)
      [--yes --expect-fingerprint SHA256:…]
                    no question: pin the key with that fingerprint, read on the host's console
      --replace     the stack already pins another key (a rebuilt host): replace it
  check --stack S   for each host of the stack: connection, pinned key, passwordless sudo,
                    init system, OS and architecture against the stack; a table, exit 1 when
                    a host is not ready
  --config-file F   (both) the stack's config file, when it is not Pulumi.S.yaml`;

const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;

export function parseArgs(argv: readonly string[]): Command {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === "help" || cmd === "--help" || cmd === "-h") return { cmd: "help" };
  const flags = new Map<string, string | true>();
  const positional: string[] = [];
  const valued = new Set(["--stack", "--config-file", "--port", "--host", "--expect-fingerprint"]);
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    const eq = a.indexOf("=");
    const name = a.startsWith("--") && eq > 0 ? a.slice(0, eq) : a;
    if (valued.has(name)) {
      const value = eq > 0 && a.startsWith("--") ? a.slice(eq + 1) : rest[++i];
      if (value === undefined || value === "") throw new Error(`${name} needs a value\n${USAGE}`);
      flags.set(name, value);
    } else if (a === "--yes" || a === "-y" || a === "--replace") flags.set(a === "-y" ? "--yes" : a, true);
    else if (a.startsWith("-")) throw new Error(`unknown option ${a}\n${USAGE}`);
    else positional.push(a);
  }
  const str = (k: string) => flags.get(k) as string | undefined;
  const stack = str("--stack");
  if (!stack) throw new Error(`--stack is required: the stack whose hosts to ${cmd === "check" ? "check" : "pin"}\n${USAGE}`);
  const target: Target = { stack, ...(str("--config-file") ? { configFile: str("--config-file") } : {}) };
  if (cmd === "check") {
    if (positional.length || flags.size > 2 || [...flags.keys()].some((k) => k !== "--stack" && k !== "--config-file")) throw new Error(`check takes only --stack and --config-file\n${USAGE}`);
    return { cmd, ...target };
  }
  if (cmd !== "pin") throw new Error(`unknown command ${JSON.stringify(cmd)}\n${USAGE}`);
  if (positional.length !== 1) throw new Error(`pin takes one address\n${USAGE}`);
  const port = Number(str("--port") ?? 22);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`--port must be a TCP port number, got ${JSON.stringify(str("--port"))}`);
  const expectFingerprint = str("--expect-fingerprint");
  if (expectFingerprint !== undefined && !FINGERPRINT.test(expectFingerprint)) {
    throw new Error(`--expect-fingerprint must look like ssh-keygen -lf prints it (SHA256: and 43 characters), got ${JSON.stringify(expectFingerprint)}`);
  }
  const yes = flags.get("--yes") === true;
  if (yes && expectFingerprint === undefined) {
    throw new Error("--yes needs --expect-fingerprint SHA256:… read on the host's console (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub): hostform never trusts a key on first use");
  }
  return {
    cmd, ...target, address: positional[0]!, port, yes, replace: flags.get("--replace") === true,
    ...(str("--host") ? { host: str("--host") } : {}), ...(expectFingerprint ? { expectFingerprint } : {}),
  };
}
