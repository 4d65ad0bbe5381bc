#!/usr/bin/env bash
# Instructions per token-authenticated read, under callgrind: the figure that compares across runs on a noisy
# machine (it leaves out the kernel's share, which the wrk benchmarks include).
# Usage: bench/read_instructions.sh [requests, default 1000] [path, default /api/xp-guest-account/guest-informations]
# A release guestd (GUESTD=path to measure another binary) on a fresh database with one booked guest who has an
# account and a session answers `requests` and then 5 x `requests` GETs on one keep-alive curl connection; the
# difference of the two totals over 4 x `requests` is the cost of one request, with start-up and shutdown gone.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000}
path=${2:-/api/xp-guest-account/guest-informations}
if [ -z "${GUESTD:-}" ]; then
  if [ -z "${CI:-}" ]; then scripts/install-deps.sh >/dev/null; fi
  cmake -S . -B build/bench-rel -G Ninja -DCMAKE_BUILD_TYPE=Release -DGUESTD_BUILD_TESTS=OFF -DGUESTD_BUILD_BENCH=ON >/dev/null
  cmake --build build/bench-rel --target guestd >/dev/null
fi
guestd=${GUESTD:-build/bench-rel/src/cli/guestd}
work=$(mktemp -d)
server=
cleanup() { [ -z "$server" ] || kill "$server" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
field() { grep -o "\"$1\":\"[^\"]*\"" | cut -d'"' -f4; }

db=$work/guestd.db
hotel=$("$guestd" merchant add --db "$db" --id 1 --name Hotel | field hotel_token)
partner=$("$guestd" partner add --db "$db" --name Partner --merchant 1 | field partner_token)
auth="Authorization: Bearer $partner:$hotel"
start() {
  "$@" serve --db "$db" --listen 127.0.0.1:0 --log-level warn --mail-spool "$work/mail" >"$work/out" 2>"$work/err" &
  server=$!
  for _ in $(seq 600); do grep -q "listening on" "$work/out" 2>/dev/null && break; sleep 0.1; done
  base=$(head -1 "$work/out" | sed 's/.*listening on //')
}
stop() { kill "$server"; wait "$server" || true; server=; }

# The guest: a booking, a password, a login for the token.
start "$guestd"
json='Content-Type: application/json'
curl -sf -H "$auth" -H "$json" "$base/api/xp-store-bookings/bookings" -d '{"bookings":[{"reference":"B1",
  "status":"valid","arrival":"2026-01-10","departure":"2026-01-12","totalamount":"1","rooms":[{"name":"Double",
  "number":1}],"customer":{"reference":"C1","firstname":"G","lastname":"N","email":"g1@example.com"}}]}' >/dev/null
login='{"email":"g1@example.com","password":"bench passphrase 1"}'
curl -sf -H "$auth" -H "$json" -d "$login" "$base/api/xp-guest-account/update-password" >/dev/null
token=$(curl -sf -H "$auth" -H "$json" -d "$login" "$base/api/xp-guest-account/login" | field token)
stop

# Total instructions of a server that answered `count` reads.
instructions() {
  start valgrind --tool=callgrind --callgrind-out-file="$work/cg.$1" "$guestd"
  local urls=()
  for _ in $(seq "$1"); do urls+=("$base$path"); done
  curl -s -w '%{stderr}%{http_code}\n' -H "$auth" -H "x-guest-token: $token" "${urls[@]}" >/dev/null 2>"$work/codes"
  local codes
  codes=$(sort -u "$work/codes" | tr '\n' ' ')
  [ "$codes" = "200 " ] || { echo "expected only 200s, got: $codes" >&2; exit 1; }
  stop
  grep -h "^summary:\|^totals:" "$work"/cg."$1"* | head -1 | awk '{print $2}'
}
a=$(instructions "$n")
b=$(instructions $((5 * n)))
echo "$path: $(( (b - a) / (4 * n) )) instructions per request ($a at $n requests, $b at $((5 * n)))"
