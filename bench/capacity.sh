#!/usr/bin/env bash
# Capacity figures for docs/operations.md ("Capacity for 100 million guests"), in one command:
#  1. a throwaway PostgreSQL cluster (scripts/pg-test-cluster.sh); guestd creates its schema, merchant 1 and
#     partner 1; bench/capacity_data.sql generates GUESTS guests across MERCHANTS merchants (skewed) with
#     everything guestd writes for them; VACUUM ANALYZE; every table's and index's bytes (capacity_sizes.sql),
#     per row, and extrapolated linearly to 100,000,000 guests across 10,000 merchants;
#  2. EXPLAIN (ANALYZE, BUFFERS) of every statement in src/store/{sql,postgres}/queries.hpp on that data
#     (capacity_explain.py): which index serves it, rows read, and any sequential scan of a big table;
#  3. writes per second through one guestd node on that primary (wrk: PUT guest-informations and a one-booking
#     PMS push, each one write transaction under the cluster-wide write lock), next to /healthz and a read;
#  4. the same dataset at SQLITE_GUESTS guests copied into a SQLite file guestd created, measured with dbstat
#     (capacity_sqlite.py; skipped when sqlite3 lacks dbstat).
# Usage: bench/capacity.sh [GUESTS=1000000] [MERCHANTS=1000] [SQLITE_GUESTS=200000] [SECONDS=10]
# GUESTD=path uses that binary instead of building build/capacity. Needs postgresql, sqlite3, wrk, python3.
set -euo pipefail
cd "$(dirname "$0")/.."
guests=${1:-1000000}
merchants=${2:-1000}
sqlite_guests=${3:-200000}
duration=${4:-10}
target_guests=100000000
target_merchants=10000

if [ -z "${GUESTD:-}" ]; then
  cmake -S . -B build/capacity -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build/capacity --target guestd >/dev/null
  GUESTD=build/capacity/src/cli/guestd
fi

work=$(mktemp -d)
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  scripts/pg-test-cluster.sh stop "$work/pg" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

field() { grep -o "\"$1\":\"[^\"]*\"" | cut -d'"' -f4; }
say() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }

# A Markdown report of a sizes file (capacity_sizes.sql's lines), extrapolated: per-merchant tables by
# target_merchants / merchants, partners not at all, everything else by target_guests / guests.
report() {  # file guests merchants
  awk -F'\t' -v g="$2" -v m="$3" -v tg="$target_guests" -v tm="$target_merchants" '
    function human(b) {
      if (b >= 2^40) return sprintf("%.2f TiB", b / 2^40)
      if (b >= 2^30) return sprintf("%.1f GiB", b / 2^30)
      if (b >= 2^20) return sprintf("%.1f MiB", b / 2^20)
      if (b >= 2^10) return sprintf("%.0f KiB", b / 2^10)
      return sprintf("%d B", b)
    }
    function factor(t) {
      if (t == "merchants" || t == "partner_merchants" || t == "mail_templates") return tm / m
      if (t == "partners" || t == "schema_migrations" || t ~ /^(guest_id_floor|sqlite_)/) return 1
      return tg / g
    }
    $1 == "table" {
      t = $2; f = factor(t); per = ($3 > 0) ? $3 : 1
      line[++n] = sprintf("| %s | %\047d | %s | %s | %s | %s | %.0f + %.0f | %\047.0f | %s |", t, $3, human($4),
        human($5), human($6), human($7), ($4 + $5) / per, $6 / per, $3 * f, human($7 * f))
      rows += $3; total += $7; heap += $4 + $5; idx += $6
      xrows += $3 * f; xtotal += $7 * f; xheap += ($4 + $5) * f; xidx += $6 * f
    }
    $1 == "index" {
      f = factor($2)
      iline[++k] = sprintf("| %s | %s | %s | %s |", $2, $3, human($4), human($4 * f))
    }
    END {
      printf "| table | rows | heap | TOAST+maps | indexes | total | bytes/row (data + indexes) | rows at %\047d guests | total at %\047d guests |\n", tg, tg
      print "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
      for (i = 1; i <= n; i++) print line[i]
      printf "| **all** | %\047d | %s | | %s | %s | %.0f per guest | %\047.0f | %s (data %s, indexes %s) |\n",
        rows, human(heap), human(idx), human(total), total / g, xrows, human(xtotal), human(xheap), human(xidx)
      print ""
      printf "| table | index | bytes | at %\047d guests |\n", tg
      print "|---|---|---:|---:|"
      for (i = 1; i <= k; i++) print iline[i]
    }' "$1"
}

# --- 1. PostgreSQL: schema by guestd, data by SQL, sizes ---------------------------------------------------------
say "starting PostgreSQL"
scripts/pg-test-cluster.sh start "$work/pg" >/dev/null
admin=$(cat "$work/pg/url")
psql "$admin" -X -q -c "CREATE DATABASE capacity" -c "CREATE DATABASE capacity_small"
db="${admin%/postgres}/capacity"
small="${admin%/postgres}/capacity_small"
server_version=$(psql "$admin" -X -At -c "SHOW server_version")

