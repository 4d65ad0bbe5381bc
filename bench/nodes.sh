#!/usr/bin/env bash
# guestd on PostgreSQL with one and with two nodes, side by side with SQLite, in one run (these machines are shared
# and noisy: only figures from the same run compare). Token-authenticated GET guest-informations (32 connections)
# and logins (8 connections) with wrk against:
#   sqlite      one node on a SQLite file (the baseline of the ratios)
#   pg-1        one node on PostgreSQL
#   pg-1-proxy  the same node behind haproxy (the proxy's own cost)
#   pg-2-proxy  two nodes on the same PostgreSQL behind haproxy (packaging/haproxy.cfg.example's choices)
# PostgreSQL is a throwaway cluster (scripts/pg-test-cluster.sh) switched back to durable commits (fsync,
# synchronous_commit and full_page_writes on), as SQLite's synchronous=FULL is. Everything, wrk included, shares
# this machine's cores: two nodes add capacity only where there are cores to spare.
# Usage: bench/nodes.sh [seconds per scenario, default 10]
#   GUESTD_BIN=path   a release guestd to measure (else one is built in $BENCH_BUILD_DIR, default build/bench)
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
guests=200
accounts=40

if [ -n "${GUESTD_BIN:-}" ]; then
  guestd=$GUESTD_BIN
else
  build=${BENCH_BUILD_DIR:-build/bench}
  scripts/install-deps.sh
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGUESTD_BUILD_TESTS=OFF -DGUESTD_BUILD_BENCH=OFF >/dev/null
  cmake --build "$build" --target guestd >/dev/null
  guestd=$build/src/cli/guestd
fi
for tool in wrk /usr/sbin/haproxy psql curl; do
  command -v "$tool" >/dev/null || { echo "$0: $tool is missing (scripts/install-deps.sh)" >&2; exit 1; }
done

work=$(mktemp -d)
chmod 755 "$work"
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; done
  scripts/pg-test-cluster.sh stop "$work/pg" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

field() { grep -o "\"$1\":\"[^\"]*\"" | cut -d'"' -f4; }
. bench/lib_nodes.sh

# seed DB URL: a merchant, a partner, $guests guests with bookings, $accounts accounts with tokens, through the
# node at URL; writes $work/read-<label>.lua and $work/login-<label>.lua for label $3.
seed() {
  local db=$1 url=$2 label=$3
  local hotel creds partner auth batch="" tokens="" i body
  hotel=$("$guestd" merchant add --db "$db" --id 1 --name "Bench Hotel" | field hotel_token)
  creds=$("$guestd" partner add --db "$db" --name Bench --merchant 1)
  partner=$(echo "$creds" | field partner_token)
  auth="Authorization: Bearer $partner:$hotel"
  for i in $(seq 1 "$guests"); do
    batch+="{\"reference\":\"B$i\",\"status\":\"valid\",\"arrival\":\"2026-0$((i % 9 + 1))-10\",\"departure\":\"2026-0$((i % 9 + 1))-12\",\"totalamount\":\"$i\",\"rooms\":[{\"name\":\"Double\",\"number\":$i}],\"customer\":{\"reference\":\"C$i\",\"firstname\":\"Guest\",\"lastname\":\"N$i\",\"email\":\"guest$i@example.com\"}},"
    if (( i % 100 == 0 )); then
      curl -sf -H "$auth" -H 'Content-Type: application/json' -d "{\"bookings\":[${batch%,}]}" "$url/api/xp-store-bookings/bookings" >/dev/null
      batch=""
    fi
  done
  for i in $(seq 1 "$accounts"); do
    body="{\"email\":\"guest$i@example.com\",\"password\":\"bench passphrase $i\"}"
    curl -sf -H "$auth" -H 'Content-Type: application/json' -d "$body" "$url/api/xp-guest-account/update-password" >/dev/null
    tokens+="\"$(curl -sf -H "$auth" -H 'Content-Type: application/json' -d "$body" "$url/api/xp-guest-account/login" | field token)\","
  done

  # wrk scripts: a random guest per request, one RESULT line at the end.
  local report='done = function(s, latency)
  local e = s.errors
  io.write(string.format("RESULT %.1f %.3f %.3f %d\n", s.requests / (s.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, e.status + e.connect + e.read + e.write + e.timeout))
end'
  cat >"$work/read-$label.lua" <<LUA
local tokens = {${tokens%,}}
request = function()
  return wrk.format("GET", "/api/xp-guest-account/guest-informations",
    {["Authorization"] = "Bearer $partner:$hotel", ["x-guest-token"] = tokens[math.random(#tokens)]})
end
$report
LUA
  cat >"$work/login-$label.lua" <<LUA
request = function()
  local i = math.random($accounts)
  return wrk.format("POST", "/api/xp-guest-account/login",
    {["Authorization"] = "Bearer $partner:$hotel", ["Content-Type"] = "application/json"},
    string.format('{"email":"guest%d@example.com","password":"bench passphrase %d"}', i, i))
end
$report
LUA
}

run() {  # setup label url
  local setup=$1 label=$2 url=$3
  wrk -t2 -c32 -d"${duration}s" --timeout 10s -s "$work/read-$label.lua" "$url" | grep '^RESULT' | sed "s/^RESULT/$setup reads/"
  wrk -t2 -c8 -d"${duration}s" --timeout 10s -s "$work/login-$label.lua" "$url" | grep '^RESULT' | sed "s/^RESULT/$setup logins/"
}

results="$work/results"
: >"$results"

# SQLite, one node.
start_node sqlite "$work/bench.db"
seed "$work/bench.db" "$node_url" sqlite
run sqlite sqlite "$node_url" >>"$results"
stop_last

# PostgreSQL: a throwaway cluster with durable commits, and a database of its own.
pg_url=$(PG_TEST_DURABLE=1 scripts/pg-test-cluster.sh start "$work/pg")
psql -q "$pg_url" -c "CREATE DATABASE bench" >/dev/null
db="${pg_url%/*}/bench"

start_node pg-a "$db"
node_a=$node_url
seed "$db" "$node_a" pg
run pg-1 pg "$node_a" >>"$results"
start_proxy proxy-1 "$node_a"
run pg-1-proxy pg "$proxy_url" >>"$results"
stop_last
start_node pg-b "$db"
start_proxy proxy-2 "$node_a" "$node_url"
run pg-2-proxy pg "$proxy_url" >>"$results"

echo
echo "guestd nodes benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores (load average $(cut -d' ' -f1-3 /proc/loadavg))," \
  "${duration}s per scenario, PostgreSQL $(psql -Atq "$pg_url" -c 'SHOW server_version' | cut -d' ' -f1) with fsync on"
echo
echo "| setup | scenario | requests/s | p50 ms | p99 ms | errors | ratio to SQLite |"
echo "|---|---|---:|---:|---:|---:|---:|"
awk '
  { setup[NR] = $1; scenario[NR] = $2; rps[NR] = $3; p50[NR] = $4; p99[NR] = $5; err[NR] = $6
    if ($1 == "sqlite") base[$2] = $3 }
  END {
    for (i = 1; i <= NR; i++)
      printf "| %s | %s | %.1f | %.3f | %.3f | %d | %.2f |\n", setup[i], scenario[i], rps[i], p50[i], p99[i], err[i],
        rps[i] / base[scenario[i]]
  }' "$results"
