#!/usr/bin/env bash
# Installs actionlint (the GitHub Actions workflow linter that `npm test` runs) into
# .toolchain/bin, built from the Go module proxy at a pinned version. Check-then-act: a second run
# only checks the version.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
version=${ACTIONLINT_VERSION:-1.7.12}
bin="$root/.toolchain/bin"
say() { printf '[install-actionlint] %s\n' "$*" >&2; }

if [ -x "$bin/actionlint" ] && [ "$("$bin/actionlint" -version 2>/dev/null | head -n1)" = "v$version" ]; then
  say "actionlint $version already installed"
  exit 0
fi
if ! command -v go >/dev/null && [ -x /usr/local/go/bin/go ]; then export PATH="/usr/local/go/bin:$PATH"; fi
command -v go >/dev/null || { echo "[install-actionlint] Go is needed to build actionlint (apt-get install golang, or /usr/local/go)" >&2; exit 2; }
say "building actionlint $version from the Go module proxy"
# Checksums are checked against sum.golang.org (through the module proxy) unless the machine opts
# out with HOSTFORM_GOSUMDB_OFF=1, as for scripts/install-pulumi.sh.
if [ "${HOSTFORM_GOSUMDB_OFF:-}" = 1 ]; then
  export GOSUMDB=off
  say "WARNING: HOSTFORM_GOSUMDB_OFF=1: module checksums are not checked against sum.golang.org"
fi
mkdir -p "$bin"
# `go install mod@version` records the version in the binary, which -version prints.
GOFLAGS=-buildvcs=false CGO_ENABLED=0 GOBIN="$bin" go install -trimpath -ldflags "-s -w" \
  "github.com/rhysd/actionlint/cmd/actionlint@v$version"
say "actionlint $("$bin/actionlint" -version | head -n1) installed"
