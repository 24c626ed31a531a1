#!/usr/bin/env bash
# The valgrind memcheck job (issue 16), on a named subset because memcheck is ~20x
# slower: every C unit test, every fuzz-corpus replay, and the black-box API tests in
# VALGRIND_API_TESTS against a naapd (master and workers) running under memcheck.
# Any memcheck error or definite leak fails it.
#
#   tests/valgrind/run.sh BUILD_DIR          (a normal, non-sanitizer build)
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PROJECT=$(cd "$HERE/../.." && pwd)
BUILD=$(cd "${1:-$PROJECT/build}" && pwd)
VALGRIND_API_TESTS=${VALGRIND_API_TESTS:-"api/test_health.py"}
VG=(valgrind --quiet --error-exitcode=99 --leak-check=full --show-leak-kinds=definite
    --errors-for-leak-kinds=definite --num-callers=30)
failed=0 passed=0

run() { # NAME COMMAND...
  local name=$1
  shift
  if "$@" >"$BUILD/valgrind-$name.log" 2>&1; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "valgrind: $name FAILED"
    tail -n 60 "$BUILD/valgrind-$name.log"
  fi
}

for t in "$BUILD"/tests/test_*; do
  [ -x "$t" ] && run "unit.$(basename "$t")" "${VG[@]}" "$t"
done
for t in "$BUILD"/tests/fuzz/fuzz_*; do
  [ -x "$t" ] && run "fuzz.$(basename "$t")" "${VG[@]}" "$t" "$PROJECT/tests/fuzz/corpus/$(basename "$t")"
done

# API tests: their own shared stores (the fixture of the ctest run may be gone)
state=$(mktemp -d "${TMPDIR:-/tmp}/naapd-vg-XXXXXX")
python3 "$PROJECT/tests/harness/stores.py" start "$state" >/dev/null || exit 1
for t in $VALGRIND_API_TESTS; do
  run "api.$(basename "$t" .py)" env NAAPD_BIN="$HERE/naapd-valgrind" \
    REAL_NAAPD_BIN="$BUILD/naapd" NAAPD_TEST_STATE="$state" NAAPD_START_TIMEOUT=60 \
    PYTHONDONTWRITEBYTECODE=1 python3 "$PROJECT/tests/$t" -v
done
python3 "$PROJECT/tests/harness/stores.py" stop "$state" >/dev/null
rm -rf "$state"
echo "valgrind: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
