#!/usr/bin/env bash
# README command 2: install what is missing, build everything, run the whole test suite (unit, contract,
# integration, browser), then build the Debian package, install it, run it as the service would, and purge it.
# Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake --preset ci
cmake --build --preset ci
ctest --preset ci --output-on-failure --timeout 900 -j2
scripts/package-test.sh
