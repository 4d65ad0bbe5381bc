#!/usr/bin/env bash
# The benchmark of issue #6: a release guestd serving one merchant with 1,000,000 guests and 2,000,000 reservations
# (half of the guests with accounts) and 1,000 small merchants, measured with wrk against the floors measured in
# the same run on the same cores:
#   the HTTP floor     nginx returning a fixed ~400-byte JSON body on loopback, same wrk settings
#   the hashing floor  raw libsodium argon2id verifications per second at guestd's parameters on every core
#                      (bench_hash), beside the same through guestd's hasher with argon2id's memory kept
# Writes bench/results/YYYY-MM-DD-HHMM.md (each figure beside the previous report's) and prints the table.
# Usage: bench/run.sh [seconds per scenario, default 10]
#   BENCH_GUESTS=N      a smaller dataset for a quick try (the report says so)
#   BENCH_CONNECTIONS   wrk connections for the throughput scenarios (default 64)
#   BENCH_OUT=DIR       write the report there instead of bench/results/ (a try that should not become history)
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
connections=${BENCH_CONNECTIONS:-64}
guests=${BENCH_GUESTS:-1000000}
read_guests=$((guests * 8 / 10))   # update-password takes the guests above: it revokes their sessions
small_merchants=1000
build=build/bench-rel

log() { echo "bench: $*" >&2; }

# 1. A release build of guestd, the hashing floor and the dataset generator.
if [ -z "${CI:-}" ]; then scripts/install-deps.sh >/dev/null; fi
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGUESTD_BUILD_TESTS=OFF -DGUESTD_BUILD_BENCH=ON >/dev/null
cmake --build "$build" --target guestd bench_hash bench_dataset >/dev/null
guestd=$build/src/cli/guestd

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
field() { grep -o "\"$1\":\"[^\"]*\"" | cut -d'"' -f4; }

# 2. The dataset, generated once per generator version, schema and size, and kept under build/bench-data/.
key="v$("$build/bench/bench_dataset" --version)-$(cat src/store/sqlite/migrations/*.sql | sha256sum | cut -c1-12)-$guests"
data=build/bench-data/$key
if [ ! -f "$data/guestd.db" ]; then
  log "generating the dataset ($guests guests) into $data"
  rm -rf "$data.tmp" && mkdir -p "$data.tmp"
  hotel=$("$guestd" merchant add --db "$data.tmp/guestd.db" --id 1 --name "Bench Hotel" | field hotel_token)
  creds=$("$guestd" partner add --db "$data.tmp/guestd.db" --name Bench --merchant 1)
  partner_id=$(echo "$creds" | grep -o '"partner_id":[0-9]*' | cut -d: -f2)
  started=$(date +%s)
  "$build/bench/bench_dataset" --db "$data.tmp/guestd.db" --partner "$partner_id" --guests "$guests" \
    --small-merchants "$small_merchants"
  {
    echo "hotel=$hotel"
    echo "partner=$(echo "$creds" | field partner_token)"
    echo "client_id=$(echo "$creds" | field client_id)"
    echo "client_secret=$(echo "$creds" | field client_secret)"
    echo "generated_s=$(( $(date +%s) - started ))"
  } >"$data.tmp/creds.env"
  rm -rf "$data" && mv "$data.tmp" "$data"
fi
. "$data/creds.env"
[ -z "${BENCH_DATASET_ONLY:-}" ] || exit 0
db=$work/guestd.db
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
cp "$data/guestd.db" "$db"   # every run starts from the same rows (the scenarios write)
# Write the copy out now: 1.3 GiB of dirty pages flushed during the first scenarios took CPU and disk from them
# (guest-informations, measured first, varied from 24k to 37k requests/s between runs on a quiet machine).
sync "$db"
db_mib=$(( $(stat -c %s "$db") / 1048576 ))

# 3. Start-up to ready on the existing database: exec to the first /readyz 200, median of 5.
log "start-up"
startup=$(bench/startup.py "$guestd" "$db" "$work/mail" 5)

# 4. guestd with its defaults (but warn-level logs: access logs to a terminal are not what is measured).
"$guestd" serve --db "$db" --listen 127.0.0.1:0 --log-level warn --mail-spool "$work/mail" >"$work/out" 2>"$work/err" &
server=$!
pids+=("$server")
for _ in $(seq 200); do grep -q "listening on" "$work/out" 2>/dev/null && break; sleep 0.05; done
base=$(head -1 "$work/out" | sed 's/.*listening on //')
[ -n "$base" ] || { echo "guestd did not start:" >&2; cat "$work/err" >&2; exit 1; }

