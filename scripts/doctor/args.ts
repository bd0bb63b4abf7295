/** The doctor's command line (its flags are declared in scripts/cli/commands.ts). Pure. */
import { DOCTOR } from "../cli/commands";
import { type Parsed, parseCommand, UsageError } from "../cli/options";

export interface DoctorArgs {
  readonly stack: string;
  readonly hosts: readonly string[];
  readonly json: boolean;
  readonly configFile?: string;
}

export type ParsedArgs = { readonly args: DoctorArgs } | { readonly help: true } | { readonly error: string };

export function doctorArgs(p: Parsed): DoctorArgs {
  const configFile = p.values["config-file"] as string | undefined;
  return { stack: p.stack!, hosts: p.hosts, json: p.format === "json", ...(configFile ? { configFile } : {}) };
}

export function parseDoctorArgs(argv: readonly string[]): ParsedArgs {
  try {
    const p = parseCommand(DOCTOR, argv);
    return p.help ? { help: true } : { args: doctorArgs(p) };
  } catch (e) {
    if (e instanceof UsageError) return { error: e.message };
    throw e;
  }
}
