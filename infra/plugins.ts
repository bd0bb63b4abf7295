/**
 * Resource plugins a stack needs beyond hostform's own: Pulumi loads a provider's plugin when the
 * program registers its first resource, by which time other hosts' resources may be changing. So
 * config asks first: a stack whose settings need a plugin that is not installed is refused before
 * any host is touched (the wrapper switches plugin downloads off, so the engine would not fetch it).
 */
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import * as path from "node:path";

/** The npm package whose version pins each plugin hostform may need. */
export const PLUGIN_PACKAGES: Readonly<Record<string, string>> = { cloudflare: "@pulumi/cloudflare" };

/** Where a plugin stands on this machine. */
export interface PluginState { readonly version: string; readonly installed: boolean }

export type PluginLookup = (name: string) => PluginState;

/** The plugin's version (its npm package's) and whether PULUMI_HOME (default ~/.pulumi) holds it. */
export function installedPlugin(name: string, projectDir: string, env: NodeJS.ProcessEnv = process.env): PluginState {
  const pkg = path.join(projectDir, "node_modules", PLUGIN_PACKAGES[name], "package.json");
  const version = String(JSON.parse(readFileSync(pkg, "utf8")).version);
  const home = env.PULUMI_HOME || path.join(homedir(), ".pulumi");
  return { version, installed: existsSync(path.join(home, "plugins", `resource-${name}-v${version}`, `pulumi-resource-${name}`)) };
}

/** The problem for a plugin `key`'s settings need and that is missing, or undefined. */
export function missingPluginProblem(name: string, key: string, state: PluginState): string | undefined {
  if (state.installed) return undefined;
  return `${key} needs Pulumi's ${name} resource plugin v${state.version}, which is not installed, so no host was changed: ` +
    `run npm run setup on a machine that reaches get.pulumi.com (it installs the plugin), or ` +
    `npm run pulumi -- plugin install resource ${name} ${state.version}; or leave ${key} out`;
}
