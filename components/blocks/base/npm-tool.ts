import type * as pulumi from "@pulumi/pulumi";
import { script } from "../../host/quote";
import { Step } from "../../host/resources";
import type { VmHost } from "./vmhost";

export interface NpmToolArgs {
  readonly host: VmHost;
  /** The npm package ("pnpm"). */
  readonly pkg: string;
  /** Pinned, exact. */
  readonly version: string;
  /** Its executable inside the package ("bin/pnpm.cjs"), linked as /usr/local/bin/<pkg>. */
  readonly bin: string;
}

/** Where a tool installed by npmTool lives. */
export const npmToolPrefix = (pkg: string): string => `/opt/hostform/${pkg}`;
export const npmToolBin = (a: Pick<NpmToolArgs, "pkg" | "bin">): string => `${npmToolPrefix(a.pkg)}/lib/node_modules/${a.pkg}/${a.bin}`;

/** `<name>`: a command-line tool from the npm registry at a pinned version, in its own prefix, on PATH. */
export function npmTool(name: string, a: NpmToolArgs, opts: pulumi.CustomResourceOptions): Step {
  const h = a.host;
  const prefix = npmToolPrefix(a.pkg);
  return new Step(name, {
    connection: h.connection,
    title: `${a.pkg} ${a.version}`,
    check: script`test "$(${`${h.nodeBinDir}/node`} -p 'require(process.argv[1]).version' ${`${prefix}/lib/node_modules/${a.pkg}/package.json`} 2>/dev/null)" = ${a.version}`,
    run: script`PATH=${h.nodeBinDir}:$PATH npm install --global --ignore-scripts --prefix ${prefix} --no-audit --no-fund --loglevel=error ${`${a.pkg}@${a.version}`} >/dev/null
ln -sf ${npmToolBin(a)} ${`/usr/local/bin/${a.pkg}`}`,
    triggers: a.version,
  }, { ...opts, dependsOn: h.ready });
}
