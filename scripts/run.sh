#!/usr/bin/env bash
# README command 1: install what is missing, build a release binary, start guestd with a demo merchant and
# partner on the embedded SQLite default (./guestd.db). Extra arguments go to `guestd serve`.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target guestd
exec build/release/src/cli/guestd serve --demo "$@"
