#!/usr/bin/env bash
# Runs the project's own Pulumi CLI (.toolchain/) with the project's settings: the state backend
# chosen below, passphrase secrets, no plugin downloads, no update checks.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -x "$root/.toolchain/bin/pulumi" ]; then
  echo "hostform: the Pulumi toolchain is not installed; run: npm run setup" >&2
  exit 2
fi
export PATH="$root/.toolchain/bin:$PATH"
# The program and the provider run on Node.js 22 or 24 (@pulumi/pulumi needs 22): the machine's own
# node when it is one of those, else the project's Node 24 (scripts/use-node.sh).
# shellcheck source=scripts/use-node.sh
source "$root/scripts/use-node.sh"
export PULUMI_HOME="$root/.toolchain/home"
# The state backend (docs/state-backends.md): PULUMI_BACKEND_URL when it is set. Otherwise the
# sandbox stack keeps its state in .state/ (its hosts and passphrase belong to this checkout, and
# every checkout's stack is named sandbox, so a shared backend would mix them up); any other stack
# goes to the backend of `npm run pulumi -- login <url>` (the current login in PULUMI_HOME), and
# without a login to .state/ as well.
if [ -z "${PULUMI_BACKEND_URL:-}" ]; then
  PULUMI_BACKEND_URL="file://$root/.state"
  case " $* " in
    *" --stack sandbox "* | *" -s sandbox "* | *" --stack=sandbox "*) ;;
    *)
      if [ -s "$PULUMI_HOME/credentials.json" ]; then
        login=$(node -e 'try { process.stdout.write(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).current ?? "") } catch { process.exitCode = 1 }' "$PULUMI_HOME/credentials.json") \
          || { echo "hostform: cannot read $PULUMI_HOME/credentials.json; log in again: npm run pulumi -- login <url>" >&2; exit 2; }
        if [ -n "$login" ]; then PULUMI_BACKEND_URL=$login; fi
      fi
      ;;
  esac
fi
export PULUMI_BACKEND_URL
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_NODEJS_TRANSPILE_ONLY=true   # npm test type-checks; runs need not do it again
# The program and the provider load two large packages of the SDK only when they use them.
export NODE_OPTIONS="--require \"$root/scripts/lazy-sdk.cjs\"${NODE_OPTIONS:+ $NODE_OPTIONS}"
mkdir -p "$root/.state"

# The sandbox stack gets a generated passphrase kept beside its state; every other stack needs the
# operator's own, and an empty one is refused.
stack=""
config_file=""
prev=""
for a in "$@"; do
  case "$prev" in --stack|-s) stack=$a ;; --config-file) config_file=$a ;; esac
  case "$a" in --stack=*) stack=${a#--stack=} ;; --config-file=*) config_file=${a#--config-file=} ;; esac
  prev=$a
done
# The provider trusts the host key the stack's config pins now, not only the one kept in state (a
# rebuilt host pinned again with `hosts pin --replace`): it reads that file (components/host/pins.ts).
if [ -z "$config_file" ] && [ -n "$stack" ]; then config_file="Pulumi.$stack.yaml"; fi
if [ -n "$config_file" ] && [ -f "$config_file" ]; then
  HOSTFORM_STACK_CONFIG=$(realpath -- "$config_file")
  HOSTFORM_PROGRAM_DIR=$PWD
  export HOSTFORM_STACK_CONFIG HOSTFORM_PROGRAM_DIR
fi
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
  # this checkout, so its salt does too: the CLI reads the sandbox's config from
  # .state/Pulumi.sandbox.yaml, the salt line followed by the committed Pulumi.sandbox.yaml, written
  # again (temporary file, then mv) whenever the committed file changed. The committed file is
  # written only by a `config set`/`rm` that asked for it, and never carries the salt.
  tracked="$root/Pulumi.sandbox.yaml"
  cfg="$root/.state/Pulumi.sandbox.yaml"
  # Where the salt is: the generated file; .state/sandbox.salt or the committed file in a checkout
  # that ran an older pulumi.sh (it kept the salt there between runs).
  salt_of() { if [ -f "$1" ]; then sed -n '/^encryptionsalt:/{p;q}' "$1"; fi; }
  sandbox_config() { # [salt line]: writes $cfg unless it holds that already
    local salt=$1 tmp
    if [ -z "$salt" ]; then salt=$(salt_of "$cfg"); fi
    if [ -z "$salt" ]; then salt=$(salt_of "$root/.state/sandbox.salt"); fi
    if [ -z "$salt" ]; then salt=$(salt_of "$tracked"); fi
    tmp=$(mktemp "$cfg.XXXXXX")
    { if [ -n "$salt" ]; then printf '%s\n' "$salt"; fi; grep -v '^encryptionsalt:' "$tracked"; } > "$tmp"
    if cmp -s "$tmp" "$cfg"; then rm -f -- "$tmp"; else mv -f -- "$tmp" "$cfg"; fi
  }
  sandbox_config ""
  own_config=false
  for a in "$@"; do case "$a" in --config-file | --config-file=*) own_config=true ;; esac; done
  if [ "$own_config" = true ]; then exec pulumi "$@"; fi
  case "${1:-}" in
    up | update | preview | refresh | destroy | import | watch | logs)
      exec pulumi "$@" --config-file "$cfg"
      ;;
    config)
      pulumi "$@" --config-file "$cfg"
      # A change the operator asked for goes to the committed file, without the salt.
      if ! grep -v '^encryptionsalt:' "$cfg" | cmp -s - "$tracked"; then
        tmp=$(mktemp "$tracked.XXXXXX")
        grep -v '^encryptionsalt:' "$cfg" > "$tmp"
        chmod --reference="$tracked" "$tmp"
        mv -f -- "$tmp" "$tracked"
      fi
      exit 0
      ;;
    stack)
      # `stack` commands take no --config-file: they run in a project folder of their own in .state/
      # holding Pulumi.yaml and the generated file, so `stack init` writes the new salt there (and
      # `stack rm` removes that copy, never the committed file). A relative --file is made absolute.
      project="$root/.state/sandbox-project"
      mkdir -p "$project"
      cp -f -- "$root/Pulumi.yaml" "$project/Pulumi.yaml"
      cp -f -- "$cfg" "$project/Pulumi.sandbox.yaml"
      args=()
      prev=""
      for a in "$@"; do
        if [ "$prev" = --file ] && [[ "$a" != /* ]]; then a="$PWD/$a"; fi
        case "$a" in --file=[!/]*) a="--file=$PWD/${a#--file=}" ;; esac
        args+=("$a")
        prev=$a
      done
      status=0
      pulumi "${args[@]}" --cwd "$project" || status=$?
      new_salt=$(salt_of "$project/Pulumi.sandbox.yaml")
      if [ -n "$new_salt" ] && [ "$new_salt" != "$(salt_of "$cfg")" ]; then sandbox_config "$new_salt"; fi
      exit "$status"
      ;;
  esac
  exec pulumi "$@"
fi
exec pulumi "$@"
