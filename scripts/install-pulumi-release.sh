#!/usr/bin/env bash
# install-pulumi-release.sh VERSION BIN_DIR: the released Pulumi CLI and its Node.js language host,
# from get.pulumi.com, with the archive's SHA-256 checked against the release's checksums file
# before anything is unpacked. Used by install-pulumi.sh where get.pulumi.com answers (an
# operator's machine, GitHub's runners); elsewhere the same versions are built from Go modules.
#
# Exit 0: installed. Exit 3: the release could not be downloaded (no network, no such version):
# the caller may build from Go modules instead. Exit 1: the download does not match its checksum,
# or the archive lacks a binary: nothing is installed, and nothing should be.
# HOSTFORM_PULUMI_RELEASES overrides the base URL (a mirror; the tests' local server).
set -euo pipefail

version=${1:?usage: install-pulumi-release.sh VERSION BIN_DIR}
bin=${2:?usage: install-pulumi-release.sh VERSION BIN_DIR}
base=${HOSTFORM_PULUMI_RELEASES:-https://get.pulumi.com/releases/sdk}
case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "[install-pulumi] no released Pulumi CLI for $(uname -m)" >&2; exit 3 ;;
esac
archive="pulumi-v$version-linux-$arch.tar.gz"
sums="pulumi-$version-checksums.txt"
say() { printf '[install-pulumi] %s\n' "$*" >&2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fetch() { curl -fsSL --connect-timeout 10 --max-time 300 --retry 2 -o "$tmp/$1" "$base/$1" 2>"$tmp/curl.err"; }
if ! fetch "$sums" || ! fetch "$archive"; then
  say "the released CLI v$version is not reachable at $base ($(tail -n1 "$tmp/curl.err"))"
  exit 3
fi

# The checksums file has "<sha256>  <file name>" lines; the archive's own line, matched whole.
want=$(awk -v f="$archive" '$2 == f || $2 == "*" f { print $1; exit }' "$tmp/$sums")
if [ -z "$want" ]; then
  say "ERROR: $sums has no line for $archive: nothing installed"
  exit 1
fi
got=$(sha256sum "$tmp/$archive" | cut -d' ' -f1)
if [ "$got" != "$want" ]; then
  say "ERROR: $archive does not match its checksum (expected $want, got $got): nothing installed"
  exit 1
fi

tar -xzf "$tmp/$archive" -C "$tmp"
for b in pulumi pulumi-language-nodejs; do
  if [ ! -x "$tmp/pulumi/$b" ]; then
    say "ERROR: $archive has no pulumi/$b: nothing installed"
    exit 1
  fi
done
mkdir -p "$bin"
# Each binary replaced in one rename, so a concurrent reader never sees half a file.
for b in pulumi pulumi-language-nodejs; do
  cp "$tmp/pulumi/$b" "$bin/.$b.new" && mv -f "$bin/.$b.new" "$bin/$b"
done
say "released pulumi v$version installed (sha256 $got checked against $sums)"
