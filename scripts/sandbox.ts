// CLI for the local sandbox hosts; all logic is in scripts/sandbox/.
//   npx tsx scripts/sandbox.ts up [name:flavor ...] | down [--all | name ...] | status
//                              | restart <name> | exec <name> -- <command...>
import { USAGE, parseArgs } from "./sandbox/cli-args.js";
import { down, hostOf, restart, status, up } from "./sandbox/index.js";
import { sshInteractive } from "./sandbox/ssh.js";

function formatStatus(rows: Awaited<ReturnType<typeof status>>): string {
  if (rows.length === 0) return "no sandbox hosts";
  return rows
    .map((r) => [r.name.padEnd(16), r.flavor.padEnd(10), r.state.padEnd(8), (r.host?.address ?? "-").padEnd(13),
      String(r.host?.port ?? "-").padEnd(3), r.host?.hostKeyFingerprint ?? "-"].join(" "))
    .join("\n");
}

async function main(argv: string[]): Promise<number> {
  const c = parseArgs(argv);
  switch (c.cmd) {
    case "help":
      console.log(USAGE);
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
    case "exec":
      return sshInteractive(hostOf(c.name), c.command);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  },
);
