import { script, sh, strict } from "../quote";
import { redact as mask } from "../redact";
import type { Session } from "../ssh";
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

/** A check that is a script on the host: exit 0 is healthy; otherwise its last output line says what is wrong. */
export interface HealthCommand {
  readonly name: string;
  readonly command: string;
}

export interface HealthInputs extends BaseInputs {
  readonly checks: readonly HealthCheck[];
  readonly commands?: readonly HealthCommand[];
  readonly pm2?: Pm2Home & { readonly apps: readonly string[] };
  /** Changes whenever what is checked was redeployed, so every deploy is checked. */
  readonly generation?: string;
  readonly timeoutSeconds?: number;
  readonly logLines?: number;
  /** The stack's secret values (every value of its secret maps): masked in the logs shown; in state only as ciphertext, never in outputs. */
  readonly secretValues?: readonly string[];
  /** App → a host script that restarts it through its graceful path, for an app that runs but fails its check; default `pm2 reload <app>`. */
  readonly restarts?: Readonly<Record<string, string>>;
  /** Managed: "healthy" in the code. */
  readonly health?: string;
}

export interface HealthObserved {
  readonly results: Readonly<Record<string, number>>;
  readonly apps: Readonly<Record<string, string>>;
  /** Per command check: "ok", or its last output line. */
  readonly commands?: Readonly<Record<string, string>>;
}

/** One `check <name> <status>` line per check (status empty when nothing answered); parseHealth reads them. */
export function curlChecks(checks: readonly HealthCheck[]): string {
  return checks.map((c) => script`printf 'check %s %s\\n' ${c.name} "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -- ${c.url} || :)"`).join("\n") + "\n";
}

export function checkScript(i: HealthInputs): string {
  // The command spans lines: quoted whole here, outside the `script` tag (which refuses newlines).
  const commands = (i.commands ?? []).map((c) => `if out=$(bash -euo pipefail -c ${sh(c.command, true)} 2>&1); then `
    + script`printf 'command %s ok\\n' ${c.name}; else printf 'command %s failed %s\\n' ${c.name} "$(printf '%s\\n' "$out" | tail -n 1)"; fi\n`);
  return strict(curlChecks(i.checks) + commands.join("") + (i.pm2 ? observePm2Script(i.pm2).replace(/^set -euo pipefail\n/, "") : ""));
}

export function parseHealth(stdout: string, home?: string): HealthObserved {
  const results: Record<string, number> = {};
  for (const m of stdout.matchAll(/^check (\S+) (\d*)$/gm)) results[m[1]] = Number(m[2] || 0);
  const commands: Record<string, string> = {};
  for (const m of stdout.matchAll(/^command (\S+) (ok|failed)(?: (.*))?$/gm)) commands[m[1]] = m[2] === "ok" ? "ok" : (m[3] || "failed");
  return { results, apps: home ? parsePm2(stdout, home).apps : {}, ...(Object.keys(commands).length ? { commands } : {}) };
}

export function failures(i: HealthInputs, o: HealthObserved): string[] {
  const out = i.checks.filter((c) => o.results[c.name] !== c.status).map((c) => `${c.name}: ${c.url} answered ${o.results[c.name] || "nothing"}, expected ${c.status}`
    + (c.app && o.apps[c.app] === "online" ? ` (PM2 app ${c.app} is online${o.results[c.name] ? "" : " but does not answer"})` : ""));
  for (const c of i.commands ?? []) if (o.commands?.[c.name] !== "ok") out.push(`${c.name}: ${o.commands?.[c.name] ?? "not run"}`);
  for (const a of i.pm2?.apps ?? []) if (o.apps[a] !== "online") out.push(`pm2 app ${a} is ${o.apps[a] ?? "missing"}`);
  return out;
}

/** Apps PM2 reports online whose check fails: running but not answering as they should (hung), so restarted. */
export function hungApps(i: HealthInputs, o: HealthObserved): string[] {
  return [...new Set(i.checks.filter((c) => c.app && o.results[c.name] !== c.status && o.apps[c.app] === "online").map((c) => c.app as string))];
}

/** The script that restarts a hung app: its own graceful path when the topology gives one, else `pm2 reload` (a cluster's workers one by one). */
export function restartScript(i: HealthInputs, app: string): string {
  const own = i.restarts?.[app];
  if (own !== undefined) return strict(own);
  if (!i.pm2) throw new Error(`no way to restart ${app}: the health check names no PM2 home`);
  return strict(pm2As(i.pm2, script`reload ${app}`) + " >/dev/null\n");
}

/** How long an app found hung before the update is checked again before its restart, when nothing was redeployed. */
export const HUNG_RECHECK_SECONDS = 10;

