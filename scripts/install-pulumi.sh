#!/usr/bin/env bash
# Installs the Pulumi CLI, the Node.js language host and, where it can be fetched, the Cloudflare plugin into
# .toolchain/ of this project, at the versions the npm packages pin. Check-then-act: a second run
# only checks versions and returns in seconds.
#
# Where get.pulumi.com answers (an operator's machine, GitHub's runners) the released CLI and its
# Node.js language host are installed, their archive checked against the release's SHA-256
# checksums (install-pulumi-release.sh); on machines that reach only the Go module proxy the same
# versions are built from Go modules. HOSTFORM_PULUMI_SOURCE: auto (the default: the release, else
# the Go build), release (the release or fail: the workflows), go (always the Go build).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
dest="$root/.toolchain"
bin="$dest/bin"
plugins="$dest/home/plugins"
work="$dest/build"

# Versions follow the npm packages so that CLI, SDK and plugins never disagree.
# The path reaches node as an argument, never inside the JavaScript (a checkout path with a quote cannot inject code).
pkgver() { node -p 'require(process.argv[1]).version' "$root/node_modules/$1/package.json" 2>/dev/null || true; }
pulumi_ver=${PULUMI_VERSION:-$(pkgver @pulumi/pulumi)}
cloudflare_ver=${PULUMI_CLOUDFLARE_VERSION:-$(pkgver @pulumi/cloudflare)}
pulumi_ver=${pulumi_ver:-3.276.0}
cloudflare_ver=${cloudflare_ver:-6.22.1}

# Module checksums are checked against the Go checksum database (sum.golang.org, which the Go
# module proxy also serves), as `go` does by default. HOSTFORM_GOSUMDB_OFF=1 turns that off, for a
# machine that reaches neither; the CLI built then is unchecked, so it is said.
if [ "${HOSTFORM_GOSUMDB_OFF:-}" = 1 ]; then
  export GOSUMDB=off
  printf '[install-pulumi] WARNING: HOSTFORM_GOSUMDB_OFF=1: module checksums are not checked against sum.golang.org\n' >&2
fi
export GOFLAGS=-buildvcs=false
export CGO_ENABLED=0
mkdir -p "$bin" "$plugins" "$work"

have() { [ -x "$1" ] && [ "$("$1" "${@:2}" 2>/dev/null | head -n1)" = "$3" ]; }
say() { printf '[install-pulumi] %s\n' "$*" >&2; }
start=$(date +%s)

# 1. The CLI: the release where it can be fetched, else built from Go modules.
source=${HOSTFORM_PULUMI_SOURCE:-auto}
case "$source" in auto | release | go) ;; *) say "ERROR: HOSTFORM_PULUMI_SOURCE=$source: use auto, release or go"; exit 2 ;; esac
# The release's language host is accepted in step 2 by this stamp (removed when one is built).
release_stamp="$bin/.pulumi-language-nodejs.release-v$pulumi_ver"
from_release() {
  [ "$source" != go ] || return 1
  local rc=0
  bash "$root/scripts/install-pulumi-release.sh" "$pulumi_ver" "$bin" || rc=$?
  case "$rc" in
    0) rm -f "$bin"/.pulumi-language-nodejs.* && touch "$release_stamp" ;;
    3) if [ "$source" = release ]; then say "ERROR: HOSTFORM_PULUMI_SOURCE=release, and the release is not reachable"; exit 1; fi
       say "building from Go modules instead"; return 1 ;;
    *) exit 1 ;; # a checksum that does not match is never built around
  esac
}
if [ -x "$bin/pulumi" ] && [ "$("$bin/pulumi" version 2>/dev/null)" = "v$pulumi_ver" ]; then
  say "pulumi v$pulumi_ver already installed"
elif from_release; then
  :
else
  # pkg/v3 carries `replace` lines, so `go install pkg@v` refuses it: a throwaway module requires
  # it and repeats them.
  say "building pulumi v$pulumi_ver from Go modules (a cold build takes several minutes)"
  mod="$work/pulumi-cli"
  rm -rf "$mod" && mkdir -p "$mod" && cd "$mod"
  go mod init hostform.local/pulumi-cli >/dev/null 2>&1
  go mod edit -require="github.com/pulumi/pulumi/pkg/v3@v$pulumi_ver" \
    -require="github.com/pulumi/pulumi/sdk/v3@v$pulumi_ver" \
    -replace="github.com/pulumi/pulumi/sdk/v3=github.com/pulumi/pulumi/sdk/v3@v$pulumi_ver"
  pkgmod=$(go mod download -json "github.com/pulumi/pulumi/pkg/v3@v$pulumi_ver" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).GoMod))')
  # Repeat every replace of pkg's go.mod except the one to ../sdk (handled above).
  grep -E '^replace ' "$pkgmod" | grep -v '=> \.\./' | sed -E 's/^replace +//; s/ +=> +/=/; s/ +v/@v/g' | while read -r r; do
    go mod edit -replace="$r"
  done
  printf 'package main\nimport _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"\n' > tools.go
  go mod tidy >/dev/null 2>&1 || go mod tidy
  go build -trimpath -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$pulumi_ver" \
    -o "$bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
  say "pulumi $("$bin/pulumi" version) built"
fi