hotel=$("$GUESTD" merchant add --db "$db" --id 1 --name "Capacity Hotel" | field hotel_token)
partner=$("$GUESTD" partner add --db "$db" --name Capacity --merchant 1 | field partner_token)
auth="Authorization: Bearer $partner:$hotel"

say "generating $guests guests across $merchants merchants"
start=$(date +%s)
psql "$db" -X -q -v guests="$guests" -v merchants="$merchants" -f bench/capacity_data.sql >"$work/gen.log"
psql "$db" -X -q -c "VACUUM ANALYZE"
generated_in=$(( $(date +%s) - start ))
psql "$db" -X -At -F$'\t' -f bench/capacity_sizes.sql >"$work/sizes.tsv"
spread=$(psql "$db" -X -At -F' ' -c "
  SELECT min(n), percentile_disc(0.5) WITHIN GROUP (ORDER BY n), percentile_disc(0.99) WITHIN GROUP (ORDER BY n), max(n)
  FROM (SELECT count(*) AS n FROM guests GROUP BY merchant_id) AS c")

# --- 2. Plans -------------------------------------------------------------------------------------------------
say "explaining every statement"
python3 bench/capacity_explain.py "$db" src/store/sql/queries.hpp src/store/postgres/queries.hpp >"$work/plans.md"

# --- 3. Writes per second through one node ----------------------------------------------------------------------
say "measuring writes through one guestd node"
"$GUESTD" serve --db "$db" --listen 127.0.0.1:0 --log-level warn --mail-spool "$work/mail" >"$work/out" 2>"$work/err" &
server=$!
for _ in $(seq 300); do grep -q "listening on" "$work/out" 2>/dev/null && break; sleep 0.1; done
base=$(head -1 "$work/out" | sed 's/.*listening on //')
[ -n "$base" ] || { echo "guestd did not start:" >&2; cat "$work/err" >&2; exit 1; }
bench_guests=200
booking() {  # reference customer
  printf '{"reference":"CAPBK-%d","status":"valid","creation":"2026-06-01 15:22:00","arrival":"2026-09-17","departure":"2026-09-20","totalamount":"460","currency":"EUR","rooms":[{"type":"DBL","name":"Double","number":16}],"extra_attributes":{"Payment":"pending"},"customer":{"reference":"CAPC-%d","firstname":"Guest","lastname":"N%d","email":"cap%d@example.com","address_city":"Paris","country":"FR","language":"fr"}}' "$1" "$2" "$2" "$2"
}
batch=""
for i in $(seq 1 "$bench_guests"); do
  batch+="$(booking "$i" "$i"),"
  if (( i % 100 == 0 )); then
    curl -sf -H "$auth" -H 'Content-Type: application/json' -d "{\"bookings\":[${batch%,}]}" \
      "$base/api/xp-store-bookings/bookings" >/dev/null
    batch=""
  fi
done
tokens=""
for i in $(seq 1 50); do
  body="{\"email\":\"cap$i@example.com\",\"password\":\"capacity passphrase $i\"}"
  curl -sf -H "$auth" -H 'Content-Type: application/json' -d "$body" "$base/api/xp-guest-account/update-password" >/dev/null
  tokens+="\"$(curl -sf -H "$auth" -H 'Content-Type: application/json' -d "$body" "$base/api/xp-guest-account/login" | field token)\","
done
report_lua='done = function(s, latency)
  local e = s.errors
  io.write(string.format("RESULT %.1f %.3f %.3f %d\n", s.requests / (s.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, e.status + e.connect + e.read + e.write + e.timeout))
end'
cat >"$work/plain.lua" <<LUA
$report_lua
LUA
cat >"$work/read.lua" <<LUA
local tokens = {${tokens%,}}
request = function()
  return wrk.format("GET", "/api/xp-guest-account/guest-informations",
    {["Authorization"] = "Bearer $partner:$hotel", ["x-guest-token"] = tokens[math.random(#tokens)]})
end
$report_lua
LUA
cat >"$work/put.lua" <<LUA
local tokens = {${tokens%,}}
request = function()
  return wrk.format("PUT", "/api/xp-guest-account/guest-informations",
    {["Authorization"] = "Bearer $partner:$hotel", ["x-guest-token"] = tokens[math.random(#tokens)],
     ["Content-Type"] = "application/json"}, string.format('{"city":"City %d"}', math.random(1000000)))
end
$report_lua
LUA
cat >"$work/push.lua" <<LUA
request = function()
  local c = math.random($bench_guests)
  return wrk.format("POST", "/api/xp-store-bookings/bookings",
    {["Authorization"] = "Bearer $partner:$hotel", ["Content-Type"] = "application/json"},
    string.format('{"bookings":[{"reference":"CAPBK-%d","status":"valid","arrival":"2026-09-%02d","departure":"2026-09-28","totalamount":"%d","rooms":[{"name":"Double","number":16}],"customer":{"reference":"CAPC-%d","firstname":"Guest","lastname":"N%d","email":"cap%d@example.com","address_city":"City %d"}}]}',
      math.random(5000), math.random(27), math.random(2000), c, c, c, math.random(1000000)))
end
$report_lua
LUA
run() {  # name connections script path
  wrk -t2 -c"$2" -d"${duration}s" -s "$work/$3" "$base$4" | grep '^RESULT' | sed "s/^RESULT/$1/"
}
{
  run healthz 16 plain.lua /healthz
  run read-guest-informations 16 read.lua /
  run write-guest-informations 16 put.lua /
  run write-push-1-booking 16 push.lua /
  run write-guest-informations-c4 4 put.lua /
} >"$work/wrk.txt"
# One PMS batch of 1000 bookings (new guests, then the same batch again: replacements) holds the write lock for
# its whole transaction: every other writer of the cluster waits that long.
batch=""
for i in $(seq 1 1000); do batch+="$(booking $((100000 + i)) $((100000 + i))),"; done
echo "{\"bookings\":[${batch%,}]}" >"$work/batch.json"
batch_times=""
for pass in new replace; do
  batch_times+="${batch_times:+, }$pass $(curl -sf -o /dev/null -w '%{time_total}' -H "$auth" -H 'Content-Type: application/json' \
    --data-binary @"$work/batch.json" "$base/api/xp-store-bookings/bookings")s"
done
kill "$server" && wait "$server" 2>/dev/null || true
server=""
# What a commit flush costs on this disk (the test cluster runs with fsync off; a production primary does not).
fsync_ops=$(/usr/lib/postgresql/*/bin/pg_test_fsync -s 1 -f "$work/fsync.test" 2>/dev/null |
  awk '/Compare file sync methods using one 8kB write/ {on = 1} on && $1 == "fdatasync" {print $2; exit}' || true)

# --- 4. SQLite ------------------------------------------------------------------------------------------------
sqlite_merchants=$(( merchants * sqlite_guests / guests > 10 ? merchants * sqlite_guests / guests : 10 ))
sqlite_status="skipped: sqlite3 has no dbstat"
if command -v sqlite3 >/dev/null; then
  say "SQLite: $sqlite_guests guests across $sqlite_merchants merchants"
  "$GUESTD" merchant add --db "$small" --id 1 --name "Capacity Hotel" >/dev/null
  "$GUESTD" partner add --db "$small" --name Capacity --merchant 1 >/dev/null
  psql "$small" -X -q -v guests="$sqlite_guests" -v merchants="$sqlite_merchants" -f bench/capacity_data.sql >/dev/null
  "$GUESTD" merchant add --db "$work/capacity.db" --id 1 --name "Capacity Hotel" >/dev/null
  "$GUESTD" partner add --db "$work/capacity.db" --name Capacity --merchant 1 >/dev/null
  set +e
  python3 bench/capacity_sqlite.py "$small" "$work/capacity.db" >"$work/sqlite.tsv"
  sqlite_rc=$?
  set -e
  case $sqlite_rc in
    0) sqlite_status="ok" ;;
    3) ;;
    *) echo "capacity_sqlite.py failed ($sqlite_rc)" >&2; exit 1 ;;
  esac
fi

# --- Report ---------------------------------------------------------------------------------------------------
echo "# guestd capacity, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, PostgreSQL $server_version"
echo
echo "## PostgreSQL: $guests guests across $merchants merchants, extrapolated to $target_guests across $target_merchants"
echo
echo "Generated and analyzed in ${generated_in}s. Guests per merchant (min median p99 max): $spread."
echo
report "$work/sizes.tsv" "$guests" "$merchants"
echo
echo "## Plans (merchant 1, the largest)"
echo
cat "$work/plans.md"
echo
echo "## Writes through one guestd node on one primary (${duration}s each; fsync off in this cluster)"
echo
printf '| scenario | connections | requests/s | p50 ms | p99 ms | errors | ms per request at saturation |\n|---|---:|---:|---:|---:|---:|---:|\n'
awk '{c = ($1 ~ /-c4$/) ? 4 : 16; printf "| %s | %d | %.0f | %.2f | %.2f | %d | %.2f |\n", $1, c, $2, $3, $4, $5, ($2 > 0) ? 1000 / $2 : 0}' "$work/wrk.txt"
echo
echo "A 1000-booking PMS push, one transaction under the write lock: ${batch_times}."
echo
echo "fdatasync of one 8 kB write on this disk: ${fsync_ops:-unknown} ops/s (pg_test_fsync)."
echo
echo "## SQLite: $sqlite_guests guests across $sqlite_merchants merchants (dbstat), extrapolated the same way"
echo
if [ "$sqlite_status" = ok ]; then
  report "$work/sqlite.tsv" "$sqlite_guests" "$sqlite_merchants"
  echo
  echo "File: $(stat -c %s "$work/capacity.db") bytes."
else
  echo "$sqlite_status"
fi
