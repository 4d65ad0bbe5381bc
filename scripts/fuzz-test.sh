#!/usr/bin/env bash
# Bounded fuzzing (issue #6): builds the libFuzzer targets with clang (the `fuzz` preset: ASan and UBSan on the
# targets and every guestd library they link), then runs each one for GUESTD_FUZZ_SECONDS (60 by default) on a
# copy of its checked-in corpus plus its regression inputs, so nothing under fuzz/ changes. Fails on any crash,
# leak, timeout or broken invariant and prints where the reproducer is; fuzz/README.md says how to turn it into a
# regression test.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${GUESTD_FUZZ_SECONDS:-60}
targets=(fuzz_request fuzz_json_validate fuzz_import_reader)
artifacts=build/fuzz/artifacts

cmake --preset fuzz >/dev/null
# Only the targets and what they link, not the whole project.
cmake --build --preset fuzz --target fuzz_targets -- -j"$(nproc)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
for t in "${targets[@]}"; do
  cp -r "fuzz/corpus/$t" "$work/$t"
  dirs=("$work/$t")
  [ -d "fuzz/regressions/$t" ] && dirs+=("fuzz/regressions/$t")
  rm -rf "${artifacts:?}/$t" && mkdir -p "$artifacts/$t"
  log="$artifacts/$t/fuzz.log"
  printf '%s: fuzzing for %ss\n' "$t" "$seconds"
  if "build/fuzz/fuzz/$t" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -max_len=8192 \
      -dict="fuzz/$t.dict" -artifact_prefix="$artifacts/$t/" -print_final_stats=1 "${dirs[@]}" >"$log" 2>&1; then
    # The closing status line: runs, coverage, features, corpus size, executions per second.
    grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1 || true
  else
    failed=1
    echo "FAILED: $t (log: $log)"
    grep -E 'ERROR|SUMMARY|broken invariant|^==' "$log" | head -20 || true
    for a in "$artifacts/$t"/crash-* "$artifacts/$t"/leak-* "$artifacts/$t"/timeout-* "$artifacts/$t"/oom-*; do
      if [ -e "$a" ]; then echo "reproducer: $a (replay: build/fuzz/fuzz/$t $a)"; fi
    done
  fi
done

if [ "$failed" -ne 0 ]; then
  echo "fuzzing found a problem; see fuzz/README.md"
  exit 1
fi
echo "fuzzing: no crash in ${#targets[@]} targets (${seconds}s each)"
