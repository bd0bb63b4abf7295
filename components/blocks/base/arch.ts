/**
 * What to download for a host's CPU, from its facts (`uname -m`): the npm registry's node and bun
 * packages, and the Debian architecture of Google's Chrome repository. An architecture without a
 * build is refused with the fix, before anything is changed.
 */

export interface ArchChoice {
  /** node-linux-<arch> on the npm registry (Node's own naming). */
  readonly node: string;
  /** @oven/bun-linux-<arch> on the npm registry. */
  readonly bun: string;
  /** dpkg's name, for apt sources' [arch=…]. */
  readonly debian: string;
  /** Google ships Chrome (Beta) for Linux on amd64 only. */
  readonly chrome: boolean;
}

const ARCHES: Readonly<Record<string, ArchChoice>> = {
  x86_64: { node: "x64", bun: "x64", debian: "amd64", chrome: true },
  aarch64: { node: "arm64", bun: "aarch64", debian: "arm64", chrome: false },
  arm64: { node: "arm64", bun: "aarch64", debian: "arm64", chrome: false },
};

/** The downloads for `uname -m`'s answer, or an error naming the architectures hostform knows. */
export function archOf(machine: string): ArchChoice {
  const choice = ARCHES[machine];
  if (!choice) throw new Error(`CPU architecture ${JSON.stringify(machine)} is not supported: hostform installs node, bun and Chrome for ${Object.keys(ARCHES).join(", ")}`);
  return choice;
}

/** Google's Chrome repository line for the host, or the fix when Google has no build for it. */
export function chromeSource(machine: string, pkg: string): string {
  const a = archOf(machine);
  if (!a.chrome) throw new Error(`${pkg} from Google's repository exists for x86_64 only; this host is ${machine}: set hostform:duel.browser to { source: "debian", package: "chromium" }`);
  return `deb [arch=${a.debian} signed-by=/etc/apt/keyrings/google-chrome.gpg] https://dl.google.com/linux/chrome/deb/ stable main`;
}
