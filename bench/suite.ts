// hostform bench [single|fleet|connections] [--runs N] [--prefix P] (npm run bench): hostform's speed as
// ratios measured side by side in one run, on sandbox hosts pf-1 … pf-10 (P-1 … P-10 with --prefix:
// sandbox hosts are machine-wide, so a bench beside another one takes other names) running the
// Flatlogic topology (the first run starts and converges them: several minutes). Prints Markdown for
// bench/README.md.
//   single:      the engine's floor vs hostform's no-op drift, `npm run up` after one settings
//                change, and Ansible --check (one host)
//   fleet:       no-op drift and `up` after one settings change on 1, 5 and 10 hosts
//   connections: the SSH pool and batched facts (bench/connections.ts)
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { main } from "../scripts/cli/main";
import { type Parsed, UsageError } from "../scripts/cli/options";
import { ROOT, type Run } from "../test/e2e/commands";
import { ansibleCheck, ensureAnsible, preparePeer, recap } from "./ansible";
import { machine, rounds, row, ratio, TABLE_HEAD, timed, type Sample } from "./measure";
import { BenchStack, FLATLOGIC, fleetHosts, fleetStack, hostNames, usePrefix } from "./stack";

let RUNS = 5;
const FLEETS = [1, 5, 10];
const noop = (r: Run) => r.code === 0;

/** The stack of `n` hosts, converged to the bench's base settings (a no-op when it already is). */
async function settled(n: number): Promise<BenchStack> {
  const stack = await fleetStack(await fleetHosts(n));
  const up = await stack.pulumi(["up", "--yes", "--skip-preview", "--refresh"]);
  if (up.code !== 0) throw new Error(`up of ${n} hosts failed:\n${up.all.slice(-3000)}`);
  return stack;
}

const drift = (stack: BenchStack) => () => timed("drift", () => stack.drift(), noop);

async function floorStack(): Promise<BenchStack> {
  const cwd = path.join(ROOT, "bench/programs/empty");
  const floor = new BenchStack("floor");
  await floor.init(cwd);
  const up = await floor.pulumi(["up", "--yes", "--skip-preview"], { cwd });
  if (up.code !== 0) throw new Error(`up of the empty program failed: ${up.all}`);
  return floor;
}

async function single(): Promise<string> {
  console.error(`single host: ${ensureAnsible()}`);
  const floor = await floorStack();
  const stack = await settled(1);
  const hosts = await fleetHosts(1);
  await preparePeer(stack, hosts);
  const cwd = path.join(ROOT, "bench/programs/empty");
  const [host] = hostNames(1);
  let change = 0;
  const r = await rounds(RUNS, {
    floor: () => timed("floor", () => floor.pulumi(["preview", "--refresh"], { cwd }), noop),
    drift: drift(stack),
    preview: () => timed("preview", () => stack.pulumi(["preview", "--refresh", "--expect-no-changes"]), noop),
    ansible: () => timed("ansible", () => ansibleCheck(host), (a) => a.code === 0 && recap(a.all).changed === 0),
    // The operator's command after one settings change (the vhost changes, Apache reloads); the
    // peer's files follow the new deployment (not timed), so the next round's checks are no-ops.
    up: async () => {
      stack.setConfig({ ...stack.config(), "hostform:flatlogic": { ...FLATLOGIC, extraApacheConfig: `# bench single, change ${++change}` } });
      const s = await timed("up", () => stack.up(), (u) => u.code === 0);
      await preparePeer(stack, hosts);
      return s;
    },
  });
  return [
    `### One Flatlogic host (${host}), ${RUNS} rounds`, "", TABLE_HEAD,
    row("engine floor: `preview --refresh` of an empty TypeScript program", r.floor),
    row("hostform: `npm run drift` (two previews: without and with refresh)", r.drift),
    row("hostform: `preview --refresh --expect-no-changes`", r.preview),
    row("Ansible: `ansible-playbook --check --diff` (bench/peers/ansible)", r.ansible),
    row("hostform: `npm run up` after one settings change", r.up), "",
    `- drift / floor: **${ratio(r.drift, r.floor).toFixed(2)}×** (goal ≤ 2); preview / floor: ${ratio(r.preview, r.floor).toFixed(2)}×; up / floor: ${ratio(r.up, r.floor).toFixed(2)}×`,
    `- Ansible / hostform preview: **${ratio(r.ansible, r.preview).toFixed(2)}×**; Ansible / hostform drift: **${ratio(r.ansible, r.drift).toFixed(2)}×** (goal ≥ 3)`,
  ].join("\n");
}

