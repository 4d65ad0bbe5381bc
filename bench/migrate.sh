#!/usr/bin/env bash
# `guestd migrate-data` throughput: a SQLite database filled by `guestd import` with generated bookings (two per
# customer, one stay custom field each: ROWS reservations, ROWS reservation custom fields, ROWS/2 guests and
# ROWS/2 guest references) moved to a fresh database on a throwaway PostgreSQL cluster under GNU time. The floor,
# measured in the same run on another fresh database with guestd's schema: the same five tables piped from the
# sqlite3 shell (CSV) into psql's \copy, PostgreSQL's own bulk path with no checks of ours. Prints rows/s for both,
# the ratio, and the CPU seconds of the migrate-data client (the rest of the time is the server's).
# The cluster is scripts/pg-test-cluster.sh's: fsync off, as for the tests; a durable server adds its WAL flushes.
# Usage: bench/migrate.sh [rows, default 1000000]; GUESTD=path/to/guestd measures that binary instead of building one.
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
chmod 755 "$work"
cleanup() {
  scripts/pg-test-cluster.sh stop "$work/pg" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# The source: bookings BK-1..BK-ROWS, customer C-k with guestk@example.com for bookings 2k-1 and 2k.
python3 - "$rows" >"$work/bookings.jsonl" <<'PY'
import sys
n = int(sys.argv[1])
w = sys.stdout.write
for i in range(1, n + 1):
    m, d, c = i % 12 + 1, i % 27 + 1, (i + 1) // 2
    w(f'{{"reference":"BK-{i}","status":"valid","creation":"2021-{m:02d}-01 15:22:00",'
      f'"arrival":"2021-{m:02d}-{d:02d}","departure":"2021-{m:02d}-{d + 1:02d}","totalamount":"{i % 900 + 100}.50",'
      f'"currency":"EUR","rooms":[{{"type":"DBL","name":"Double","number":{i % 400}}}],'
      f'"extra_attributes":{{"Payment":"pending"}},"customer":{{"reference":"C-{c}","firstname":"Guest",'
      f'"lastname":"Number{c}","email":"guest{c}@example.com","country":"FR","language":"fr"}}}}\n')
PY
db="$work/guestd.db"
"$guestd" merchant add --db "$db" --id 1 --name "Bench Hotel" >/dev/null
"$guestd" import --db "$db" --merchant 1 --kind bookings "$work/bookings.jsonl" >/dev/null 2>&1
rm -f "$work/bookings.jsonl"

# The target: a throwaway cluster, one database for migrate-data and one for the floor.
url=$(scripts/pg-test-cluster.sh start "$work/pg")
base=${url%/*}
psql -q "$url" -c "CREATE DATABASE moved" -c "CREATE DATABASE floor" >/dev/null

# migrate-data under GNU time.
/usr/bin/time -f "%e %U %S" -o "$work/time" "$guestd" migrate-data --from "$db" --to "$base/moved" \
  >"$work/summary" 2>"$work/progress" || { cat "$work/progress" >&2; exit 1; }
read -r wall user sys <"$work/time"
moved_rows=$(grep -o '"rows":[0-9]*' "$work/summary" | cut -d: -f2)
moved_seconds=$(grep -o '"elapsed_seconds":[0-9.]*' "$work/summary" | cut -d: -f2)

# The floor: guestd's schema (a dry run leaves just that), then sqlite3 -csv | psql \copy per table, in
# foreign-key order.
"$guestd" migrate-data --from "$db" --to "$base/floor" --dry-run >/dev/null 2>&1
copy() {
  local table=$1 columns=$2 select=$3
  sqlite3 -csv "$db" "SELECT $select FROM $table" | psql -q "$base/floor" -c "\\copy $table ($columns) FROM STDIN (FORMAT csv)"
}
start=$(date +%s%N)
copy merchants "id, name, hotel_token_hash, password_min_length, reset_verification_fields, reset_link_template, reset_code_ttl, mail_from, audit_retention_days, previous_hotel_token_valid_until, created_at" \
  "id, name, '\\x' || hex(hotel_token_hash), password_min_length, reset_verification_fields, reset_link_template, reset_code_ttl, mail_from, audit_retention_days, previous_hotel_token_valid_until, created_at"
guest_columns="id, merchant_id, title, firstname, lastname, phone, mobile, email, email_norm, street, zip_code, city, state, country, birthdate, language, nationality, identity_document_number, privilege_badges, version, created_at, updated_at"
copy guests "$guest_columns" "$guest_columns"
copy guest_references "merchant_id, reference, guest_id" "merchant_id, reference, guest_id"
reservation_columns="id, merchant_id, reference, guest_id, status, creation, arrival, departure, total_amount, currency, room_type, room_name, payload, updated_at"
copy reservations "$reservation_columns" "$reservation_columns"
copy reservation_custom_fields "reservation_id, position, name, value" "reservation_id, position, name, value"
floor_seconds=$(python3 -c "print(($(date +%s%N) - $start) / 1e9)")
floor_rows=$(psql -Atq "$base/floor" -c "SELECT (SELECT count(*) FROM merchants) + (SELECT count(*) FROM guests) + (SELECT count(*) FROM guest_references) + (SELECT count(*) FROM reservations) + (SELECT count(*) FROM reservation_custom_fields)")

python3 - "$rows" "$moved_rows" "$moved_seconds" "$wall" "$user" "$sys" "$floor_rows" "$floor_seconds" <<'PY'
import sys
rows, moved, secs, wall, user, sys_, frows, fsecs = sys.argv[1:]
moved_rate = int(moved) / float(secs)
floor_rate = int(frows) / float(fsecs)
print(f"| {int(rows):,} reservations | rows | seconds | rows/s | ratio to the floor |")
print("|---|---|---|---|---|")
print(f"| migrate-data (one transaction, binary COPY, checks) | {int(moved):,} | {float(secs):.1f} | {moved_rate:,.0f} | {moved_rate / floor_rate:.2f} |")
print(f"| floor: sqlite3 -csv into psql \\copy, per table | {int(frows):,} | {float(fsecs):.1f} | {floor_rate:,.0f} | 1.00 |")
print(f"\nmigrate-data wall {float(wall):.1f} s, client CPU {float(user) + float(sys_):.1f} s (user + system)")
PY
