// hostform hosts pin <address> --stack S | check --stack S: the operator's first steps with real
// hosts (the flags: scripts/cli/commands.ts; what they ask for: scripts/hosts/args.ts).
import { HOSTS } from "./cli/commands";
import { ask } from "./cli/ask";
import { main } from "./cli/main";
import { helpText, type Parsed, UsageError } from "./cli/options";
import { hostsCommand } from "./hosts/args";
import { pin } from "./hosts/pin";

async function hosts(p: Parsed): Promise<number> {
  const c = hostsCommand(p);
  if (c.cmd === "help") {
    console.log(helpText(HOSTS));
    return 0;
  }
  if (c.cmd === "pin") return pin(c, ask);
  // Only check needs the config module, and with it the topologies and @pulumi/pulumi (seconds to load).
  const { check } = await import("./hosts/check.js");
  return check(c);
}

export async function run(p: Parsed): Promise<number> {
  try {
    return await hosts(p);
  } catch (e) {
    if (e instanceof UsageError || !(e instanceof Error)) throw e;
    // Config problems and refusals are the operator's to fix: the message, no stack trace.
    // (A ConfigError, with its list of problems, says "hostform:" itself.)
    console.error("problems" in e ? e.message : `hostform: ${e.message}`);
    return 2;
  }
}

if (require.main === module) main(["hosts", ...process.argv.slice(2)]);