async function fleet(): Promise<string> {
  const stacks: Record<number, BenchStack> = {};
  for (const n of [...FLEETS].reverse()) stacks[n] = await settled(n);
  const driftRuns = await rounds(RUNS, Object.fromEntries(FLEETS.map((n) => [`${n}`, drift(stacks[n])])));
  // One settings change on every host of the fleet: a line of Apache config (the vhost changes, Apache reloads).
  let round = 0;
  const upRuns = await rounds(Math.min(RUNS, 3), Object.fromEntries(FLEETS.map((n) => [`${n}`, async (): Promise<Sample> => {
    const stack = await fleetStack(await fleetHosts(n));
    stack.setConfig({ ...stack.config(), "hostform:flatlogic": { ...FLATLOGIC, extraApacheConfig: `# bench fleet ${n}, change ${++round}` } });
    return timed("up", () => stack.pulumi(["up", "--yes", "--skip-preview", "--refresh"]), (u) => u.code === 0);
  }])));
  for (const n of [...FLEETS].reverse()) await settled(n);
  const lines = [`### Fleets of 1, 5 and 10 Flatlogic hosts, ${RUNS} rounds (up: ${Math.min(RUNS, 3)})`, "", TABLE_HEAD];
  for (const n of FLEETS) lines.push(row(`no-op \`npm run drift\`, ${n} host${n > 1 ? "s" : ""}`, driftRuns[n]));
  for (const n of FLEETS) lines.push(row(`\`npm run up\` after one settings change, ${n} host${n > 1 ? "s" : ""}`, upRuns[n]));
  lines.push("", `- drift 10 / 1 hosts: **${ratio(driftRuns[10], driftRuns[1]).toFixed(2)}×**, 5 / 1: ${ratio(driftRuns[5], driftRuns[1]).toFixed(2)}× (goal ≤ 1.5)`,
    `- up 10 / 1 hosts: **${ratio(upRuns[10], upRuns[1]).toFixed(2)}×**, 5 / 1: ${ratio(upRuns[5], upRuns[1]).toFixed(2)}× (goal ≤ 1.5)`);
  return lines.join("\n");
}

const SECTIONS = ["single", "fleet", "connections"];

export async function run(p: Parsed): Promise<number> {
  const sections = p.positionals.length ? p.positionals : ["single", "fleet"];
  const unknown = sections.filter((s) => !SECTIONS.includes(s));
  if (unknown.length) throw new UsageError(`unknown section ${unknown.join(", ")}: ${SECTIONS.join(", ")}`);
  RUNS = Number(p.values.runs ?? 5);
  if (!Number.isInteger(RUNS) || RUNS < 1) throw new UsageError(`--runs must be a whole number of rounds, got ${JSON.stringify(p.values.runs)}`);
  if (typeof p.values.prefix === "string") {
    try {
      usePrefix(p.values.prefix);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  const out = [`## ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, ${machine()}`];
  for (const s of sections) {
    if (s === "single") out.push(await single());
    else if (s === "fleet") out.push(await fleet());
    else spawnSync(process.execPath, [...process.execArgv, path.join(__dirname, "connections.ts"), hostNames(1)[0]], { stdio: "inherit" });
  }
  console.log(out.join("\n\n"));
  return 0;
}

if (require.main === module) main(["bench", ...process.argv.slice(2)]);
