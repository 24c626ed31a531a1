#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run):
#
#   deploy/local/test.sh
#
# 1. installs missing Debian packages (install-deps.sh);
# 2. builds into build/ and runs ctest: C unit tests, the API tests against a shared
#    PostgreSQL + Redis (the `stores` fixture, tests/harness/stores.py), fault tests;
# 3. builds with -DNAAPD_SANITIZE=ON (ASan + UBSan) into build-asan/ and runs the same
#    ctest with sanitizer options that make any report fatal (and a leak a report).
# 4. builds the libFuzzer targets with clang into build-fuzz/ and fuzzes each for
#    NAAPD_FUZZ_SECONDS (default 15) from the committed corpus (tests/fuzz/README.md);
# 5. runs the named valgrind memcheck subset on the build/ binaries (tests/valgrind/run.sh).
# All suites run even if one fails; the exit status is non-zero if anything
# failed, and the last line is "N passed, M failed" over both (a build that fails
# counts as one failure).
#
# Environment: NAAPD_SKIP_ASAN=1 skips step 3, NAAPD_SKIP_FUZZ=1 step 4,
# NAAPD_SKIP_VALGRIND=1 step 5 (quicker local runs; CI never sets them).
# CTEST_ARGS adds ctest arguments (e.g. CTEST_ARGS="-R api" to run a subset).
set -uo pipefail

PROJECT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$PROJECT" || exit 1

deploy/local/install-deps.sh || exit 1

JOBS=$(nproc)
PASSED=0
FAILED=0

# run_suite NAME BUILD_DIR [cmake args...]: configure, build, ctest; add to the totals.
# CC in the environment picks the compiler of a fresh build directory.
run_suite() {
  local name=$1 dir=$2 log
  shift 2
  echo "==== $name: build ($dir) ===="
  if ! cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" ||
     ! cmake --build "$dir" -j"$JOBS"; then
    echo "==== $name: BUILD FAILED ===="
    FAILED=$((FAILED + 1))
    return
  fi
  echo "==== $name: ctest ===="
  log=$dir/ctest-output.log
  # --timeout only applies to tests without their own TIMEOUT property;
  # --no-tests=error: a suite that registered no test is a failure, not a pass.
  # shellcheck disable=SC2086
  ctest --test-dir "$dir" --output-on-failure -j2 --timeout 600 --no-tests=error \
    ${CTEST_ARGS:-} 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  # ctest's summary: "NN% tests passed, F tests failed out of T"
  local summary total failed
  summary=$(grep -Eo '[0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1)
  if [ -n "$summary" ]; then
    failed=$(echo "$summary" | awk '{print $1}')
    total=$(echo "$summary" | awk '{print $NF}')
    PASSED=$((PASSED + total - failed))
    FAILED=$((FAILED + failed))
    if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then FAILED=$((FAILED + 1)); fi
  elif [ "$rc" -ne 0 ]; then
    FAILED=$((FAILED + 1))
  fi
  echo "==== $name: ctest exit status $rc ===="
}

run_suite "normal" build

if [ "${NAAPD_SKIP_ASAN:-0}" != 1 ]; then
  # Any sanitizer report aborts the process; leaks at exit are reports. The test harness
  # (tests/harness/naaptest.py) also fails a test whose naapd log holds a report, since
  # a master may restart a worker that aborted.
  export ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_leaks=1:print_stacktrace=1:disable_coredump=1
  export UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1
  if [ -f tests/lsan.supp ]; then
    # Only for leaks inside system libraries that we cannot fix, each one explained there.
    export LSAN_OPTIONS=suppressions=$PROJECT/tests/lsan.supp:print_suppressions=0
  fi
  run_suite "sanitizers (ASan+UBSan)" build-asan -DNAAPD_SANITIZE=ON
fi

if [ "${NAAPD_SKIP_FUZZ:-0}" != 1 ]; then
  # Only fuzz.* tests are registered in a NAAPD_FUZZ build; the sanitizer options above
  # (when set) make any report fatal here too.
  CC=clang run_suite "fuzz (libFuzzer, ${NAAPD_FUZZ_SECONDS:-15} s a target)" build-fuzz \
    -DNAAPD_FUZZ=ON -DNAAPD_FUZZ_SECONDS="${NAAPD_FUZZ_SECONDS:-15}"
fi

if [ "${NAAPD_SKIP_VALGRIND:-0}" != 1 ]; then
  echo "==== valgrind memcheck (subset): tests/valgrind/run.sh build ===="
  # the sanitizer options above are meaningless under valgrind; counted as one test
  if env -u ASAN_OPTIONS -u UBSAN_OPTIONS -u LSAN_OPTIONS tests/valgrind/run.sh build; then
    PASSED=$((PASSED + 1))
  else
    FAILED=$((FAILED + 1))
  fi
fi

echo
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
