#!/usr/bin/env bash
# The sanitizer stage of scripts/test.sh (issue #6); it can also run alone:
#   scripts/sanitize-test.sh         both parts below
#   scripts/sanitize-test.sh asan    the WHOLE test suite under AddressSanitizer + LeakSanitizer + UBSan (asan preset)
#   scripts/sanitize-test.sh tsan    the concurrency-heavy suites under ThreadSanitizer (tsan preset)
# The integration suites start the real guestd as a child process, built with the same sanitizer. Every sanitizer
# writes its reports to files (log_path) under build/<preset>/sanitizer-reports/, in the test binaries and in every
# guestd they start, so a report from a server that its test then kills, or whose stderr nobody reads, still fails
# the stage: any report file there fails it, and is printed. Exits non-zero on any failure.
set -euo pipefail
# (The parts run as `part || overall=1`, where set -e does not reach inside them: each step says `|| return 1`.)
cd "$(dirname "$0")/.."
root=$PWD
jobs=${GUESTD_SANITIZE_JOBS:-2}
parts=${1:-asan tsan}

stage() { printf '\n==> %s (%s)\n' "$1" "$(date -u +%H:%M:%S)"; }

# A fresh, empty report directory for one part.
report_dir() {
  local dir=$root/build/$1/sanitizer-reports
  rm -rf "$dir"
  mkdir -p "$dir"
  printf '%s' "$dir"
}

