// hostform sandbox: the local sandbox hosts; all logic is in scripts/sandbox/.
//   hostform sandbox up [name:flavor ...] | down [--all | name ...] | status
//                    | restart <name> | rebuild <name> | exec <name> -- <command...>
import { SANDBOX } from "./cli/commands.js";
import { main } from "./cli/main.js";
import { helpText, type Parsed } from "./cli/options.js";
import { sandboxCommand } from "./sandbox/cli-args.js";
import { down, hostOf, rebuild, restart, status, up } from "./sandbox/index.js";
import { sshInteractive } from "./sandbox/ssh.js";

function formatStatus(rows: Awaited<ReturnType<typeof status>>): string {
  if (rows.length === 0) return "no sandbox hosts";
  return rows
    .map((r) => [r.name.padEnd(16), r.flavor.padEnd(10), r.state.padEnd(8), (r.host?.address ?? "-").padEnd(13),
      String(r.host?.port ?? "-").padEnd(3), r.host?.hostKeyFingerprint ?? "-"].join(" "))
    .join("\n");
}

export async function run(p: Parsed): Promise<number> {
  const c = sandboxCommand(p);
  switch (c.cmd) {
    case "help":
      console.log(helpText(SANDBOX));
      return 0;
    case "up":
      await up(c.hosts);
      console.log(formatStatus(await status()));
      return 0;
    case "down":
      await down(c.names, { all: c.all });
      return 0;
    case "status":
      console.log(formatStatus(await status()));
      return 0;
    case "restart":
      await restart(c.name);
      return 0;
    case "rebuild":
      await rebuild(c.name);
      console.log(formatStatus(await status()));
      return 0;
    case "exec":
      return sshInteractive(hostOf(c.name), c.command);
  }
}

if (require.main === module) main(["sandbox", ...process.argv.slice(2)]);
