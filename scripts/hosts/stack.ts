// Which file holds a stack's config, and the stack's config as the program sees it (secrets
// decrypted by the project's own CLI, kept in memory only), for infra/config.ts to validate.
import { spawn } from "node:child_process";
import * as path from "node:path";
import type { RawConfig } from "../../infra/config";
import type { Target } from "./args";

export const ROOT = path.resolve(__dirname, "../..");

export function stackFile(t: Target): string {
  return t.configFile ? path.resolve(t.configFile) : path.join(ROOT, `Pulumi.${t.stack}.yaml`);
}

/** `pulumi config --json --show-secrets`: "hostform:hosts" → { value: text (JSON for objects), secret }. */
export type ConfigJson = Record<string, { readonly value?: string; readonly objectValue?: unknown; readonly secret?: boolean }>;

/** What loadConfig reads, from the CLI's JSON: the same text pulumi.Config would give. */
export function rawConfigOf(values: ConfigJson): RawConfig {
  const get = (key: string) => values[`hostform:${key}`]?.value;
  return { get, getSecret: get };
}

export function rawFromPulumiJson(json: string): RawConfig {
  return rawConfigOf(JSON.parse(json) as ConfigJson);
}

/** The stack's config with secrets in clear (npm run doctor also collects them, to redact its output). */
export function readConfigJson(t: Target): Promise<ConfigJson> {
  const args = [path.join(ROOT, "scripts/pulumi.sh"), "config", "--json", "--show-secrets", "--stack", t.stack, ...(t.configFile ? ["--config-file", stackFile(t)] : [])];
  return new Promise((resolve, reject) => {
    // stdin stays the operator's, for the CLI's passphrase prompt; stdout holds secrets and is never printed.
    const child = spawn("bash", args, { cwd: ROOT, stdio: ["inherit", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`cannot read the config of stack ${t.stack} (pulumi config exited ${code}); create the stack first: npm run pulumi -- stack init ${t.stack}`));
      try {
        resolve(JSON.parse(out) as ConfigJson);
      } catch {
        reject(new Error(`pulumi config --json printed something that is not JSON for stack ${t.stack}`));
      }
    });
  });
}

export async function readStackConfig(t: Target): Promise<RawConfig> {
  return rawConfigOf(await readConfigJson(t));
}