/** Checks until every check holds or `seconds` have passed (at least one read): what still fails. */
async function waitHealthy(s: Session, i: HealthInputs, seconds: number): Promise<{ failing: string[]; observed: HealthObserved }> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const observed = await health.observe(s, i);
    const failing = failures(i, observed);
    if (failing.length === 0 || Date.now() >= deadline) return { failing, observed };
    await new Promise((r) => setTimeout(r, Math.min(2000, Math.max(0, deadline - Date.now()))));
  }
}

/** The last log lines of each app, redacted: `app`'s PM2 log, as the app user. */
async function lastLogs(s: Session, i: HealthInputs, apps: readonly string[]): Promise<string> {
  let logs = "";
  for (const app of i.pm2 ? apps : []) {
    const r = await s.exec(strict(pm2As(i.pm2!, script`logs ${app} --nostream --lines ${i.logLines ?? 20}`) + " 2>&1 | tail -n " + (i.logLines ?? 20)));
    logs += `\nlast log lines of ${app} (secrets redacted):\n${redact(r.stdout, i.secretValues)}`;
  }
  return logs;
}

/** Masks every `known` value (a stack's secrets) wherever it appears, longest first, however short. */
export function maskKnown(text: string, known: readonly string[]): string {
  return [...known].sort((a, b) => b.length - a.length).reduce((t, k) => (k ? t.split(k).join("[redacted]") : t), text);
}

/**
 * Log lines may hold secrets: the `known` ones are masked, then the stack's values in every form
 * and the credential shapes of redact.ts, then anything after a name like KEY or TOKEN.
 */
export function redact(text: string, known: readonly string[] = []): string {
  return mask(maskKnown(text, known), known)
    .replace(/\b([A-Z0-9_]*(SECRET|TOKEN|PASSWORD|PASSWD|KEY|CREDENTIAL)[A-Z0-9_]*)(\s*[=:]\s*)("[^"]*"|'[^']*'|\S+)/gi, "$1$3[redacted]");
}

export const health: Kind<HealthInputs, HealthObserved> = {
  identity: [],
  managed: ["health"],
  normalize: (i) => ({ ...i, health: "healthy" }),
  id: (i) => `${i.connection.host}:health`,
  validate(i) {
    const bad = [...(i.checks ?? []).filter((c) => !/^https?:\/\/[^\s'"]+$/.test(c.url) || !/^[a-z0-9-]+$/.test(c.name)),
      ...(i.commands ?? []).filter((c) => typeof c.command !== "string" || !/^[a-z0-9-]+$/.test(c.name))];
    return bad.length ? [{ property: "checks", reason: `each check needs a [a-z0-9-] name and an http(s) URL: ${bad.map((b) => b.name).join(", ")}` }] : [];
  },
  async observe(s, i) {
    return parseHealth(await s.run("health checks", checkScript(i)), i.pm2?.home);
  },
  drifted: (i, o) => (failures(i, o).length ? ["health"] : []),
  /**
   * Waits for health. An app that PM2 runs but that fails its check is hung, not starting, once the
   * wait is over (or after a short second look, when it was so before this update and nothing was
   * redeployed): it is restarted once through its graceful path and checked again, for
   * at most `timeoutSeconds` more. What still fails is reported with the failing apps' last log lines.
   */
  async converge(s, i, o, settingsChanged) {
    const timeout = i.timeoutSeconds ?? 60;
    const first = settingsChanged || hungApps(i, o).length === 0 ? timeout : Math.min(timeout, HUNG_RECHECK_SECONDS);
    let now = await waitHealthy(s, i, first);
    if (now.failing.length === 0) return;
    const hung = hungApps(i, now.observed);
    const notes: string[] = [];
    for (const app of hung) {
      const how = i.restarts?.[app] !== undefined ? "its graceful restart" : "pm2 reload";
      try {
        await s.run(`restart of ${app} (${how})`, restartScript(i, app));
        notes.push(`${app} ran in PM2 but failed its check: restarted (${how})`);
      } catch (e) {
        notes.push(`${app} ran in PM2 but failed its check, and its restart (${how}) failed: ${(e as Error).message}`);
      }
    }
    if (hung.length > 0) {
      now = await waitHealthy(s, i, timeout);
      if (now.failing.length === 0) return;
    }
    const failing = [...new Set([
      ...i.checks.filter((c) => c.app && now.failing.some((f) => f.startsWith(`${c.name}:`))).map((c) => c.app as string),
      ...(i.pm2?.apps ?? []).filter((a) => now.failing.some((f) => f.startsWith(`pm2 app ${a} `))),
    ])];
    const after = hung.length > 0 ? `, then restarted and still unhealthy ${timeout} s later:\n  ${notes.join("\n  ")}\nstill failing` : "";
    throw new Error(`unhealthy after ${first} s${after}:\n  ${now.failing.join("\n  ")}${await lastLogs(s, i, failing)}`);
  },
  async remove() {},
  asInputs: (i, o) => ({ ...i, health: failures(i, o).join("; ") || "healthy" }),
};
