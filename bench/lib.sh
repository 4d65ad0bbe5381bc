# Shared by the bench scripts (sourced, not run): build a release guestd, create a merchant and a partner in a
# fresh database, start the server on a free loopback port, and clean up on exit.
#   bench_build TARGET...        build/bench release targets; sets $guestd
#   bench_server [SERVE FLAGS]   sets $work, $db, $hotel, $partner, $client_id, $client_secret, $auth, $base
#   field NAME                   a JSON string field from stdin

bench_build() {
  scripts/install-deps.sh
  cmake -S . -B build/bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DGUESTD_BUILD_TESTS=OFF -DGUESTD_BUILD_BENCH=ON >/dev/null
  cmake --build build/bench --target "$@" >/dev/null
  guestd=build/bench/src/cli/guestd
}

field() { grep -o "\"$1\":\"[^\"]*\"" | cut -d'"' -f4; }

work=$(mktemp -d)
server=""
bench_cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null; rm -rf "$work"; }
trap bench_cleanup EXIT

bench_server() {
  db="$work/bench.db"
  hotel=$("$guestd" merchant add --db "$db" --id 1 --name "Bench Hotel" | field hotel_token)
  local creds
  creds=$("$guestd" partner add --db "$db" --name Bench --merchant 1)
  partner=$(echo "$creds" | field partner_token)
  client_id=$(echo "$creds" | field client_id)
  client_secret=$(echo "$creds" | field client_secret)
  auth="Authorization: Bearer $partner:$hotel"
  "$guestd" serve --db "$db" --listen 127.0.0.1:0 --log-level warn --mail-spool "$work/mail" "$@" >"$work/out" 2>"$work/err" &
  server=$!
  for _ in $(seq 100); do grep -q "listening on" "$work/out" 2>/dev/null && break; sleep 0.1; done
  base=$(head -1 "$work/out" | sed 's/.*listening on //')
  [ -n "$base" ] || { echo "guestd did not start:" >&2; cat "$work/err" >&2; exit 1; }
}
