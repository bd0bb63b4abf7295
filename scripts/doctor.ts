// npm run doctor -- --stack <env> [--host <name>] [--json]: why is a host unwell? Reads every host
// of the stack (read-only, one exec each, in parallel) and reports each runbook check with its
// evidence and remedy. Exit 0 all ok, 1 warnings, 2 failures, 3 when the doctor could not run.
import * as path from "node:path";
import { closeAll } from "../components/host/ssh";
import { ConfigError, loadConfig } from "../infra/config";
import { parseDoctorArgs, USAGE } from "./doctor/args";
import { formatJson, formatTable, report } from "./doctor/format";
import { planHost } from "./doctor/plan";
import { examine } from "./doctor/run";
import { rawConfigOf, readConfigJson } from "./hosts/stack";
import { secretValues } from "./doctor/stack";

const ROOT = path.resolve(__dirname, "..");
const progress = (line: string) => process.stderr.write(`doctor: ${line}\n`);

async function main(argv: string[]): Promise<number> {
  const parsed = parseDoctorArgs(argv);
  if ("help" in parsed) {
    console.log(USAGE);
    return 0;
  }
  if ("error" in parsed) {
    console.error(`doctor: ${parsed.error}\n${USAGE}`);
    return 3;
  }
  const a = parsed.args;
  progress(`reading the config of stack ${a.stack}`);
  const json = await readConfigJson(a);
  const config = loadConfig(rawConfigOf(json), ROOT);
  // Secrets the topologies read from files (the sandbox's) are secrets of the stack too.
  const known = secretValues(json, Object.values(config.roles).flatMap((r) => Object.values(r.secrets)));
  const unknown = a.hosts.filter((n) => !config.hosts.some((h) => h.name === n));
  if (unknown.length > 0) {
    console.error(`doctor: stack ${a.stack} has no host ${unknown.join(", ")}; its hosts: ${config.hosts.map((h) => h.name).join(", ")}`);
    return 3;
  }
  const hosts = config.hosts.filter((h) => a.hosts.length === 0 || a.hosts.includes(h.name));
  const reports = await Promise.all(hosts.map((h) => examine(h, planHost(h, config, a.stack), known, progress)));
  const r = report(a.stack, reports);
  const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
  process.stdout.write(a.json ? formatJson(r) : formatTable(r, { color }));
  return r.exitCode;
}

main(process.argv.slice(2)).then(
  async (code) => {
    await closeAll();
    process.exit(code);
  },
  async (e: unknown) => {
    await closeAll();
    console.error(e instanceof ConfigError ? e.message : `doctor: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(3);
  },
);
