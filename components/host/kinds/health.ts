import { script, strict } from "../quote";
import type { BaseInputs, Kind } from "./kind";
import { observePm2Script, type Pm2Home, parsePm2, pm2As } from "./pm2";

/**
 * Health as desired state: a refresh checks it (so an unhealthy host shows as drift) and an update
 * waits until it holds, or fails with the failing check and the last log lines of the failing app.
 */
export interface HealthCheck {
  readonly name: string;
  readonly url: string;
  readonly status: number;
  /** The PM2 app behind this URL, whose log is shown when the check fails. */
  readonly app?: string;
}

export interface HealthInputs extends BaseInputs {
  readonly checks: readonly HealthCheck[];
  readonly pm2?: Pm2Home & { readonly apps: readonly string[] };
  /** Changes whenever what is checked was redeployed, so every deploy is checked. */
  readonly generation?: string;
  readonly timeoutSeconds?: number;
  readonly logLines?: number;
  /** Managed: "healthy" in the code. */
  readonly health?: string;
}

export interface HealthObserved {
  readonly results: Readonly<Record<string, number>>;
  readonly apps: Readonly<Record<string, string>>;
}

export function checkScript(i: HealthInputs): string {
  const curls = i.checks.map((c) => script`printf 'check %s %s\\n' ${c.name} "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -- ${c.url} || :)"`);
  return strict(curls.join("\n") + "\n" + (i.pm2 ? observePm2Script(i.pm2).replace(/^set -euo pipefail\n/, "") : ""));
}

export function parseHealth(stdout: string, home?: string): HealthObserved {
  const results: Record<string, number> = {};
  for (const m of stdout.matchAll(/^check (\S+) (\d*)$/gm)) results[m[1]] = Number(m[2] || 0);
  return { results, apps: home ? parsePm2(stdout, home).apps : {} };
}

export function failures(i: HealthInputs, o: HealthObserved): string[] {
  const out = i.checks.filter((c) => o.results[c.name] !== c.status).map((c) => `${c.name}: ${c.url} answered ${o.results[c.name] || "nothing"}, expected ${c.status}`);
  for (const a of i.pm2?.apps ?? []) if (o.apps[a] !== "online") out.push(`pm2 app ${a} is ${o.apps[a] ?? "missing"}`);
  return out;
}

/** Log lines may hold secrets: mask values of anything that looks like a credential. */
export function redact(text: string): string {
  return text
    .replace(/\b([A-Z0-9_]*(SECRET|TOKEN|PASSWORD|PASSWD|KEY|CREDENTIAL)[A-Z0-9_]*)(\s*[=:]\s*)("[^"]*"|'[^']*'|\S+)/gi, "$1$3[redacted]")
    .replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g, "$1 [redacted]")
    .replace(/(:\/\/[^:/\s]+:)[^@\s]+@/g, "$1[redacted]@");
}

export const health: Kind<HealthInputs, HealthObserved> = {
  identity: [],
  managed: ["health"],
  normalize: (i) => ({ ...i, health: "healthy" }),
  id: (i) => `${i.connection.host}:health`,
  validate(i) {
    const bad = (i.checks ?? []).filter((c) => !/^https?:\/\/[^\s'"]+$/.test(c.url) || !/^[a-z0-9-]+$/.test(c.name));
    return bad.length ? [{ property: "checks", reason: `each check needs a [a-z0-9-] name and an http(s) URL: ${bad.map((b) => b.name).join(", ")}` }] : [];
  },
  async observe(s, i) {
    return parseHealth(await s.run("health checks", checkScript(i)), i.pm2?.home);
  },
  drifted: (i, o) => (failures(i, o).length ? ["health"] : []),
  async converge(s, i) {
    const deadline = Date.now() + (i.timeoutSeconds ?? 60) * 1000;
    let last: string[] = [];
    for (;;) {
      last = failures(i, await health.observe(s, i));
      if (last.length === 0) return;
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 2000));
    }
    const failedCheck = i.checks.find((c) => c.app && last.some((f) => f.startsWith(`${c.name}:`)));
    const failing = failedCheck?.app ?? (i.pm2?.apps ?? []).find((a) => last.some((f) => f.includes(`app ${a} `)));
    let logs = "";
    if (i.pm2 && failing) {
      const r = await s.exec(strict(pm2As(i.pm2, script`logs ${failing} --nostream --lines ${i.logLines ?? 20}`) + " 2>&1 | tail -n " + (i.logLines ?? 20)));
      logs = `\nlast log lines of ${failing} (secrets redacted):\n${redact(r.stdout)}`;
    }
    throw new Error(`unhealthy after ${i.timeoutSeconds ?? 60} s:\n  ${last.join("\n  ")}${logs}`);
  },
  async remove() {},
  asInputs: (i, o) => ({ ...i, health: failures(i, o).join("; ") || "healthy" }),
};
