#!/usr/bin/env bash
# Runs the browser-driven tests N times in a row beside CPU hogs and prints,
# for each test that failed at least once, how often and the first line of
# each failure. Not part of `make test`: a flaky test shows here before CI.
#
#   tests/stress.sh [N] [HOGS] [pytest args...]
#
# N runs (default 3), HOGS busy processes beside them (default 2, one per core
# here). The site tests read the book already built in _build/html (`make
# book` first); the Jupyter server and Chromium start afresh in every run.
# Extra arguments replace the default selection of test files, e.g.
#   tests/stress.sh 10 2 tests/test_jupyterlab.py
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${1:-3}
hogs=${2:-2}
shift $(( $# > 2 ? 2 : $# ))
selection=("$@")
if ((${#selection[@]} == 0)); then
  selection=(tests/test_jupyterlab.py tests/test_live_code.py tests/test_explorer_browser.py
             tests/test_a11y.py tests/test_browser.py tests/test_subpath.py)
fi
[ -f _build/html/index.html ] || { echo "stress.sh: no built book: run 'make book' first" >&2; exit 2; }

out=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; rm -rf "$out"' EXIT
for ((h = 0; h < hogs; h++)); do
  python3 -c "while True: pass" & pids+=($!)
done

for ((i = 1; i <= runs; i++)); do
  start=$SECONDS
  status=0
  JACOBIAN_BOOK_HTML="$PWD/_build/html" JACOBIAN_REQUIRE_BROWSER=1 \
    .venv/bin/python -m pytest "${selection[@]}" -q -p no:cacheprovider -n 0 \
    > "$out/run-$i.log" 2>&1 || status=$?
  echo "run $i of $runs: exit $status in $((SECONDS - start)) s ($(tail -1 "$out/run-$i.log"))"
  # pytest -ra (pyproject.toml) ends with a line per failure: "FAILED <test> - <message>".
  if ((status != 0)) && ! grep -q '^\(FAILED\|ERROR\) ' "$out/run-$i.log"; then
    echo "FAILED (run $i did not finish: its last lines are above)" >> "$out/run-$i.log"
  fi
done

failures=$(cd "$out" && grep -H '^\(FAILED\|ERROR\) ' run-*.log | cut -c1-200) || {
  echo "no test failed in $runs runs"; exit 0; }
echo "$failures" | sed 's/^[^:]*://; s/ - .*//' | sort | uniq -c | sort -rn
echo "$failures" | sed 's/^run-\([0-9]*\)\.log:/    run \1: /'
exit 1
