/**
 * The Ansible peer (bench/peers/ansible/): ansible-core from Debian's packages, installed on first
 * use; its inventory and files written from the sandbox's inventory and hostform's last deployment
 * of the same hosts, so both tools check the same desired state.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { renderEnvFile } from "../components/blocks/secrets/envfile";
import { ROOT, run, type Run, sandbox } from "../test/e2e/commands";
import { hostPaths } from "../scripts/sandbox/paths.js";
import { BENCH_SECRETS, type BenchStack } from "./stack";

export const PEER = path.join(ROOT, "bench/peers/ansible");

/** ansible-core from Debian (bookworm: 2.14), when ansible-playbook is not on PATH yet. */
export function ensureAnsible(): string {
  try {
    return execFileSync("ansible-playbook", ["--version"], { encoding: "utf8" }).split("\n")[0];
  } catch {
    console.log("installing ansible-core from Debian's packages (apt-get install ansible-core)");
    execFileSync("apt-get", ["install", "-y", "--no-install-recommends", "ansible-core"], {
      stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
    return execFileSync("ansible-playbook", ["--version"], { encoding: "utf8" }).split("\n")[0];
  }
}

/** The lines of the inventory: each sandbox host with its address, key and pinned host key. */
export function renderInventory(hosts: readonly sandbox.SandboxHost[], knownHosts: (name: string) => string): string {
  const lines = hosts.map((h) => [
    h.name, `ansible_host=${h.address}`, `ansible_port=${h.port}`, `ansible_user=${h.user}`,
    `ansible_ssh_private_key_file=${h.privateKeyPath}`, `ansible_ssh_extra_args='-o UserKnownHostsFile=${knownHosts(h.name)}'`,
  ].join(" "));
  return `[flatlogic]\n${lines.join("\n")}\n`;
}

interface Exported { deployment: { resources: { type: string; inputs?: Record<string, unknown> }[] } }

/** Each host's managed files as hostform last deployed them: host name → file name → content. */
export function deployedFiles(exported: Exported, hosts: readonly sandbox.SandboxHost[]): Map<string, Map<string, string>> {
  const byAddress = new Map(hosts.map((h) => [h.address, h.name]));
  const out = new Map(hosts.map((h) => [h.name, new Map([["backend.env", renderEnvFile(BENCH_SECRETS)]])]));
  for (const r of exported.deployment.resources) {
    const i = r.inputs ?? {};
    const host = byAddress.get((i.connection as { host?: string } | undefined)?.host ?? "");
    if (!host) continue;
    const file = r.type.endsWith(":File") && typeof i.content === "string" ? path.basename(String(i.path))
      : r.type.endsWith(":SystemdUnit") ? String(i.name) : undefined;
    if (file) out.get(host)!.set(file, String(i.content));
  }
  return out;
}

/** What Ansible needs on a managed host and Debian's minimal image lacks (not timed: a one-time bootstrap). */
export async function bootstrapHost(name: string): Promise<void> {
  const r = await sandbox.exec(name, "python3 -c 'import shutil, apt' 2>/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3 python3-apt >/dev/null");
  if (r.code !== 0) throw new Error(`${name}: installing python3 for Ansible failed: ${r.stderr}`);
}

/** Writes inventory.ini and files/<host>/ for `hosts` from the stack that converged them. */
export async function preparePeer(stack: BenchStack, hosts: readonly sandbox.SandboxHost[]): Promise<void> {
  const exported = await stack.pulumi(["stack", "export", "--stack", stack.name]);
  if (exported.code !== 0) throw new Error(`stack export failed: ${exported.all}`);
  for (const h of hosts) await bootstrapHost(h.name);
  writeFileSync(path.join(PEER, "inventory.ini"), renderInventory(hosts, (n) => hostPaths(n).knownHosts));
  rmSync(path.join(PEER, "files"), { recursive: true, force: true });
  for (const [host, files] of deployedFiles(JSON.parse(exported.stdout) as Exported, hosts)) {
    mkdirSync(path.join(PEER, "files", host), { recursive: true });
    for (const [name, content] of files) writeFileSync(path.join(PEER, "files", host, name), content);
  }
}

/** `ansible-playbook --check --diff` of the peer; fails when the play fails or reports a change. */
export function ansibleCheck(limit?: string): Promise<Run> {
  return run("ansible-playbook", ["flatlogic.yml", "--check", "--diff", ...(limit ? ["--limit", limit] : [])], {
    cwd: PEER, env: { ANSIBLE_CONFIG: path.join(PEER, "ansible.cfg"), ANSIBLE_NOCOLOR: "1" },
  });
}

/** The play's recap counts, e.g. { ok: 22, changed: 0, failed: 0 } summed over hosts. */
export function recap(out: string): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const line of out.slice(out.lastIndexOf("PLAY RECAP")).split("\n").slice(1)) {
    for (const m of line.matchAll(/(\w+)=(\d+)/g)) sums[m[1]] = (sums[m[1]] ?? 0) + Number(m[2]);
  }
  return sums;
}
