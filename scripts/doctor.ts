// hostform doctor --stack <env> [--host <name>]... [--format text|json]: why is a host unwell? Reads
// every host of the stack (read-only, one exec each, in parallel) and reports each runbook check with
// its evidence and remedy. Exit 0 all ok, 1 warnings, 2 failures, 3 when the doctor could not run
// (then `--format json` prints {"status": "error", "error": …}). Each host's start and end on stderr.
import * as path from "node:path";
import { closeAll } from "../components/host/ssh";
import { ConfigError, loadConfig } from "../infra/config";
import { main } from "./cli/main";
import type { Parsed } from "./cli/options";
import { doctorArgs } from "./doctor/args";
import { formatJson, formatJsonError, formatTable, report } from "./doctor/format";
import { planHost } from "./doctor/plan";
import { examine } from "./doctor/run";
import { rawConfigOf, readConfigJson } from "./hosts/stack";
import { secretValues } from "./doctor/stack";

const ROOT = path.resolve(__dirname, "..");
const COULD_NOT_RUN = 3;
const progress = (line: string) => process.stderr.write(`doctor: ${line}\n`);

async function examineAll(p: Parsed): Promise<number> {
  const a = doctorArgs(p);
  progress(`reading the config of stack ${a.stack}`);
  const json = await readConfigJson(a);
  const config = loadConfig(rawConfigOf(json), ROOT);
  // Secrets the topologies read from files (the sandbox's) are secrets of the stack too.
  const known = secretValues(json, Object.values(config.roles).flatMap((r) => Object.values(r.secrets)));
  const unknown = a.hosts.filter((n) => !config.hosts.some((h) => h.name === n));
  if (unknown.length > 0) {
    throw new Error(`stack ${a.stack} has no host ${unknown.join(", ")}; its hosts: ${config.hosts.map((h) => h.name).join(", ")}`);
  }
  const hosts = config.hosts.filter((h) => a.hosts.length === 0 || a.hosts.includes(h.name));
  const reports = await Promise.all(hosts.map((h) => examine(h, planHost(h, config, a.stack), known, progress)));
  const r = report(a.stack, reports);
  const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
  process.stdout.write(a.json ? formatJson(r) : formatTable(r, { color }));
  return r.exitCode;
}

export async function run(p: Parsed): Promise<number> {
  try {
    return await examineAll(p);
  } catch (e) {
    const message = e instanceof ConfigError ? e.message : `doctor: ${e instanceof Error ? e.message : String(e)}`;
    console.error(message);
    if (p.format === "json") process.stdout.write(formatJsonError(p.stack, message));
    return COULD_NOT_RUN;
  } finally {
    await closeAll();
  }
}

if (require.main === module) main(["doctor", ...process.argv.slice(2)]);
