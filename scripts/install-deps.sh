#!/usr/bin/env bash
# Installs every Debian 12 package guestd needs to build, test and benchmark. Idempotent and quick when they are
# already there; the only place the project fetches anything (through apt).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git curl ca-certificates
  libboost1.81-dev libboost-json1.81-dev libboost-system1.81-dev
  libsodium-dev libsqlite3-dev sqlite3 libcli11-dev libzxcvbn-dev libzxcvbn0 libcurl4-openssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  wrk
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
