#!/usr/bin/env bash
# README command 2: install what is missing, build everything, run the whole test suite (unit, contract,
# integration on SQLite and PostgreSQL, multi-node, crash, attack, browser), then build the Debian package, install
# it, run it as the service would, and purge it; then the sanitizer runs and the bounded fuzzing runs.
# Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

stage() { printf '\n==> %s (%s)\n' "$1" "$(date -u +%H:%M:%S)"; }

stage "dependencies"
scripts/install-deps.sh

stage "build and test (ci preset)"
cmake --preset ci
cmake --build --preset ci
ctest --preset ci --output-on-failure --timeout 900 -j2

stage "Debian package"
scripts/package-test.sh

# Each further stage is its own script, so it can also be run alone.
for extra in scripts/sanitize-test.sh scripts/fuzz-test.sh; do
  if [ -x "$extra" ]; then
    stage "$extra"
    "$extra"
  fi
done
stage "all passed"
