/**
 * The bench's stacks: the repository's own program (infra/) with N sandbox hosts of the Flatlogic
 * role, named pf-1 … pf-N (another prefix with `--prefix`, for a second bench beside a running one:
 * sandbox hosts are machine-wide). Each fleet size has its own file backend under .state/bench/,
 * kept between runs so a second bench starts from converged hosts; every one is the stack "bench",
 * so the hosts' marker files agree whichever fleet last converged them.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { connectionOf, ROOT, run, sandbox, type Run } from "../test/e2e/commands";

export const DEFAULT_PREFIX = "pf";
let prefix = DEFAULT_PREFIX;
/** The bench's hosts are `<p>-1` … `<p>-N` from now on (pf by default). */
export function usePrefix(p: string): void {
  if (!/^[a-z][a-z0-9]{0,7}$/.test(p)) throw new Error(`--prefix ${p}: a lower-case letter, then up to 7 letters or digits`);
  prefix = p;
}
export const hostNames = (n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i + 1}`);
/** A fleet's own folder: other prefixes are other hosts, so they keep their own state. */
const fleetLabel = (n: number) => (prefix === DEFAULT_PREFIX ? `fleet-${n}` : `${prefix}-fleet-${n}`);
const REMOTE = "/srv/git/app.git";
/** The backend env of the bench hosts (not a real secret: the bench's own stand-in apps). */
export const BENCH_SECRETS = { JWT_SECRET: "bench-jwt-secret" };

/** The Flatlogic settings of the bench hosts: the e2e test's, the stand-in apps from test/fixtures. */
export const FLATLOGIC = { repo: REMOTE, serverName: "app.example.test", node: { source: "npm-registry" }, executorFrom: "workspace", healthTimeoutSeconds: 60 };

export class BenchStack {
  readonly dir: string;
  readonly name = "bench";
  readonly configFile: string;
  private readonly passphrase: string;

  constructor(readonly label: string) {
    this.dir = path.join(ROOT, ".state/bench", label);
    this.configFile = path.join(this.dir, "Pulumi.bench.yaml");
    mkdirSync(path.join(this.dir, "state"), { recursive: true, mode: 0o700 });
    const pp = path.join(this.dir, "passphrase");
    if (!existsSync(pp)) writeFileSync(pp, `bench-${Math.random().toString(36).slice(2)}`, { mode: 0o600 });
    this.passphrase = readFileSync(pp, "utf8");
  }

  private env() {
    return { PULUMI_BACKEND_URL: `file://${path.join(this.dir, "state")}`, PULUMI_CONFIG_PASSPHRASE: this.passphrase };
  }

  /** The project's CLI on this stack; `cwd` is the program (the repository by default). */
  pulumi(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
    // `stack init <name>` names the stack itself and takes no --config-file.
    const target = args[0] === "stack" ? [] : ["--stack", this.name, "--config-file", this.configFile];
    return run("bash", [path.join(ROOT, "scripts/pulumi.sh"), ...args, ...target, "--non-interactive"], {
      cwd: opts.cwd ?? ROOT, env: { ...this.env(), ...opts.env },
    });
  }

  /** Creates the stack once; Pulumi writes its salt beside the program, which we keep in our own file. */
  async init(cwd = ROOT): Promise<void> {
    if (existsSync(this.configFile)) return;
    const r = await this.pulumi(["stack", "init", this.name], { cwd });
    if (r.code !== 0) throw new Error(`stack init failed: ${r.all}`);
    const written = path.join(cwd, `Pulumi.${this.name}.yaml`);
    const salt = /^encryptionsalt: (.*)$/m.exec(readFileSync(written, "utf8"))?.[1];
    writeFileSync(this.configFile, stringify({ encryptionsalt: salt, config: {} }));
    (await import("node:fs")).rmSync(written);
  }

  /** `npm run drift`, as an operator runs it: two previews, the report, exit 0 when nothing differs. */
  drift(): Promise<Run> {
    return run("npm", ["run", "-s", "drift", "--", "--stack", this.name, "--config-file", this.configFile, "--non-interactive"], { env: this.env() });
  }

  /** `npm run up`, as an operator runs it without a terminal (`--yes`: no question asked). */
  up(): Promise<Run> {
    return run("npm", ["run", "-s", "up", "--", "--stack", this.name, "--config-file", this.configFile, "--yes", "--non-interactive"], { env: this.env() });
  }

  config(): Record<string, unknown> {
    return (parse(readFileSync(this.configFile, "utf8")) as { config?: Record<string, unknown> }).config ?? {};
  }

  setConfig(config: Record<string, unknown>): void {
    const salt = /^encryptionsalt: (.*)$/m.exec(readFileSync(this.configFile, "utf8"))?.[1];
    writeFileSync(this.configFile, stringify({ encryptionsalt: salt, config }));
  }
}

/** Starts <prefix>-1 … <prefix>-n (systemd), publishes the stand-in Flatlogic repository on the new ones. */
export async function fleetHosts(n: number): Promise<sandbox.SandboxHost[]> {
  const names = hostNames(n);
  const fresh = names.filter((name) => !sandbox.inventory()[name]);
  const hosts = await sandbox.up(names.map((name) => ({ name, flavor: "systemd" as const })));
  for (const h of hosts) {
    if (fresh.includes(h.name) || (await sandbox.exec(h.name, `test -d ${REMOTE}`)).code !== 0) {
      sandbox.publishRepo(h, path.join(ROOT, "test/fixtures/flatlogic-app"), REMOTE);
    }
  }
  return hosts;
}

/** The stack of a fleet of `hosts`, configured (JWT secret set once). */
export async function fleetStack(hosts: sandbox.SandboxHost[]): Promise<BenchStack> {
  const stack = new BenchStack(fleetLabel(hosts.length));
  await stack.init();
  stack.setConfig({
    "hostform:hosts": hosts.map((h) => {
      const c = connectionOf(h);
      return { name: h.name, flavor: "systemd", role: "flatlogic", address: c.host, port: c.port, user: c.user, hostKey: c.hostKey, privateKeyPath: c.privateKeyPath };
    }),
    "hostform:flatlogic": FLATLOGIC,
  });
  const set = await stack.pulumi(["config", "set", "--secret", "--path", "hostform:flatlogicBackendEnv.JWT_SECRET", BENCH_SECRETS.JWT_SECRET]);
  if (set.code !== 0) throw new Error(`config set failed: ${set.all}`);
  return stack;
}
