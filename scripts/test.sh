#!/usr/bin/env bash
# Runs every test of the project (static checks, then vitest across the workspaces) and ends with the
# plain line "N passed, N failed" that sums them. Exits non-zero when anything failed.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
passed=0
failed=0

# The static checks and the plugin's build run side by side (about half the time of one after another on two
# cores), each into its own log, printed in this order once all have ended. tsc -b comes first: the plugin's
# build and the other type checks read what it writes (shared/dist, sidecar/dist).
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
names=()
declare -A pids shown
start() {
  local name=$1 shown_as=$2
  shift 2
  names+=("$name")
  shown[$name]=$shown_as
  "$@" >"$logs/$name" 2>&1 &
  pids[$name]=$!
}
tsc -b --pretty >"$logs/tsc-b" 2>&1
built=$?
start typecheck "tsc -b --pretty && tsc -p tsconfig.test.json --pretty && tsc -p grafana-plugin --pretty" \
  bash -c "cat '$logs/tsc-b' && [ $built -eq 0 ] && tsc -p tsconfig.test.json --pretty && tsc -p grafana-plugin --pretty"
start lint "eslint . --max-warnings=0" eslint . --max-warnings=0
start format "prettier --check --log-level=warn ." prettier --check --log-level=warn .
# The browser test loads the plugin's fresh build (grafana-plugin/dist/module.js).
start grafana-plugin-build "cd grafana-plugin && tsx scripts/build.ts" bash -c "cd grafana-plugin && tsx scripts/build.ts"
for name in "${names[@]}"; do
  wait "${pids[$name]}"
  rc=$?
  echo "== $name: ${shown[$name]}"
  cat "$logs/$name"
  if [ "$rc" -eq 0 ]; then
    passed=$((passed + 1))
  else
    echo "== $name FAILED"
    failed=$((failed + 1))
  fi
done

results=".test-results/vitest.json"
rm -f "$results"
mkdir -p .test-results
echo "== vitest"
vitest run --reporter=default --reporter=json --outputFile.json="$results"
if [ -s "$results" ]; then
  read -r p f < <(node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    // A suite that failed to load, or whose beforeAll failed (its tests then count as skipped), has no
    // failed test but still failed: count it once.
    const broken = r.testResults.filter((s) => s.status === "failed" && !s.assertionResults.some((a) => a.status === "failed")).length;
    console.log(r.numPassedTests, r.numFailedTests + broken);
  ' "$results")
  passed=$((passed + p))
  failed=$((failed + f))
else
  echo "== vitest wrote no results"
  failed=$((failed + 1))
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
