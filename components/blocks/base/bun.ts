/**
 * bun from the npm registry: the platform binary the `bun` package installs (its optional
 * dependency @oven/bun-linux-<arch>), fetched for the host's architecture, checked against the
 * registry's sha512 `dist.integrity` like node's tarballs, and unpacked into
 * /opt/hostform/bun-v<version>, so no install script of the package runs as root.
 */
import { script } from "../../host/quote";
import { archOf } from "./arch";
import { FETCH_NPM } from "./downloads";

export const BUN_ROOT = "/opt/hostform/bun";

/** In place when /usr/local/bin/bun is hostform's and answers with `version`. */
export function bunCheck(version: string): string {
  return script`test "$(${`${BUN_ROOT}/bin/bun`} --version 2>/dev/null)" = ${version} && test "$(readlink /usr/local/bin/bun)" = ${`${BUN_ROOT}/bin/bun`}
`;
}

/** Unpacks the registry's binary for `machine` (uname -m) beside older versions and switches the link. */
export function bunInstall(version: string, machine: string, registry: string): string {
  const pkg = `bun-linux-${archOf(machine).bun}`;
  const dir = `${BUN_ROOT}-v${version}`;
  return FETCH_NPM + script`dir=${dir}
tmp=$(mktemp -d); trap 'rm -rf -- "$tmp"' EXIT
hf_fetch_npm ${`${registry}/@oven/${pkg}/-/${pkg}-${version}.tgz`} ${`${registry}/@oven/${pkg}/${version}`} "$tmp/bun.tgz"
tar -xzf "$tmp/bun.tgz" -C "$tmp"
rm -rf -- "$dir.new"; mkdir -p "$dir.new/bin"
install -m 0755 "$tmp/package/bin/bun" "$dir.new/bin/bun"
ln -s bun "$dir.new/bin/bunx"
v=$("$dir.new/bin/bun" --version)
[ "$v" = ${version} ] || { echo "the downloaded bun answers $v, expected "${version} >&2; exit 1; }
rm -rf -- "$dir"; mv "$dir.new" "$dir"
ln -sfn "$dir" ${BUN_ROOT}
for b in bun bunx; do ln -sfn ${`${BUN_ROOT}/bin/`}"$b" /usr/local/bin/"$b"; done
`;
}
