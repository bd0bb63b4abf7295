// `npm run hosts -- check --stack S`: every host of the stack through the same pinned SSH pool and
// the same facts script as `up`, judged by report.ts. Exit 0 when every host is ready.
import { HostUnreachable } from "../../components/host/reach";
import { closeAll, session, type Connection } from "../../components/host/ssh";
import { FACTS_SCRIPT, parseFacts } from "../../components/host/kinds/facts";
import { hostsCheckRead, parseHostsCheckRead } from "../../components/blocks/base/privileges";
import { strict } from "../../components/host/quote";
import { loadConfig, type HostConfig } from "../../infra/config";
import type { Target } from "./args";
import { formatReport, judge, needsOf, type Probe } from "./report";
import { readStackConfig, ROOT } from "./stack";

async function probe(h: HostConfig, appUser: string | undefined): Promise<Probe> {
  // A secret private key (hostform:sshPrivateKey) arrives decrypted here and stays in memory.
  const connection: Connection = h.privateKeySecret === undefined ? h.connection : { ...h.connection, privateKey: String(h.privateKeySecret) };
  let s;
  try {
    s = await session(connection);
  } catch (e) {
    return { connected: false, error: (e as Error).message };
  }
  // For a non-root user every command goes through `sudo -n`: the first one shows whether that works
  // (a refusal is the host's error, components/host/sudo.ts; here it is what sudo said, judged by report.ts).
  const sudo = await s.exec("true").catch((e: unknown) => {
    if (e instanceof HostUnreachable && e.facts.reason === "sudo") return { code: 1, stdout: "", stderr: e.facts.detail };
    throw e;
  });
  if (sudo.code !== 0) return { connected: true, sudo };
  const facts = await s.exec(FACTS_SCRIPT);
  if (facts.code !== 0) return { connected: true, sudo, factsError: `exit ${facts.code}: ${facts.stderr.trim().split("\n").pop()}` };
  // The app user's privileges (review N1) and sudo's I/O logging (N14), as root.
  const read = await s.exec(strict(hostsCheckRead(appUser)));
  if (read.code !== 0) return { connected: true, sudo, facts: parseFacts(facts.stdout), factsError: `reading privileges: exit ${read.code}: ${read.stderr.trim().split("\n").pop()}` };
  return { connected: true, sudo, facts: parseFacts(facts.stdout), ...parseHostsCheckRead(read.stdout) };
}

export async function check(t: Target): Promise<number> {
  const config = loadConfig(await readStackConfig(t), ROOT);
  try {
    const needs = config.hosts.map((h) => needsOf(h, config));
    const probes = await Promise.all(config.hosts.map((h, i) => probe(h, needs[i]!.appUser)));
    const verdicts = config.hosts.map((h, i) => judge(h, i, needs[i]!, probes[i]!));
    console.log(formatReport(verdicts));
    return verdicts.every((v) => v.ready) ? 0 : 1;
  } finally {
    await closeAll();
  }
}