# 5. The HTTP floor: nginx with a fixed JSON body of about 400 bytes, one worker per core.
nginx_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
body='{"firstname":"Anna","lastname":"Martin","title":"Ms","email":"guest1@bench.example","phone":"+33600000001","mobile":null,"address_street_number_and_name":"2 rue de la Paix","address_postal_code":"10001","address_city":"Paris","address_state":null,"address_country":"FR","birthdate":"1983-04-02","language":"fr","nationality":"FR","identity_document_number":null,"custom_fields":[],"privilege_badges":[]}'
mkdir -p "$work/nginx"
cat >"$work/nginx/nginx.conf" <<NGINX
worker_processes auto;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/nginx;
  proxy_temp_path $work/nginx;
  fastcgi_temp_path $work/nginx;
  uwsgi_temp_path $work/nginx;
  scgi_temp_path $work/nginx;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$nginx_port;
    location / { default_type application/json; return 200 '$body'; }
  }
}
NGINX
nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" -g 'daemon off;' &
pids+=("$!")
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$nginx_port/" >/dev/null 2>&1 && break; sleep 0.05; done

# 6. Scenarios. Each prints one JSON line: wrk's figures plus guestd's CPU (user+sys) and peak RSS over it.
export BENCH_PARTNER=$partner BENCH_HOTEL=$hotel BENCH_GUESTS=$guests BENCH_READ_GUESTS=$read_guests
export BENCH_BASIC=$(printf '%s:%s' "$client_id" "$client_secret" | base64 -w0)
ticks=$(getconf CLK_TCK)
# CPU ticks and the largest peak RSS of a process and its children (nginx's workers).
family() { echo "$1"; pgrep -P "$1" || true; }
cpu_ticks() { for p in $(family "$1"); do awk '{print $14 + $15}' "/proc/$p/stat"; done | awk '{s += $1} END {print s}'; }
hwm_kib() { for p in $(family "$1"); do awk '/VmHWM/ {print $2}' "/proc/$p/status"; done | sort -n | tail -1; }
# Bytes a process and its children had read from storage (not from the page cache) so far.
disk_bytes() { for p in $(family "$1"); do awk '/^read_bytes/ {print $2}' "/proc/$p/io"; done | awk '{s += $1} END {print s + 0}'; }
results=$work/results.jsonl
: >"$results"

# scenario NAME THREADS CONNECTIONS URL [SCRIPT_SCENARIO] [PID] [DELAY_MS]
scenario() {
  local name=$1 threads=$2 conns=$3 url=$4 script=${5:-$1} pid=${6:-$server} delay=${7:-0}
  log "$name ($conns connections${delay:+, ${delay} ms pacing})"
  for p in $(family "$pid"); do echo 5 >"/proc/$p/clear_refs"; done   # restart the peak RSS count
  local before disk_before
  before=$(cpu_ticks "$pid")
  disk_before=$(disk_bytes "$pid")
  local out
  out=$(BENCH_SCENARIO=$script BENCH_DELAY_MS=$delay wrk -t"$threads" -c"$conns" -d"${duration}s" --timeout 10s \
          -s bench/wrk/scenario.lua "$url" | sed -n 's/^RESULT //p')
  local cpu=$(( $(cpu_ticks "$pid") - before )) disk=$(( $(disk_bytes "$pid") - disk_before ))
  echo "$out" | python3 -c "import json,sys; r=json.load(sys.stdin); r.update(name='$name', connections=$conns,
cpu_cores=$cpu/$ticks/r['seconds'], peak_rss_mib=$(hwm_kib "$pid")/1024, disk_read_mib=$disk/1048576);
r['cpu_us_per_request'] = r['cpu_cores'] * 1e6 / r['rps'] if r['rps'] else 0; print(json.dumps(r))" >>"$results"
}

