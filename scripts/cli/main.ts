/**
 * `hostform <command> [flags]` (bin/hostform; `npm run <command>` runs the same): parses the command
 * line with the command's declaration (commands.ts), prints help or a usage error (exit 2), and runs
 * the command, whose exit code becomes the process's.
 */
import { COMMANDS } from "./commands";
import { helpText, mainHelp, parseCommand, USAGE_EXIT, UsageError, usageMessage } from "./options";

export async function cli(argv: readonly string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    const about = name === "help" && args[0] !== undefined ? COMMANDS.find((c) => c.name === args[0]) : undefined;
    console.log(about ? helpText(about) : mainHelp(COMMANDS));
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    console.error(usageMessage(undefined, `unknown command ${JSON.stringify(name)}; the commands: ${COMMANDS.map((c) => c.name).join(", ")}`));
    return USAGE_EXIT;
  }
  try {
    const parsed = parseCommand(command, args);
    if (parsed.help) {
      console.log(helpText(command));
      return 0;
    }
    return await (await command.load()).run(parsed);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(usageMessage(name, e.message));
    return USAGE_EXIT;
  }
}

/** Runs the CLI as the process: its exit code, or 1 with the message of an error nothing caught. */
export function main(argv: readonly string[]): void {
  cli(argv).then(
    (code) => process.exit(code),
    (e: unknown) => {
      // Config problems (a ConfigError lists them, saying "hostform:" itself) and refusals are the operator's to fix: no stack trace.
      const message = e instanceof Error ? e.message : String(e);
      console.error(message.startsWith("hostform") ? message : `hostform ${argv[0]}: ${message}`);
      process.exit(1);
    },
  );
}

if (require.main === module) main(process.argv.slice(2));