# 2. The Node.js language host. Upstream's is its own Go module that the module proxy does not
#    serve at this version, so we build hostform's own host (toolchain/langhost), which speaks the
#    same protocol and starts @pulumi/pulumi's cmd/run exactly as upstream does.
stamp="$bin/.pulumi-language-nodejs.$(cat "$root/toolchain/langhost/main.go" "$root/toolchain/langhost/go.mod" | sha256sum | cut -c1-16)"
if [ -x "$bin/pulumi-language-nodejs" ] && { [ -f "$stamp" ] || [ -f "$release_stamp" ]; }; then
  say "pulumi-language-nodejs already installed"
else
  say "building pulumi-language-nodejs (toolchain/langhost)"
  (cd "$root/toolchain/langhost" && go build -trimpath -ldflags "-s -w -X main.version=$pulumi_ver" -o "$bin/pulumi-language-nodejs" .)
  rm -f "$bin"/.pulumi-language-nodejs.* && touch "$stamp"
fi

# 2b. hostform's own resource provider (toolchain/provider, docs/go-provider.md), into the plugin
#     cache, where the engine finds it by name and version without a warning (a plugin found on
#     PATH is reported on every run). Rebuilt when its sources change (a stamp of their hash).
provider_ver=0.1.0
provider_dir="$plugins/resource-hostform-ssh-v$provider_ver"
provider_src="$root/toolchain/provider"
provider_hash=$(cd "$provider_src" && find . -type f \( -name '*.go' ! -name '*_test.go' -o -name go.mod -o -name go.sum -o -name '*.bash' \) -print0 \
  | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
provider_stamp="$provider_dir/.source-$provider_hash"
if [ -x "$provider_dir/pulumi-resource-hostform-ssh" ] && [ -f "$provider_stamp" ]; then
  say "pulumi-resource-hostform-ssh v$provider_ver already installed"
elif ! command -v go >/dev/null; then
  # Stage 1 of the Go provider: no stack uses it yet, only its own tests (which then fail, saying so).
  say "WARNING: no Go toolchain on PATH: pulumi-resource-hostform-ssh v$provider_ver not built (only test/e2e/go-provider.test.ts uses it yet)"
else
  say "building pulumi-resource-hostform-ssh v$provider_ver (toolchain/provider)"
  provider_start=$(date +%s)
  rm -rf "$plugins"/resource-hostform-ssh-v* "$work/provider"
  mkdir -p "$work/provider"
  (cd "$provider_src" && go build -trimpath -ldflags "-s -w -X main.version=$provider_ver" -o "$work/provider/pulumi-resource-hostform-ssh" .)
  touch "$work/provider/.source-$provider_hash"
  mv "$work/provider" "$provider_dir"
  say "pulumi-resource-hostform-ssh built in $(( $(date +%s) - provider_start ))s"
fi

# 3. Cloudflare's resource plugin, for stacks that manage a DNS record (hostform:flatlogic.cloudflare),
#    at the version @pulumi/cloudflare pins. It is a released binary from get.pulumi.com (an
#    operator's machine, GitHub's runners); where that is unreachable, say so and go on: only a stack
#    with a Cloudflare record needs it, and the program refuses such a stack before touching a host.
cf_dir="$plugins/resource-cloudflare-v$cloudflare_ver"
if [ -x "$cf_dir/pulumi-resource-cloudflare" ]; then
  say "pulumi-resource-cloudflare v$cloudflare_ver already installed"
elif [ -n "$(find "$work/cloudflare.failed" -mmin -1440 2>/dev/null)" ]; then
  say "pulumi-resource-cloudflare v$cloudflare_ver: not reachable (tried in the last day; see $work/cloudflare.err); stacks with a Cloudflare record are refused"
else
  say "installing pulumi-resource-cloudflare v$cloudflare_ver (pulumi plugin install)"
  if PULUMI_HOME="$dest/home" timeout 300 "$bin/pulumi" plugin install resource cloudflare "$cloudflare_ver" >"$work/cloudflare.err" 2>&1 \
      && [ -x "$cf_dir/pulumi-resource-cloudflare" ]; then
    rm -f "$work/cloudflare.failed"
  else
    touch "$work/cloudflare.failed"
    say "WARNING: could not install pulumi-resource-cloudflare v$cloudflare_ver: $(tail -n1 "$work/cloudflare.err")"
    say "         stacks with hostform:flatlogic.cloudflare are refused until it is installed: npm run pulumi -- plugin install resource cloudflare $cloudflare_ver"
  fi
fi

# 4. The dynamic-provider shim ships inside @pulumi/pulumi; link it next to the CLI.
shim="$root/node_modules/@pulumi/pulumi/vendor/pulumi-resource-pulumi-nodejs"
[ -f "$shim" ] || shim=$(find "$root/node_modules/@pulumi/pulumi" -maxdepth 2 -name 'pulumi-resource-pulumi-nodejs' -type f 2>/dev/null | head -n1 || :)
if [ -n "$shim" ] && [ -f "$shim" ]; then
  ln -sf "$shim" "$bin/pulumi-resource-pulumi-nodejs"
  chmod +x "$shim"
fi
policy=$(find "$root/node_modules/@pulumi/pulumi" -maxdepth 2 -name pulumi-analyzer-policy -type f 2>/dev/null | head -n1 || :)
if [ -n "$policy" ]; then ln -sf "$policy" "$bin/pulumi-analyzer-policy"; fi

say "toolchain ready in $(( $(date +%s) - start ))s: $("$bin/pulumi" version)"
