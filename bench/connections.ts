// npm run bench [-- <sandbox host>]: what hostform's SSH design buys, as ratios on a real host.
//  1. 50 reads over one pooled connection vs 50 reads each on a fresh connection.
//  2. OS facts in one batched exec vs one exec per fact.
// Needs a running sandbox host (default: duel, from npm run demo).
import { performance } from "node:perf_hooks";
import { FACTS_SCRIPT } from "../components/host/kinds/facts";
import { closeAll, session } from "../components/host/ssh";
import { hostOf } from "../scripts/sandbox/index.js";

const N = 50;
const name = process.argv[2] ?? "duel";
const h = hostOf(name);
const conn = { host: h.address, port: h.port, user: h.user, hostKey: h.hostPublicKey, privateKeyPath: h.privateKeyPath };
const READ = "stat -c '%a %U %G' /etc/hostname && sha256sum /etc/hostname";

async function time(label: string, fn: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await fn();
  const ms = performance.now() - start;
  console.log(`${label.padEnd(46)} ${ms.toFixed(0).padStart(7)} ms`);
  return ms;
}

async function main() {
  console.log(`host ${name} (${h.address}), ${N} reads each\n`);
  await (await session(conn)).run("warm up", "true");
  const pooled = await time(`${N} reads, one pooled connection (parallel)`, async () => {
    await Promise.all(Array.from({ length: N }, async () => (await session(conn)).run("read", READ)));
  });
  const pooledSeq = await time(`${N} reads, one pooled connection (in turn)`, async () => {
    for (let i = 0; i < N; i++) await (await session(conn)).run("read", READ);
  });
  const fresh = await time(`${N} reads, a new connection each (in turn)`, async () => {
    for (let i = 0; i < N; i++) {
      await closeAll();
      await (await session(conn)).run("read", READ);
    }
  });
  const s = await session(conn);
  const facts = FACTS_SCRIPT;
  const batched = await time("OS facts, one batched exec (x20)", async () => {
    for (let i = 0; i < 20; i++) await s.run("facts", facts);
  });
  const separate = await time("OS facts, one exec per fact (x20)", async () => {
    for (let i = 0; i < 20; i++) {
      for (const cmd of [". /etc/os-release && echo $ID", ". /etc/os-release && echo $VERSION_ID", "uname -m", "test -d /run/systemd/system && echo yes || echo no", "awk '/^MemTotal:/ {print $2}' /proc/meminfo"]) await s.run("fact", cmd);
    }
  });
  await closeAll();
  console.log(`\nratio fresh/pooled (in turn):      ${(fresh / pooledSeq).toFixed(1)}x`);
  console.log(`ratio fresh/pooled (parallel):     ${(fresh / pooled).toFixed(1)}x`);
  console.log(`ratio separate/batched facts:      ${(separate / batched).toFixed(1)}x`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
