#!/usr/bin/env bash
# Runs every test of the project (static checks, then vitest across the workspaces) and ends with the
# plain line "N passed, N failed" that sums them. Exits non-zero when anything failed.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
passed=0
failed=0

check() {
  local name=$1
  shift
  echo "== $name: $*"
  if "$@"; then
    passed=$((passed + 1))
  else
    echo "== $name FAILED"
    failed=$((failed + 1))
  fi
}

check typecheck bash -c "tsc -b --pretty && tsc -p tsconfig.test.json --pretty && tsc -p grafana-plugin --pretty"
check lint eslint . --max-warnings=0
check format prettier --check --log-level=warn .

# The browser test loads the plugin's fresh build (grafana-plugin/dist/module.js).
check grafana-plugin-build bash -c "cd grafana-plugin && tsx scripts/build.ts"

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
