#!/usr/bin/env bash
# Installs every Debian 12 package guestd needs to build, test and benchmark. Idempotent and quick when they are
# already there; the only place the project fetches anything (through apt).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git curl ca-certificates
  libboost1.81-dev libboost-json1.81-dev libboost-system1.81-dev
  libsodium-dev libsqlite3-dev sqlite3 libcli11-dev libzxcvbn-dev libzxcvbn0 libcurl4-openssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libpq-dev postgresql       # the PostgreSQL backend, and the server its tests start (scripts/pg-test-cluster.sh)
  postgresql-15-auto-failover pg-auto-failover-cli  # the failover manager of the multi-node deployment and its test
  wrk time linux-perf        # benchmarks: load generator, peak RSS, profiles
  nginx-light                # the HTTP floor the benchmarks compare with
  haproxy                    # the multi-node test's load balancer
  hydra                      # the credential-stuffing attack test
  devscripts                 # hardening-check, run on the built binary (scripts/hardening-check.sh)
  clang-16 libclang-rt-16-dev libfuzzer-16-dev  # libFuzzer targets (fuzz/)
  python3 python3-aiosmtpd   # a real SMTP server for the mail tests
  chromium nodejs npm        # the browser test: Debian's Chromium driven by playwright-core from npm
)

# Node and npm may come from elsewhere on the image; Debian's are only needed when there are none.
if command -v node >/dev/null && command -v npm >/dev/null; then
  packages=("${packages[@]/nodejs}"); packages=("${packages[@]/npm}")
fi

missing=()
for p in "${packages[@]}"; do
  [ -n "$p" ] || continue
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm packages of the browser test, from package-lock.json (no browser download: Debian's Chromium is used).
browser_dir="$(dirname "$0")/../tests/browser"
if [ -f "$browser_dir/package-lock.json" ] && [ ! -d "$browser_dir/node_modules/playwright-core" ]; then
  (cd "$browser_dir" && npm ci --no-audit --no-fund --silent)
fi
