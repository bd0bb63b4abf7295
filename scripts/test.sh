#!/usr/bin/env bash
# The test command: typecheck, lint, unit tests, then end-to-end tests with the real Pulumi CLI
# against sandbox hosts. Ends with one summary line "N passed, N failed".
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
# The suite runs on Node.js 24 (installed into .toolchain/ where the machine's node is 20), or on
# the machine's own node when that is 22 or 24 (scripts/use-node.sh).
# shellcheck source=scripts/use-node.sh
source scripts/use-node.sh || exit 1
echo "== Node.js $(node --version)"
# On a fresh clone `npm test` sets up what it needs first (the same script `npm run demo` and CI call).
if [ ! -d node_modules ] || [ ! -x .toolchain/bin/pulumi ] || [ ! -x .toolchain/bin/actionlint ]; then bash scripts/setup.sh; fi
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
failed_steps=()

# Each step's wall seconds, printed with the summary (where a run's time goes).
step_times=()
step_started=$SECONDS
step_name=""
step_done() { [ -z "$step_name" ] || step_times+=("$step_name $((SECONDS - step_started)) s"); }
step() { step_done; step_name=$1; step_started=$SECONDS; echo; echo "== $1"; }
step "typecheck"; npx tsc --noEmit -p . || failed_steps+=(typecheck)
step "lint"; npx eslint . || failed_steps+=(lint)
step "workflows (actionlint)"; .toolchain/bin/actionlint -no-color || failed_steps+=(actionlint)
# The Go provider's own tests (toolchain/provider: exact-text scripts, host-key pinning against an
# in-process SSH server); a few seconds with the build cache setup warmed.
if ! command -v go >/dev/null && [ -x /usr/local/go/bin/go ]; then export PATH="/usr/local/go/bin:$PATH"; fi
step "go tests (toolchain/provider)"
(cd toolchain/provider && unformatted=$(gofmt -l .) && { [ -z "$unformatted" ] || { echo "not gofmt-formatted: $unformatted"; false; }; } && go test ./...) || failed_steps+=(go-test)
step "unit tests"; npx vitest run --project unit --reporter=default --reporter=json --outputFile.json="$results/unit.json" || failed_steps+=(unit)
if [ "${HOSTFORM_SKIP_E2E:-}" = 1 ]; then
  echo "== e2e tests skipped (HOSTFORM_SKIP_E2E=1)"
else
  step "e2e tests (real Pulumi CLI, sandbox hosts)"
  e2e_rc=0
  HOSTFORM_E2E_TIMINGS="$results/timings" npx vitest run --project e2e --reporter=default --reporter=json --outputFile.json="$results/e2e.json" || e2e_rc=$?
  step_done; step_name=""
  # A file that failed runs once more, alone, with fresh hosts (at most 3 files: scripts/test/retry.ts).
  # What passes then is counted as passed and named as flaky in the summary; what fails again fails.
  if [ "$e2e_rc" -ne 0 ] && [ -f "$results/e2e.json" ]; then
    mapfile -t again < <(npx tsx scripts/test-retry.ts "$results/e2e.json")
    if [ ${#again[@]} -gt 0 ]; then
      step "e2e files that failed, run again alone: ${again[*]}"
      mkdir -p "$results/retry"
      e2e_rc=0; i=0
      for f in "${again[@]}"; do
        i=$((i + 1))
        HOSTFORM_E2E_FILES=1 npx vitest run --project e2e "$f" --reporter=default --reporter=json --outputFile.json="$results/retry/$i.json" || e2e_rc=1
      done
      step_done; step_name=""
    fi
  fi
  [ "$e2e_rc" -eq 0 ] || failed_steps+=(e2e)
  if [ -f "$results/e2e.json" ]; then
    echo; echo "== e2e timings (seconds per file; own steps = wall - host start - first converge)"
    npx tsx scripts/e2e-timings.ts "$results/e2e.json" "$results/timings" || echo "(no timing table: see above)"
  fi
fi
step_done
echo; echo "== time per step"; printf '  %s\n' "${step_times[@]}"

npx tsx scripts/test-summary.ts "$results" ${failed_steps[@]+"${failed_steps[@]}"}
[ ${#failed_steps[@]} -eq 0 ]
