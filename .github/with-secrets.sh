#!/usr/bin/env bash
# Runs one Pulumi command of a pipeline with the secrets its step was given: checks that the
# backend and passphrase are set, writes HOSTFORM_SSH_KEY (when set) to the privateKeyPath of the
# stack file for the length of the command only, and keeps the key out of the command's
# environment. Usage: bash .github/with-secrets.sh npm run up -- --stack prod --yes
set -euo pipefail
missing=()
[ -n "${PULUMI_BACKEND_URL:-}" ] || missing+=(PULUMI_BACKEND_URL)
[ -n "${PULUMI_CONFIG_PASSPHRASE:-}" ] || missing+=(PULUMI_CONFIG_PASSPHRASE)
if [ ${#missing[@]} -gt 0 ]; then
  echo "::error title=hostform::secrets not set: ${missing[*]}; they belong to the job's environment (docs/ci.md, One-time setup for CI)" >&2
  exit 1
fi
key=~/.ssh/hostform_ed25519
if [ -n "${HOSTFORM_SSH_KEY:-}" ]; then
  install -d -m 700 ~/.ssh
  trap 'rm -f -- "$key"' EXIT
  (umask 077 && printf '%s\n' "$HOSTFORM_SSH_KEY" > "$key")
fi
unset HOSTFORM_SSH_KEY
"$@"
