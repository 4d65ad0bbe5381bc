#!/usr/bin/env bash
# Logins of two or more guestd binaries compared in one run, for a change whose effect on logins is smaller than
# this machine's run-to-run noise: each binary serves its own database with 40 accounts, and bench/smoke.sh's login
# scenario (wrk -t2 -c8, SECONDS long) runs against them in turn, ROUNDS times, so that each round's ratio of one
# binary to another is taken under the same load. Each line gives logins/s, p50 and p99 (ms), errors, the server's
# CPU milliseconds per login and how many kept argon2id areas (19 MiB, MADV_DONTDUMP) it holds; bench_hash's floors
# (raw libsodium and guestd's hasher with its memory kept) are measured before and after the rounds.
# Usage: bench/login_ab.sh SECONDS ROUNDS BENCH_HASH GUESTD...
set -euo pipefail
duration=$1; rounds=$2; bench_hash=$3; shift 3
bins=("$@")
accounts=40
field() { grep -o "\"$1\":\"[^\"]*\"" | cut -d'"' -f4; }
work=$(mktemp -d)
pids=()
stop_all() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$work"; }
trap stop_all EXIT
report='done = function(s, latency)
  local e = s.errors
  io.write(string.format("RESULT %.1f %.3f %.3f %d\n", s.requests / (s.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, e.status + e.connect + e.read + e.write + e.timeout))
end'
bases=()
for i in "${!bins[@]}"; do
  bin=${bins[$i]}; db=$work/db$i.db
  hotel=$("$bin" merchant add --db "$db" --id 1 --name H | field hotel_token)
  partner=$("$bin" partner add --db "$db" --name P --merchant 1 | field partner_token)
  "$bin" serve --db "$db" --listen 127.0.0.1:0 --log-level warn --mail-spool "$work/mail$i" >"$work/out$i" 2>"$work/err$i" &
  pids+=($!)
  for _ in $(seq 100); do grep -q "listening on" "$work/out$i" 2>/dev/null && break; sleep 0.1; done
  base=$(head -1 "$work/out$i" | sed 's/.*listening on //'); bases+=("$base")
  auth="Authorization: Bearer $partner:$hotel"
  batch=""
  for g in $(seq 1 $accounts); do
    batch+="{\"reference\":\"B$g\",\"status\":\"valid\",\"arrival\":\"2026-01-10\",\"departure\":\"2026-01-12\",\"totalamount\":\"$g\",\"rooms\":[{\"name\":\"Double\",\"number\":$g}],\"customer\":{\"reference\":\"C$g\",\"firstname\":\"Guest\",\"lastname\":\"N$g\",\"email\":\"guest$g@example.com\"}},"
  done
  curl -sf -H "$auth" -H 'Content-Type: application/json' -d "{\"bookings\":[${batch%,}]}" "$base/api/xp-store-bookings/bookings" >/dev/null
  for g in $(seq 1 $accounts); do
    curl -sf -H "$auth" -H 'Content-Type: application/json' -d "{\"email\":\"guest$g@example.com\",\"password\":\"bench passphrase $g\"}" "$base/api/xp-guest-account/update-password" >/dev/null
  done
  cat >"$work/login$i.lua" <<LUA
request = function()
  local i = math.random($accounts)
  return wrk.format("POST", "/api/xp-guest-account/login",
    {["Authorization"] = "Bearer $partner:$hotel", ["Content-Type"] = "application/json"},
    string.format('{"email":"guest%d@example.com","password":"bench passphrase %d"}', i, i))
end
$report
LUA
done
floor() { "$bench_hash" --benchmark_filter='^argon2id_verify' --benchmark_min_time=2 --benchmark_format=json 2>/dev/null |
  python3 -c 'import json,sys; [print("floor", b["name"], "%.1f/s" % b["items_per_second"], "cpu_ms=%.2f" % (b["cpu_time"] / 1e6)) for b in json.load(sys.stdin)["benchmarks"]]'; }
floor
for r in $(seq 1 "$rounds"); do
  for i in "${!bins[@]}"; do
    t0=$(awk '{print $14 + $15}' /proc/"${pids[$i]}"/stat)
    line=$(wrk -t2 -c8 -d"${duration}s" -s "$work/login$i.lua" "${bases[$i]}" | grep '^RESULT')
    t1=$(awk '{print $14 + $15}' /proc/"${pids[$i]}"/stat)
    rate=$(echo "$line" | awk '{print $2}')
    cpu=$(awk -v a="$t0" -v b="$t1" -v r="$rate" -v d="$duration" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.2f", (b - a) * 1000 / hz / (r * d)}')
    kept=$(python3 -c '
import sys
n = size = 0
for line in open(sys.argv[1]):
    f = line.split()
    if "-" in f[0] and len(f) >= 5 and not f[0].endswith(":"):
        a, b = f[0].split("-"); size = int(b, 16) - int(a, 16)
    elif f[0] == "VmFlags:" and "dd" in f and size == 19922944:
        n += 1
print(n)' /proc/"${pids[$i]}"/smaps)
    echo "login round$r bin$i ${line#RESULT } cpu_ms_per_login=$cpu kept_areas=$kept"
  done
done
floor
