/** The doctor's command line. Pure. */

export const USAGE = `usage: npm run doctor -- --stack <name> [--host <name>]... [--json] [--config-file <path>]
  --stack, -s     the stack whose hosts to check (required)
  --host          check only this host (repeatable)
  --json          print the report as JSON (use npm run -s, or npm prints its banner first)
  --config-file   the stack's config file, when it is not Pulumi.<stack>.yaml
exit: 0 all ok, 1 warnings, 2 failures, 3 the doctor could not run (usage, config)`;

export interface DoctorArgs {
  readonly stack: string;
  readonly hosts: readonly string[];
  readonly json: boolean;
  readonly configFile?: string;
}

export type Parsed = { readonly args: DoctorArgs } | { readonly help: true } | { readonly error: string };

export function parseDoctorArgs(argv: readonly string[]): Parsed {
  let stack: string | undefined;
  let configFile: string | undefined;
  let json = false;
  const hosts: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.indexOf("=");
    const [flag, inline] = a.startsWith("--") && eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case "-h":
      case "--help":
        return { help: true };
      case "--json":
        json = true;
        break;
      case "-s":
      case "--stack":
        stack = value();
        if (!stack) return { error: "--stack needs a stack name" };
        break;
      case "--host": {
        const h = value();
        if (!h) return { error: "--host needs a host name" };
        hosts.push(h);
        break;
      }
      case "--config-file":
        configFile = value();
        if (!configFile) return { error: "--config-file needs a path" };
        break;
      default:
        return { error: `unknown argument ${JSON.stringify(a)}` };
    }
  }
  if (!stack) return { error: "--stack is required" };
  return { args: { stack, hosts, json, ...(configFile ? { configFile } : {}) } };
}
