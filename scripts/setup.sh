#!/usr/bin/env bash
# Everything a fresh machine needs for hostform's sandbox and tests: Debian packages, npm
# packages, the Pulumi toolchain. Each step checks first and is quick when already done.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
say() { printf '[setup] %s\n' "$*" >&2; }

# postgresql: test/e2e/backend.test.ts starts a private cluster of its own as a state backend.
apt_packages=(debootstrap systemd-container iptables iproute2 openssh-client git curl ca-certificates shellcheck postgresql)
missing=()
for p in "${apt_packages[@]}"; do dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  # Root, or a user with password-less sudo (a CI runner).
  as_root=()
  if [ "$(id -u)" -ne 0 ]; then
    if sudo -n true 2>/dev/null; then as_root=(sudo -n); else echo "[setup] run as root (the sandbox needs systemd-nspawn and network namespaces)" >&2; exit 2; fi
  fi
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v go >/dev/null && [ -x /usr/local/go/bin/go ]; then export PATH="/usr/local/go/bin:$PATH"; fi
command -v go >/dev/null || { echo "[setup] Go is needed to build the Pulumi toolchain (apt-get install golang, or /usr/local/go)" >&2; exit 2; }

# Node.js 24 where the machine's node is not 22 or 24 (Debian's is 20): npm ci and the build below run on it.
# shellcheck source=scripts/use-node.sh
source scripts/use-node.sh

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund
fi

# The program, compiled ahead of time (check, then act: only sources whose output is stale).
node scripts/program-build.cjs

bash scripts/install-pulumi.sh
bash scripts/install-actionlint.sh
