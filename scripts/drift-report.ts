/**
 * Reads the human output of `pulumi preview --refresh --diff` and says, per host, which managed
 * resources drifted and in which properties. Pure, so it is tested on recorded output.
 */
export interface Drift { host: string; resource: string; op: string; properties: string[] }

const STEP = /^\s{4}([~+\-]|\+-|-\+) (\S+): \((update|create|delete|replace|create-replacement|delete-replaced)\)$/;
const ID = /^\s+\[id=([^\]]+)\]$/;
const PROP = /^\s{6}([~+\-]) (\w+)\s*:/;

export function parseDrift(output: string): Drift[] {
  const out: Drift[] = [];
  let current: Drift | undefined;
  for (const line of output.split("\n")) {
    const step = STEP.exec(line);
    if (step) {
      current = { host: "?", resource: step[2], op: step[3], properties: [] };
      out.push(current);
      continue;
    }
    if (!current) continue;
    const id = ID.exec(line);
    if (id) {
      const [host, ...rest] = id[1].split(":");
      current.host = host;
      current.resource = rest.join(":") || current.resource;
      continue;
    }
    const prop = PROP.exec(line);
    if (prop && prop[2] !== "connection") current.properties.push(prop[2]);
    if (/^\S/.test(line)) current = undefined;
  }
  return out;
}

export function formatDrift(drifts: Drift[]): string {
  if (drifts.length === 0) return "hostform: no drift: every host matches the code";
  const byHost = new Map<string, Drift[]>();
  for (const d of drifts) byHost.set(d.host, [...(byHost.get(d.host) ?? []), d]);
  const lines = [`hostform: drift on ${byHost.size} host${byHost.size === 1 ? "" : "s"} (npm run up -- --stack <stack> repairs it):`];
  for (const [host, ds] of byHost) {
    lines.push(`  ${host}`);
    for (const d of ds) lines.push(`    ${d.resource}: ${d.op}${d.properties.length ? ` (${d.properties.join(", ")})` : ""}`);
  }
  return lines.join("\n");
}
