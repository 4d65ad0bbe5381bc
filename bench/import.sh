#!/usr/bin/env bash
# Import throughput: generated bookings files (JSON Lines and CSV; two bookings per customer, one room, one stay
# custom field) loaded by a release `guestd import` into a fresh SQLite database under GNU time, at 100,000 rows
# and at the full size, printing rows/s and peak RSS (the two sizes should peak alike: the import streams). The
# dry runs (read, parse, validate, map; no store) show how much of the time is the importer's own. CPU seconds
# (user + system, both threads) show how much of the wall time other work on a shared machine took, and rows per
# CPU second stays comparable when the machine is busy. With CALLGRIND=N (needs valgrind), an import of N rows of each
# format also runs under callgrind and prints the instructions per row: a count that other work does not disturb.
# Usage: bench/import.sh [rows, default 1000000]; GUESTD=path/to/guestd measures that binary instead of building one.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}

if [ -n "${GUESTD:-}" ]; then
  guestd=$GUESTD
else
  scripts/install-deps.sh
  cmake -S . -B build/bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DGUESTD_BUILD_TESTS=OFF -DGUESTD_BUILD_BENCH=ON >/dev/null
  cmake --build build/bench --target guestd >/dev/null
  guestd=build/bench/src/cli/guestd
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# generate ROWS FORMAT > FILE: bookings BK-1..BK-ROWS, customer C-k with guestk@example.com for bookings 2k-1, 2k.
generate() {
  python3 - "$1" "$2" <<'PY'
import sys
n, fmt = int(sys.argv[1]), sys.argv[2]
w = sys.stdout.write
if fmt == "csv":
    w("reference,status,creation,arrival,departure,totalamount,currency,rooms.0.type,rooms.0.name,rooms.0.number,"
      "extra_attributes.Payment,customer.reference,customer.firstname,customer.lastname,customer.email,"
      "customer.country,customer.language\n")
for i in range(1, n + 1):
    m, d, c = i % 12 + 1, i % 27 + 1, (i + 1) // 2
    if fmt == "csv":
        w(f"BK-{i},valid,2021-{m:02d}-01 15:22:00,2021-{m:02d}-{d:02d},2021-{m:02d}-{d + 1:02d},{i % 900 + 100}.50,"
          f"EUR,DBL,Double,{i % 400},pending,C-{c},Guest,Number{c},guest{c}@example.com,FR,fr\n")
    else:
        w(f'{{"reference":"BK-{i}","status":"valid","creation":"2021-{m:02d}-01 15:22:00",'
          f'"arrival":"2021-{m:02d}-{d:02d}","departure":"2021-{m:02d}-{d + 1:02d}","totalamount":"{i % 900 + 100}.50",'
          f'"currency":"EUR","rooms":[{{"type":"DBL","name":"Double","number":{i % 400}}}],'
          f'"extra_attributes":{{"Payment":"pending"}},"customer":{{"reference":"C-{c}","firstname":"Guest",'
          f'"lastname":"Number{c}","email":"guest{c}@example.com","country":"FR","language":"fr"}}}}\n')
PY
}

# measure LABEL FILE [IMPORT FLAGS]: a fresh database with merchant 1, then the import under /usr/bin/time -v.
measure() {
  local label=$1 file=$2
  shift 2
  local db="$work/import.db"
  rm -f "$db" "$db-wal" "$db-shm"
  "$guestd" merchant add --db "$db" --id 1 --name "Bench Hotel" >/dev/null
  if ! /usr/bin/time -v -o "$work/time" "$guestd" import --db "$db" --merchant 1 --kind bookings "$@" "$file" \
      >"$work/summary" 2>"$work/stderr"; then
    echo "import failed:" >&2; cat "$work/stderr" "$work/summary" >&2; exit 1
  fi
  local rps rss elapsed cpu rows per_cpu
  rps=$(grep -o '"rows_per_second":[0-9]*' "$work/summary" | cut -d: -f2)
  rows=$(grep -o '"rows":[0-9]*' "$work/summary" | cut -d: -f2)
  elapsed=$(grep -o '"elapsed_seconds":[0-9.]*' "$work/summary" | cut -d: -f2)
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2 / 1024}' "$work/time")
  cpu=$(awk -F': ' '/User time|System time/ {s += $2} END {printf "%.2f", s}' "$work/time")
  per_cpu=$(awk -v r="$rows" -v c="$cpu" 'BEGIN {printf "%d", (c > 0 ? r / c : 0)}')
  printf "%-34s %8s rows/s %8s s wall %7s s CPU %8s rows/CPU-s %7s MiB peak RSS\n" \
    "$label" "$rps" "$elapsed" "$cpu" "$per_cpu" "$rss"
}

# instructions LABEL FILE ROWS: instructions per row of an import into a fresh database, under callgrind.
instructions() {
  local label=$1 file=$2 rows=$3 db="$work/callgrind.db"
  rm -f "$db" "$db-wal" "$db-shm"
  "$guestd" merchant add --db "$db" --id 1 --name "Bench Hotel" >/dev/null
  valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out" "$guestd" import --db "$db" --merchant 1 \
    --kind bookings "$file" >/dev/null 2>"$work/stderr"
  awk -v r="$rows" -v l="$label" '/^(summary|totals):/ {printf "%-34s %8d instructions/row (callgrind)\n", l, $2 / r; exit}' \
    "$work/callgrind.out"
}

small=$((rows < 100000 ? rows : 100000))
echo "generating $rows bookings as JSON Lines and CSV in $work ..."
generate "$rows" jsonl >"$work/bookings.jsonl"
generate "$rows" csv >"$work/bookings.csv"
head -n "$small" "$work/bookings.jsonl" >"$work/small.jsonl"
head -n "$((small + 1))" "$work/bookings.csv" >"$work/small.csv"

echo "command: /usr/bin/time -v $guestd import --db DB --merchant 1 --kind bookings FILE   (cores: $(nproc))"
measure "jsonl $small rows" "$work/small.jsonl"
measure "jsonl $rows rows" "$work/bookings.jsonl"
measure "csv   $small rows" "$work/small.csv"
measure "csv   $rows rows" "$work/bookings.csv"
measure "jsonl $rows rows, --dry-run" "$work/bookings.jsonl" --dry-run
measure "csv   $rows rows, --dry-run" "$work/bookings.csv" --dry-run

if [ -n "${CALLGRIND:-}" ]; then
  head -n "$CALLGRIND" "$work/bookings.jsonl" >"$work/cg.jsonl"
  head -n "$((CALLGRIND + 1))" "$work/bookings.csv" >"$work/cg.csv"
  instructions "jsonl $CALLGRIND rows" "$work/cg.jsonl" "$CALLGRIND"
  instructions "csv   $CALLGRIND rows" "$work/cg.csv" "$CALLGRIND"
fi
