// npm run hosts -- pin <address> --stack S | check --stack S: the operator's first steps with real
// hosts (see scripts/hosts/args.ts for the options).
import { createInterface } from "node:readline/promises";
import { parseArgs, USAGE } from "./hosts/args";
import { pin } from "./hosts/pin";

async function ask(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  // End of input (nobody to answer) is a no.
  const closed = new Promise<string>((resolve) => rl.once("close", () => resolve("")));
  try {
    const answer = await Promise.race([rl.question(question), closed]);
    // An answer piped in is not echoed: end the prompt's line.
    if (!process.stdin.isTTY) process.stdout.write("\n");
    return answer;
  } finally {
    rl.close();
  }
}

async function main(): Promise<number> {
  const c = parseArgs(process.argv.slice(2));
  if (c.cmd === "help") {
    console.log(USAGE);
    return 0;
  }
  if (c.cmd === "pin") return pin(c, ask);
  // Only check needs the config module, and with it the topologies and @pulumi/pulumi (seconds to load).
  const { check } = await import("./hosts/check.js");
  return check(c);
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    // Config problems and refusals are the operator's to fix: the message, no stack trace.
    // (A ConfigError, with its list of problems, says "hostform:" itself.)
    console.error("problems" in e ? e.message : `hostform: ${e.message}`);
    process.exit(2);
  },
);
