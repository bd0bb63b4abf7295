#!/usr/bin/env bash
# Installs the Pulumi CLI, the Node.js language host and the command provider plugin into
# .toolchain/ of this project, at the versions the npm packages pin. Check-then-act: a second run
# only checks versions and returns in seconds.
#
# With internet the npm package `pulumi` (official installer) would do; on machines that reach
# only the Go module proxy we build the same versions from Go modules.
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
command_ver=${PULUMI_COMMAND_VERSION:-$(pkgver @pulumi/command)}
pulumi_ver=${pulumi_ver:-3.248.0}
command_ver=${command_ver:-1.2.1}

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

# 1. The CLI. pkg/v3 carries `replace` lines, so `go install pkg@v` refuses it: a throwaway module
#    requires it and repeats them.
if [ -x "$bin/pulumi" ] && [ "$("$bin/pulumi" version 2>/dev/null)" = "v$pulumi_ver" ]; then
  say "pulumi v$pulumi_ver already installed"
else
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
if [ -x "$bin/pulumi-language-nodejs" ] && [ -f "$stamp" ]; then
  say "pulumi-language-nodejs already installed"
else
  say "building pulumi-language-nodejs (toolchain/langhost)"
  (cd "$root/toolchain/langhost" && go build -trimpath -ldflags "-s -w -X main.version=$pulumi_ver" -o "$bin/pulumi-language-nodejs" .)
  rm -f "$bin"/.pulumi-language-nodejs.* && touch "$stamp"
fi

# 3. The command provider, installed as a plugin so the engine never tries to download it.
#    The module proxy has not served provider@v1.2.1 so far (404): then say so and go on, since
#    no hostform stack uses the command provider (imperative steps run through hostform's own
#    SSH resources instead).
cmd_dir="$plugins/resource-command-v$command_ver"
if [ -x "$cmd_dir/pulumi-resource-command" ]; then
  say "pulumi-resource-command v$command_ver already installed"
elif [ -n "$(find "$work/command.failed" -mmin -1440 2>/dev/null)" ]; then
  say "pulumi-resource-command v$command_ver: not available from the module proxy (checked in the last day; see $work/command.err)"
else
  say "building pulumi-resource-command v$command_ver"
  mkdir -p "$cmd_dir"
  if GOBIN="$cmd_dir" go install -trimpath \
      -ldflags "-s -w -X github.com/pulumi/pulumi-command/provider/pkg/version.Version=v$command_ver" \
      "github.com/pulumi/pulumi-command/provider/cmd/pulumi-resource-command@v$command_ver" 2>"$work/command.err"; then
    touch "$cmd_dir.lock"; rm -f "$work/command.failed"
  else
    rmdir "$cmd_dir" 2>/dev/null || :
    touch "$work/command.failed"
    say "WARNING: could not build pulumi-resource-command v$command_ver: $(tail -n1 "$work/command.err")"
    say "         stacks that use @pulumi/command resources will fail; hostform's own stacks do not use them"
  fi
fi

# 4. The dynamic-provider shim ships inside @pulumi/pulumi; link it next to the CLI.
shim="$root/node_modules/@pulumi/pulumi/vendor/pulumi-resource-pulumi-nodejs"
[ -f "$shim" ] || shim=$(find "$root/node_modules/@pulumi/pulumi" -maxdepth 2 -name 'pulumi-resource-pulumi-nodejs' -type f 2>/dev/null | head -n1)
if [ -n "$shim" ] && [ -f "$shim" ]; then
  ln -sf "$shim" "$bin/pulumi-resource-pulumi-nodejs"
  chmod +x "$shim"
fi
for s in pulumi-analyzer-policy; do
  f=$(find "$root/node_modules/@pulumi/pulumi" -maxdepth 2 -name "$s" -type f 2>/dev/null | head -n1)
  [ -n "$f" ] && ln -sf "$f" "$bin/$s"
done

say "toolchain ready in $(( $(date +%s) - start ))s: $("$bin/pulumi" version)"
