// `npm run hosts -- check --stack S`: every host of the stack through the same pinned SSH pool and
// the same facts script as `up`, judged by report.ts. Exit 0 when every host is ready.
import { closeAll, session, type Connection } from "../../components/host/ssh";
import { FACTS_SCRIPT, parseFacts } from "../../components/host/kinds/facts";
import { loadConfig, type HostConfig } from "../../infra/config";
import type { Target } from "./args";
import { formatReport, judge, needsOf, type Probe } from "./report";
import { readStackConfig, ROOT } from "./stack";

async function probe(h: HostConfig): Promise<Probe> {
  // A secret private key (hostform:sshPrivateKey) arrives decrypted here and stays in memory.
  const connection: Connection = h.privateKeySecret === undefined ? h.connection : { ...h.connection, privateKey: String(h.privateKeySecret) };
  let s;
  try {
    s = await session(connection);
  } catch (e) {
    return { connected: false, error: (e as Error).message };
  }
  // For a non-root user every command goes through `sudo -n`: the first one shows whether that works.
  const sudo = await s.exec("true");
  if (sudo.code !== 0) return { connected: true, sudo };
  const facts = await s.exec(FACTS_SCRIPT);
  if (facts.code !== 0) return { connected: true, sudo, factsError: `exit ${facts.code}: ${facts.stderr.trim().split("\n").pop()}` };
  return { connected: true, sudo, facts: parseFacts(facts.stdout) };
}

export async function check(t: Target): Promise<number> {
  const config = loadConfig(await readStackConfig(t), ROOT);
  try {
    const probes = await Promise.all(config.hosts.map(probe));
    const verdicts = config.hosts.map((h, i) => judge(h, i, needsOf(h, config), probes[i]!));
    console.log(formatReport(verdicts));
    return verdicts.every((v) => v.ready) ? 0 : 1;
  } finally {
    await closeAll();
  }
}
