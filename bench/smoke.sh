#!/usr/bin/env bash
# A first smoke benchmark: token-authenticated reads and logins against a release guestd on loopback, each
# reported as a ratio to a floor measured in the same run (these machines are shared and noisy):
#   reads  / GET /healthz on the same server (the HTTP floor of guestd itself)
#   logins / raw argon2id verifications per second on every core (the hashing floor, bench_hash)
# Usage: bench/smoke.sh [seconds per scenario, default 10]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
guests=200
accounts=40

. bench/lib.sh
bench_build guestd bench_hash
# A merchant, a partner, and guests with bookings; some of them with accounts.
bench_server

batch=""
for i in $(seq 1 "$guests"); do
  batch+="{\"reference\":\"B$i\",\"status\":\"valid\",\"arrival\":\"2026-0$((i % 9 + 1))-10\",\"departure\":\"2026-0$((i % 9 + 1))-12\",\"totalamount\":\"$i\",\"rooms\":[{\"name\":\"Double\",\"number\":$i}],\"customer\":{\"reference\":\"C$i\",\"firstname\":\"Guest\",\"lastname\":\"N$i\",\"email\":\"guest$i@example.com\"}},"
  if (( i % 100 == 0 )); then
    curl -sf -H "$auth" -H 'Content-Type: application/json' -d "{\"bookings\":[${batch%,}]}" "$base/api/xp-store-bookings/bookings" >/dev/null
    batch=""
  fi
done
tokens=""
for i in $(seq 1 "$accounts"); do
  body="{\"email\":\"guest$i@example.com\",\"password\":\"bench passphrase $i\"}"
  curl -sf -H "$auth" -H 'Content-Type: application/json' -d "$body" "$base/api/xp-guest-account/update-password" >/dev/null
  tokens+="\"$(curl -sf -H "$auth" -H 'Content-Type: application/json' -d "$body" "$base/api/xp-guest-account/login" | field token)\","
done

# wrk scripts: each picks a random guest per request and prints one RESULT line.
report='done = function(s, latency)
  local e = s.errors
  io.write(string.format("RESULT %.1f %.3f %.3f %d\n", s.requests / (s.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, e.status + e.connect + e.read + e.write + e.timeout))
end'
cat >"$work/read.lua" <<LUA
local tokens = {${tokens%,}}
local path = os.getenv("BENCH_PATH")
request = function()
  return wrk.format("GET", path, {["Authorization"] = "Bearer $partner:$hotel", ["x-guest-token"] = tokens[math.random(#tokens)]})
end
$report
LUA
cat >"$work/login.lua" <<LUA
request = function()
  local i = math.random($accounts)
  return wrk.format("POST", "/api/xp-guest-account/login",
    {["Authorization"] = "Bearer $partner:$hotel", ["Content-Type"] = "application/json"},
    string.format('{"email":"guest%d@example.com","password":"bench passphrase %d"}', i, i))
end
$report
LUA
cat >"$work/plain.lua" <<LUA
$report
LUA

run() {  # name connections script [path]
  BENCH_PATH=${4:-} wrk -t2 -c"$2" -d"${duration}s" -s "$work/$3" "$base${4:-/healthz}" | grep '^RESULT' | sed "s/^RESULT/$1/"
}
results="$work/results"
{
  run healthz 32 plain.lua /healthz
  run guest-informations 32 read.lua /api/xp-guest-account/guest-informations
  run guest-reservations 32 read.lua /api/xp-guest-account/guest-reservations
  run login 8 login.lua
} >"$results"

hash_floor=$(build/bench/bench/bench_hash --benchmark_filter='^argon2id_verify/' --benchmark_min_time=2 \
    --benchmark_format=json 2>/dev/null |
  grep '"items_per_second"' | tail -1 | awk -F': ' '{print $2}' | tr -d ',')

floor=$(awk '$1 == "healthz" {print $2}' "$results")
echo
echo "guestd smoke benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, ${duration}s per scenario"
printf '%-20s %12s %10s %10s %8s %s\n' scenario "requests/s" "p50 ms" "p99 ms" errors "ratio to floor"
awk -v floor="$floor" -v hf="$hash_floor" '{
  ratio = ($1 == "login") ? sprintf("%.2f of argon2id floor (%.1f verifications/s)", $2 / hf, hf) \
        : ($1 == "healthz") ? "floor" : sprintf("%.2f of /healthz", $2 / floor)
  printf "%-20s %12.1f %10.3f %10.3f %8d %s\n", $1, $2, $3, $4, $5, ratio
}' "$results"
