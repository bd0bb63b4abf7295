/**
 * The command line every `hostform <command>` shares: the flags each command takes (its own and the
 * shared `--stack/-s`, `--host`, `--format`, `--help/-h`), parsed by Node's `util.parseArgs`, and
 * the help text built from the same declarations. Pure; unit tested.
 */
import { parseArgs } from "node:util";

export const FORMATS = ["text", "markdown", "json"] as const;
export type Format = (typeof FORMATS)[number];

/** A usage error: the command did not run. Exit 2, the message and a pointer to `--help`. */
export class UsageError extends Error {}
export const USAGE_EXIT = 2;

export interface Flag {
  readonly name: string;
  readonly short?: string;
  /** The value's placeholder; a flag without one is a switch. */
  readonly value?: string;
  readonly multiple?: boolean;
  readonly help: string;
}

export interface CommandSpec {
  readonly name: string;
  /** One line for `hostform --help`. */
  readonly summary: string;
  /** What follows `hostform <name>` in the usage line. */
  readonly synopsis: string;
  /** Lines after the usage line: what the command does, its subcommands. */
  readonly about?: readonly string[];
  /** How the command uses the shared flags; a shared flag it does not use is refused. */
  readonly stack?: "required" | "optional";
  readonly host?: string;
  /** The formats it prints, the first the default. */
  readonly formats?: readonly Format[];
  readonly flags: readonly Flag[];
  readonly positionals?: boolean;
  /** Whether words after `--` are taken (Pulumi's options, a remote command). */
  readonly rest?: boolean;
  /** The exit codes, as in docs/cli.md. */
  readonly exits: string;
}

export const SHARED: readonly Flag[] = [
  { name: "stack", short: "s", value: "name", help: "the stack (Pulumi.<name>.yaml)" },
  { name: "host", value: "name", multiple: true, help: "only this host of the stack (repeatable)" },
  { name: "format", value: "text|markdown|json", help: "how the report is printed" },
  { name: "help", short: "h", help: "this help" },
];

/** Options of Pulumi's `up` and `preview` the commands that run it pass on (anything else after `--`). */
export const PULUMI_FLAGS: readonly Flag[] = [
  { name: "config-file", value: "path", help: "the stack's config file, when it is not Pulumi.<stack>.yaml" },
  { name: "cwd", short: "C", value: "dir", help: "the Pulumi project's folder" },
  { name: "target", short: "t", value: "urn", multiple: true, help: "only this resource (Pulumi's --target, repeatable)" },
  { name: "parallel", short: "p", value: "n", help: "Pulumi's --parallel" },
  { name: "non-interactive", help: "Pulumi's --non-interactive" },
  { name: "diff", help: "Pulumi's --diff" },
];

export interface Parsed {
  readonly command: string;
  readonly help: boolean;
  readonly stack?: string;
  readonly hosts: readonly string[];
  readonly format: Format;
  /** The command's own flags by name: a string, a list (repeatable) or true. */
  readonly values: Readonly<Record<string, string | boolean | string[] | undefined>>;
  readonly positionals: readonly string[];
  /** The words after `--`. */
  readonly rest: readonly string[];
}

const flagsOf = (spec: CommandSpec): Flag[] => [...SHARED, ...spec.flags];

