#!/usr/bin/env bash
# One command on a fresh machine: install what is missing, start the sandbox hosts, converge them
# with `pulumi up --stack sandbox`. Run it again: nothing changes.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
say() { printf '\n[demo] %s\n' "$*"; }
# The sandbox stack reads its hosts from .sandbox/inventory.json (Pulumi.sandbox.yaml's
# hostform:inventoryFile): a sandbox kept elsewhere (HOSTFORM_SANDBOX_DIR, the tests' knob) would
# start hosts the stack never sees.
if [ -n "${HOSTFORM_SANDBOX_DIR:-}" ] && [ "$(readlink -m "$HOSTFORM_SANDBOX_DIR")" != "$root/.sandbox" ]; then
  echo "[demo] HOSTFORM_SANDBOX_DIR=$HOSTFORM_SANDBOX_DIR: the demo's stack reads .sandbox/inventory.json (Pulumi.sandbox.yaml); unset HOSTFORM_SANDBOX_DIR and run it again" >&2
  exit 2
fi

say "1/3 setup (Debian packages, npm packages, Pulumi toolchain)"
bash scripts/setup.sh
# shellcheck source=scripts/use-node.sh
source scripts/use-node.sh

say "2/3 sandbox hosts"
npx tsx scripts/sandbox.ts up

# New sandbox hosts (fresh machines, fresh host keys) make the old sandbox state meaningless:
# start the stack over rather than refresh against hosts that no longer exist.
generation=$(node -e 'const i=require("./.sandbox/inventory.json");console.log(Object.values(i.hosts).map(h=>h.hostPublicKey).sort().join(","))' | sha256sum | cut -c1-16)
pulumi() { bash scripts/pulumi.sh "$@"; }
if [ "$(cat .state/sandbox.generation 2>/dev/null || :)" != "$generation" ]; then
  if pulumi stack select --stack sandbox >/dev/null 2>&1; then
    pulumi stack rm --stack sandbox --force --yes --preserve-config >/dev/null
  fi
fi
pulumi stack select --stack sandbox 2>/dev/null || pulumi stack init --stack sandbox >/dev/null
echo "$generation" > .state/sandbox.generation

# The Flatlogic host pulls its apps from a git repository: the stand-in apps, published once.
if ! npx tsx scripts/sandbox.ts exec flatlogic -- test -d /srv/git/flatlogic.git 2>/dev/null; then
  npx tsx scripts/sandbox-publish.ts flatlogic test/fixtures/flatlogic-app /srv/git/flatlogic.git >/dev/null
fi

if ! npx tsx scripts/sandbox.ts exec duel -- test -d /srv/git/duel.git 2>/dev/null; then
  npx tsx scripts/sandbox-publish.ts duel test/fixtures/duel-app /srv/git/duel.git >/dev/null
fi
if ! npx tsx scripts/sandbox.ts exec metahuman -- test -d /srv/git/metahuman.git 2>/dev/null; then
  npx tsx scripts/sandbox-publish.ts metahuman test/fixtures/metahuman-app /srv/git/metahuman.git >/dev/null
fi
# The duel stack's secrets for the sandbox: generated once, kept beside the sandbox state.
secrets=.state/sandbox-duel-secrets.json
if [ ! -s "$secrets" ]; then
  (umask 077; node -e '
    const r = () => require("crypto").randomBytes(12).toString("hex");
    console.log(JSON.stringify({ DATABASE_URL: `postgresql://hyperscape:${r()}@localhost:5432/hyperscape`, ADMIN_CODE: r(), TWITCH_STREAM_KEY: `live_${r()}` }));
  ' > "$secrets")
fi

say "3/3 pulumi up --stack sandbox"
pulumi up --stack sandbox --yes --refresh --skip-preview
say "done. Try: npm run drift -- --stack sandbox   (exit 0: hosts match the code)"