# Prints every report file in $1 and fails when there is one.
check_reports() {
  local files=()
  mapfile -t files < <(find "$1" -type f | sort)
  if ((${#files[@]} == 0)); then
    echo "no sanitizer reports in $1"
    return 0
  fi
  echo "${#files[@]} sanitizer report(s) in $1:"
  local f
  for f in "${files[@]}"; do
    printf '\n----- %s\n' "$f"
    cat "$f"
  done
  return 1
}

# Runs ctest for a preset with the given extra arguments, then checks the reports; fails if either fails.
run_suite() {
  local preset=$1 reports=$2
  shift 2
  local status=0
  ctest --preset "$preset" --output-on-failure -j"$jobs" "$@" || status=$?
  check_reports "$reports" || status=1
  return "$status"
}

# One test is about timing rather than memory or threads: Import.RunsWhileTheServerServesAndCorruptsNothing wants
# no 503 from the API while `guestd import` commits batches of 500. On PostgreSQL a batch holds its locks until it
# commits; at a sanitizer's slowdown on a loaded machine a batch outlasts the 5 s lock_timeout, so an API write
# times out (a transient 503, which is the designed answer). integration.import.postgres therefore runs on its own
# without that one test; it runs under both sanitizers on SQLite (integration.import).
timing_only_pg=Import.RunsWhileTheServerServesAndCorruptsNothing
run_import_pg() {
  local preset=$1 reports=$2
  GTEST_FILTER="-$timing_only_pg" run_suite "$preset" "$reports" --timeout 900 -R '^integration\.import\.postgres$'
}

# ---- AddressSanitizer + LeakSanitizer + UndefinedBehaviorSanitizer: the whole suite -----------------------------
# Excluded: the one timing test above, and the label `failover` (tests/failover: a pg_auto_failover formation
# killed twice under load, bounded to a few minutes at full speed; it runs in the ci preset only, and tests the
# PostgreSQL side rather than guestd's memory: the code it drives runs under the sanitizers in the contract and
# multi-node suites). The browser suite runs too (Chromium and node are not
# instrumented and ignore these options; the guestd they drive is).
asan_part() {
  local start=$SECONDS
  stage "asan: configure and build (AddressSanitizer + UBSan, Debug at -O1)"
  cmake --preset asan || return 1
  cmake --build --preset asan --parallel "$jobs" || return 1
  local built=$SECONDS
  local reports
  reports=$(report_dir asan) || return 1
  stage "asan: the whole test suite"
  # detect_stack_use_after_return: returned stack frames live on a fake stack, so a use after return is caught.
  # strict_string_checks: a string function's argument must be terminated even past what it reads.
  # check_initialization_order/strict_init_order: static initialisers that read another TU's globals.
  # LSan runs at every exit (detect_leaks); UBSan aborts on the first finding (the build also has
  # -fno-sanitize-recover=undefined) with a stack.
  local status=0
  ASAN_OPTIONS="detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1:halt_on_error=1:log_path=$reports/asan" \
  LSAN_OPTIONS="suppressions=$root/tests/sanitizers/lsan.supp:print_suppressions=0" \
  UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$reports/ubsan:suppressions=$root/tests/sanitizers/ubsan.supp" \
    run_suite asan "$reports" --timeout 900 -E '^integration\.import\.postgres$' -LE '^failover$' || status=$?
  ASAN_OPTIONS="detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1:halt_on_error=1:log_path=$reports/asan" \
  LSAN_OPTIONS="suppressions=$root/tests/sanitizers/lsan.supp:print_suppressions=0" \
  UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$reports/ubsan:suppressions=$root/tests/sanitizers/ubsan.supp" \
    run_import_pg asan "$reports" || status=$?
  echo "asan part: build $((built - start)) s, tests $((SECONDS - built)) s, total $((SECONDS - start)) s"
  return "$status"
}

# ---- ThreadSanitizer: the concurrency-heavy suites ----------------------------------------------------------------
# The HTTP server and its pools, the mail worker, the bounded pool, the importer's reader thread, both store
# backends' contract suites, and the integration suites that drive a multi-threaded guestd (its own build is the
# TSan one, so races in the server are found) on SQLite and PostgreSQL.
# Not here yet: multinode.haproxy. TSan found a race in its SIGKILL test's own counter (now atomic); whether the
# suite fits its 280 s bound at TSan's speed is not measured yet, so add `|multinode\.` once it is.
# integration.import.postgres runs apart, without its one timing test (run_import_pg above).
tsan_tests='^(unit\.http\.|unit\.mail\.|integration\.mail\.|unit\.core\.bounded_pool$|unit\.import\.importer$|contract\.|integration\.(experience|smtp|hostile)(\.postgres)?$|integration\.import$)'

tsan_part() {
  local start=$SECONDS
  stage "tsan: configure and build the concurrency-heavy suites (ThreadSanitizer, RelWithDebInfo)"
  cmake --preset tsan || return 1
  # Build only guestd and the test executables the selected tests run: a test's own target when it has one
  # (contract.postgres does), else, for a .postgres variant, its SQLite twin's; fixture scripts have none.
  local targets=(guestd) name target candidate
  local all_targets
  all_targets=$(ninja -C build/tsan -t targets all | cut -d: -f1) || return 1
  while read -r name; do
    target=""
    for candidate in "test_${name//./_}" "test_$(tr . _ <<<"${name%.postgres}")"; do
      if grep -qx "$candidate" <<<"$all_targets"; then target=$candidate; break; fi
    done
    if [ -n "$target" ] && [[ " ${targets[*]} " != *" $target "* ]]; then
      targets+=("$target")
    fi
  done < <(ctest --test-dir build/tsan -N -R "$tsan_tests" | sed -n 's/^ *Test *#[0-9]*: //p')
  cmake --build --preset tsan --parallel "$jobs" --target "${targets[@]}" || return 1
  local built=$SECONDS
  local reports
  reports=$(report_dir tsan) || return 1
  stage "tsan: ${#targets[@]} targets' suites"
  local status=0
  TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:log_path=$reports/tsan:suppressions=$root/tests/sanitizers/tsan.supp" \
    run_suite tsan "$reports" --timeout 900 -R "$tsan_tests" || status=$?
  TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:log_path=$reports/tsan:suppressions=$root/tests/sanitizers/tsan.supp" \
    run_import_pg tsan "$reports" || status=$?
  echo "tsan part: build $((built - start)) s, tests $((SECONDS - built)) s, total $((SECONDS - start)) s"
  return "$status"
}

overall=0
for part in $parts; do
  case $part in
    asan) asan_part || overall=1 ;;
    tsan) tsan_part || overall=1 ;;
    *) echo "usage: $0 [asan|tsan]" >&2; exit 2 ;;
  esac
done
exit "$overall"