# Warm the caches a little (not reported), then measure.
BENCH_SCENARIO=guest-informations wrk -t2 -c"$connections" -d3s -s bench/wrk/scenario.lua "$base" >/dev/null
scenario nginx-floor 2 "$connections" "http://127.0.0.1:$nginx_port/" static "$(cat "$work/nginx/nginx.pid")"
# guestd's HTTP stack without the store (liveness runs on the I/O thread): how much of the reads' gap to nginx is
# HTTP, and how much the store.
scenario healthz 2 "$connections" "$base/healthz" static
scenario guest-informations 2 "$connections" "$base"
scenario guest-reservations 2 "$connections" "$base"
scenario account-exists 2 "$connections" "$base"
scenario put-guest-informations 2 "$connections" "$base"
scenario reset-request 2 "$connections" "$base"
# 7. The hashing floor on the same cores while guestd idles, measured just before and just after the hashing
# scenarios and averaged, so that a shared machine's load drifts alike for both.
# Each measurement prints two rates on every core: raw libsodium (the floor) and guestd's hasher with its memory
# kept (src/domain/hash_memory.hpp), which is what a login's hash costs guestd.
hash_floor_once() {
  log "argon2id floor"
  "$build/bench/bench_hash" --benchmark_filter="threads:$(nproc)\$" --benchmark_min_time=3 \
    --benchmark_format=json 2>/dev/null | python3 -c 'import json,sys
rates = {b["name"].split("/")[0]: b["items_per_second"] for b in json.load(sys.stdin)["benchmarks"]}
print(rates["argon2id_verify"], rates["argon2id_verify_kept_memory"])'
}
read -r floor_before kept_before <<<"$(hash_floor_once)"
scenario login 2 16 "$base"
scenario update-password 2 16 "$base"
read -r floor_after kept_after <<<"$(hash_floor_once)"
hash_floor=$(python3 -c "print(($floor_before + $floor_after) / 2)")
hash_floor_kept=$(python3 -c "print(($kept_before + $kept_after) / 2)")

# 8. The login flood: reads paced at a quarter of their measured capacity, alone and then beside logins offered
# at about three times login capacity by 200 paced connections, with a probe of 8 connections (a thread each: the
# Lua state is per thread) timing the 503s (a few hundred of them, so that their p99 is not just their maximum) and
# /metrics sampled for the hashing queue's depth.
read_rps=$(python3 -c "import json; print(next(json.loads(l)['rps'] for l in open('$results') if '\"guest-informations\"' in l))")
login_rps=$(python3 -c "import json; print(next(json.loads(l)['rps'] for l in open('$results') if '\"login\"' in l))")
paced_conns=16
read_delay=$(python3 -c "print(max(1, round($paced_conns * 1000 / ($read_rps / 4))))")
flood_conns=256   # 66 of them wait in the hashing pool and its queue; the others are shed and come back
flood_delay=$(python3 -c "print(max(50, round(($flood_conns - 66) * 1000 / (3.5 * $login_rps))))")
scenario reads-paced 1 "$paced_conns" "$base" guest-informations "$server" "$read_delay"
log "login flood"
BENCH_SCENARIO=login BENCH_DELAY_MS=$flood_delay wrk -t1 -c"$flood_conns" -d"$((duration + 4))s" --timeout 10s \
  -s bench/wrk/scenario.lua "$base" | sed -n 's/^RESULT //p' >"$work/flood.json" &
flood=$!
pids+=("$flood")
sleep 2
BENCH_DELAY_MS=20 wrk -t8 -c8 -d"${duration}s" -s bench/wrk/shed_probe.lua "$base" | sed -n 's/^RESULT //p' >"$work/probe.json" &
probe=$!
pids+=("$probe")
( max=0; end=$((SECONDS + duration)); while [ $SECONDS -lt $end ]; do
    d=$(curl -sf "$base/metrics" | awk '/^guestd_hash_queue_depth/ {print int($2)}'); d=${d:-0}
    [ "$d" -gt "$max" ] && max=$d; sleep 0.2; done; echo "$max" >"$work/queue_max" ) &
pids+=("$!")
scenario reads-under-flood 1 "$paced_conns" "$base" guest-informations "$server" "$read_delay"
wait "$flood" "$probe"
sleep 0.5
shed_total=$(curl -sf "$base/metrics" | awk '/^guestd_shed_total/ {print int($2)}')

# 9. The report.
python3 bench/report.py --results "$results" --flood "$work/flood.json" --probe "$work/probe.json" \
  --queue-max "$(cat "$work/queue_max" 2>/dev/null || echo 0)" --hash-queue 64 --shed-total "${shed_total:-0}" \
  --hash-floor "$hash_floor" --hash-floor-kept "$hash_floor_kept" --startup "$startup" --duration "$duration" --connections "$connections" \
  --guests "$guests" --db-mib "$db_mib" --generated-s "${generated_s:-0}" --flood-connections "$flood_conns" \
  --flood-delay "$flood_delay" --read-delay "$read_delay" --paced-connections "$paced_conns" \
  --load "$load_before / $(cut -d' ' -f1-3 /proc/loadavg)" \
  --commit "$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src || echo +dirty)" \
  --out-dir "${BENCH_OUT:-bench/results}"
