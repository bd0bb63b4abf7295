#!/usr/bin/env bash
# Runs the project's own Pulumi CLI (.toolchain/) with the project's settings: file state backend
# in .state/, passphrase secrets, no plugin downloads, no update checks.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -x "$root/.toolchain/bin/pulumi" ]; then
  echo "hostform: the Pulumi toolchain is not installed; run: npm run setup" >&2
  exit 2
fi
export PATH="$root/.toolchain/bin:$PATH"
export PULUMI_HOME="$root/.toolchain/home"
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$root/.state}"
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_NODEJS_TRANSPILE_ONLY=true   # npm test type-checks; runs need not do it again
# The program and the provider load two large packages of the SDK only when they use them.
export NODE_OPTIONS="--require \"$root/scripts/lazy-sdk.cjs\"${NODE_OPTIONS:+ $NODE_OPTIONS}"
mkdir -p "$root/.state"

# The sandbox stack gets a generated passphrase kept beside its state; every other stack needs the
# operator's own, and an empty one is refused.
stack=""
prev=""
for a in "$@"; do
  case "$prev" in --stack|-s) stack=$a ;; esac
  case "$a" in --stack=*) stack=${a#--stack=} ;; esac
  prev=$a
done
# A pulumi run killed hard (kill -9, a cancelled CI job) leaves its lock in a file backend, and the
# next run would refuse to start until someone deletes it. A lock written on this machine by a
# process that no longer runs is stale: it is removed, and said so.
case "${1:-}" in
  up|update|preview|refresh|destroy)
    if [ -n "$stack" ] && [[ "$PULUMI_BACKEND_URL" == file://* ]]; then
      locks="${PULUMI_BACKEND_URL#file://}"; locks="${locks%%\?*}/.pulumi/locks"
      if [ -d "$locks" ]; then
        while IFS= read -r -d '' lock; do
          read -r pid host < <(node -e 'const l = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(l.pid, l.hostname)' "$lock" 2>/dev/null || echo "x x")
          if [ "$host" = "$(hostname)" ] && [[ "$pid" =~ ^[0-9]+$ ]] && ! kill -0 "$pid" 2>/dev/null; then
            rm -f -- "$lock"
            echo "hostform: removed the lock of stack $stack left by pulumi pid $pid, which no longer runs" >&2
          fi
        done < <(find "$locks" -path "*/$stack/*.json" -type f -print0)
      fi
    fi
    ;;
esac

if [ -n "${PULUMI_CONFIG_PASSPHRASE+x}" ] && [ -z "$PULUMI_CONFIG_PASSPHRASE" ]; then
  echo "hostform: PULUMI_CONFIG_PASSPHRASE is set but empty; refusing to encrypt secrets with an empty passphrase" >&2
  exit 2
fi
if [ "$stack" = sandbox ] && [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
  pp="$root/.state/sandbox.passphrase"
  if [ ! -s "$pp" ]; then (umask 077; head -c 24 /dev/urandom | base64 > "$pp"); fi
  export PULUMI_CONFIG_PASSPHRASE_FILE="$pp"
  # Pulumi keeps the passphrase's salt in the stack's config file. The sandbox passphrase belongs to
  # this checkout, so its salt lives beside it in .state/ and is in the committed
  # Pulumi.sandbox.yaml only while the CLI runs.
  # Runs at the same time (drift's two previews) share it: under a lock, each registers its pid, the
  # first puts the salt in and the last one out takes it away again.
  cfg="$root/Pulumi.sandbox.yaml"
  salt="$root/.state/sandbox.salt"
  users="$root/.state/sandbox.salt.users"
  mkdir -p "$users"
  exec 9>"$root/.state/sandbox.salt.lock"
  flock 9
  if [ -s "$salt" ] && ! grep -q '^encryptionsalt:' "$cfg"; then cat "$salt" >> "$cfg"; fi
  : > "$users/$$"
  flock -u 9
  # shellcheck disable=SC2317 # run by the EXIT trap
  keep_salt() {
    flock 9
    rm -f -- "$users/$$"
    for u in "$users"/*; do
      if [ -e "$u" ] && ! kill -0 "${u##*/}" 2>/dev/null; then rm -f -- "$u"; fi # a run killed hard
    done
    if [ -z "$(ls -A "$users")" ] && grep -q '^encryptionsalt:' "$cfg"; then
      grep -m 1 '^encryptionsalt:' "$cfg" > "$salt"
      sed -i '/^encryptionsalt:/d' "$cfg"
    fi
    flock -u 9
  }
  trap keep_salt EXIT
  pulumi "$@"
  exit
fi
exec pulumi "$@"
