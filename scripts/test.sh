#!/usr/bin/env bash
# The test command: typecheck, lint, unit tests, then end-to-end tests with the real Pulumi CLI
# against sandbox hosts. Ends with one summary line "N passed, N failed".
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
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
step "unit tests"; npx vitest run --project unit --reporter=default --reporter=json --outputFile.json="$results/unit.json" || failed_steps+=(unit)
if [ "${HOSTFORM_SKIP_E2E:-}" = 1 ]; then
  echo "== e2e tests skipped (HOSTFORM_SKIP_E2E=1)"
else
  step "e2e tests (real Pulumi CLI, sandbox hosts)"
  HOSTFORM_E2E_TIMINGS="$results/timings" npx vitest run --project e2e --reporter=default --reporter=json --outputFile.json="$results/e2e.json" || failed_steps+=(e2e)
  step_done; step_name=""
  if [ -f "$results/e2e.json" ]; then
    echo; echo "== e2e timings (seconds per file; own steps = wall - host start - first converge)"
    npx tsx scripts/e2e-timings.ts "$results/e2e.json" "$results/timings" || echo "(no timing table: see above)"
  fi
fi
step_done
echo; echo "== time per step"; printf '  %s\n' "${step_times[@]}"

node -e '
const fs = require("fs");
let passed = 0, failed = 0, skipped = 0;
for (const f of fs.readdirSync(process.argv[1]).filter((n) => n.endsWith(".json"))) {
  const r = JSON.parse(fs.readFileSync(`${process.argv[1]}/${f}`, "utf8"));
  passed += r.numPassedTests; failed += r.numFailedTests; skipped += r.numPendingTests + (r.numTodoTests ?? 0);
}
const steps = process.argv[2] ? process.argv[2].split(" ") : [];
if (steps.length) console.log(`\nfailed steps: ${steps.join(", ")}`);
console.log(`\n${passed} passed, ${failed + steps.filter((s) => ["typecheck", "lint", "actionlint"].includes(s)).length} failed, ${skipped} skipped`);
' "$results" "${failed_steps[*]:-}"
[ ${#failed_steps[@]} -eq 0 ]