export function parseCommand(spec: CommandSpec, argv: readonly string[]): Parsed {
  const sep = spec.rest ? argv.indexOf("--") : -1;
  const own = sep < 0 ? [...argv] : argv.slice(0, sep);
  const rest = sep < 0 ? [] : argv.slice(sep + 1);
  const options = Object.fromEntries(flagsOf(spec).map((f) => [f.name, {
    type: f.value ? "string" as const : "boolean" as const,
    ...(f.short ? { short: f.short } : {}),
    ...(f.multiple ? { multiple: true } : {}),
  }]));
  let parsed: ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true; strict: true }>>;
  try {
    parsed = parseArgs({ args: own, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(describeParseError(e as Error & { code?: string }));
  }
  const v = parsed.values as Record<string, string | boolean | string[] | undefined>;
  const base = { command: spec.name, positionals: parsed.positionals, rest, values: v, hosts: (v.host as string[] | undefined) ?? [] };
  if (v.help) return { ...base, help: true, format: "text" };
  if (parsed.positionals.length && !spec.positionals) throw new UsageError(`hostform ${spec.name} takes no argument ${JSON.stringify(parsed.positionals[0])}`);
  if (v.stack !== undefined && !spec.stack) throw new UsageError(`hostform ${spec.name} does not take --stack`);
  if (v.stack === "") throw new UsageError("--stack needs a stack name");
  if (spec.stack === "required" && v.stack === undefined) throw new UsageError("--stack is required");
  if (base.hosts.length && !spec.host) throw new UsageError(`hostform ${spec.name} does not take --host`);
  // `--json`, where a command took it before `--format` was shared, is `--format json`.
  const requested = v.json === true ? (v.format === undefined || v.format === "json" ? "json" : "conflict") : v.format;
  if (requested === "conflict") throw new UsageError("--json and --format say different things; use --format");
  const formats = spec.formats ?? [];
  if (requested !== undefined && !formats.includes(requested as Format)) {
    throw new UsageError(formats.length ? `--format must be ${formats.join(", ")} for hostform ${spec.name}, got ${JSON.stringify(requested)}` : `hostform ${spec.name} does not take --format`);
  }
  return { ...base, help: false, format: (requested as Format | undefined) ?? formats[0] ?? "text", ...(v.stack !== undefined ? { stack: v.stack as string } : {}) };
}

function describeParseError(e: Error & { code?: string }): string {
  // Node's messages name the flag: "Unknown option '--force'", "Option '-s, --stack <value>' argument missing".
  const flag = /'(?:-\w, )?(-[^' ]+)/.exec(e.message)?.[1];
  if (e.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && flag) return `unknown flag ${flag}`;
  if (e.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && flag) {
    return /argument missing/.test(e.message) ? `${flag} needs a value` : `${flag} takes no value`;
  }
  return e.message;
}

/** The words of Pulumi's options among the parsed flags, in the form pulumi.sh reads (`--stack`, `--config-file`). */
export function pulumiArgs(p: Parsed): string[] {
  const out: string[] = p.stack ? ["--stack", p.stack] : [];
  for (const f of PULUMI_FLAGS) {
    const v = p.values[f.name];
    if (v === true) out.push(`--${f.name}`);
    else if (typeof v === "string") out.push(`--${f.name}`, v);
    else if (Array.isArray(v)) for (const x of v) out.push(`--${f.name}`, x);
  }
  return [...out, ...p.rest];
}

function flagLines(flags: readonly Flag[]): string[] {
  const left = (f: Flag) => `${f.short ? `-${f.short}, ` : "    "}--${f.name}${f.value ? ` <${f.value}>` : ""}`;
  const width = Math.max(...flags.map((f) => left(f).length)) + 2;
  return flags.map((f) => `  ${left(f).padEnd(width)}${f.help}`);
}

/** How a command uses the shared flags, after each one's description. */
function sharedUse(spec: CommandSpec): Flag[] {
  const use = (f: Flag): string => {
    if (f.name === "stack") return spec.stack ? `${f.help}${spec.stack === "required" ? ", required" : ""}` : "not used by this command";
    if (f.name === "host") return spec.host ?? "not used by this command";
    if (f.name === "format") return spec.formats ? `${spec.formats.join(", ")} (default ${spec.formats[0]})` : "not used by this command";
    return f.help;
  };
  return SHARED.map((f) => ({ ...f, help: use(f) }));
}

export function helpText(spec: CommandSpec): string {
  return [
    `usage: hostform ${spec.name} ${spec.synopsis}`.trimEnd(),
    ...(spec.about ?? []).map((l) => `  ${l}`),
    "",
    "shared flags:",
    ...flagLines(sharedUse(spec)),
    ...(spec.flags.length ? ["", "flags:", ...flagLines(spec.flags)] : []),
    "",
    `exit: ${spec.exits}; 2 usage error`,
  ].join("\n");
}

export function mainHelp(specs: readonly CommandSpec[]): string {
  const width = Math.max(...specs.map((s) => s.name.length)) + 2;
  return [
    "usage: hostform <command> [flags]   (from the checkout: npx hostform, or npm run <command> --)",
    "",
    "commands:",
    ...specs.map((s) => `  ${s.name.padEnd(width)}${s.summary}`),
    "",
    "shared flags (hostform <command> --help says how each command uses them):",
    ...flagLines(SHARED),
    "",
    "exit codes: docs/cli.md",
  ].join("\n");
}

/** What a usage error prints: the problem, and where the help is. */
export function usageMessage(command: string | undefined, message: string): string {
  return `hostform${command ? ` ${command}` : ""}: ${message}\nsee: hostform${command ? ` ${command}` : ""} --help`;
}
