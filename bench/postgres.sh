#!/usr/bin/env bash
# Issue 14's benchmark: guestd on PostgreSQL against PostgreSQL's own floor, measured in one run on one throwaway
# cluster with durable commits (fsync, synchronous_commit, full_page_writes on), every measurement at the same
# concurrency (these machines are shared and noisy: only figures from the same run compare):
#   pgbench -S          pgbench -S -M prepared (select-only), the floor of reads
#   pgbench update      bench/pgbench_update.sql -M prepared: one transaction updating one row and reading it back,
#                       the floor of writes (pgbench's own tables, -s 10, in a database of their own)
#   pg-1                one guestd node
#   pg-1-proxy          the same node behind haproxy (packaging/haproxy.cfg.example's choices): the proxy's cost
#   pg-2-proxy          two nodes on the same database behind haproxy
# guestd's scenarios (bench/wrk/postgres.lua): reads are token-authenticated GET guest-informations of random guests;
# writes are PUT guest-informations, each request on a guest no other request in flight has (a real change, no
# If-Match). The guests come from bench_dataset (written straight into SQLite: argon2id through the API would take
# minutes) and move to PostgreSQL with `guestd migrate-data`. Everything, wrk and pgbench included, shares this
# machine's cores: two nodes add capacity only where there are cores to spare (docs/performance.md).
# Prints a Markdown report and writes it to bench/results/postgres/YYYY-MM-DD-HHMM.md.
# Usage: bench/postgres.sh [seconds per measurement, default 10]
#   BENCH_CONNECTIONS=32   wrk connections and pgbench clients
#   BENCH_THREADS=2        wrk threads and pgbench -j
#   BENCH_GUESTS=5000      guests with an account and a token (the merchant has as many more without)
#   BENCH_SCALE=10         pgbench's scale (1,000,000 rows in pgbench_accounts)
#   GUESTD_BIN=path        a release guestd to measure (else one is built in build/bench, as bench/lib.sh does)
#   BENCH_DATASET_BIN=path bench_dataset (else built likewise)
#   BENCH_OUT=dir          write the report there instead (a try that should not become history)
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
connections=${BENCH_CONNECTIONS:-32}
threads=${BENCH_THREADS:-2}
guests=${BENCH_GUESTS:-5000}
scale=${BENCH_SCALE:-10}
# Write guests per wrk thread: twice its connections, so that a guest lost to a failed request leaves spares.
pool=$((2 * ((connections + threads - 1) / threads)))
((guests >= threads * pool)) || { echo "$0: BENCH_GUESTS must be at least $((threads * pool))" >&2; exit 2; }

. bench/lib.sh
targets=()
[ -n "${GUESTD_BIN:-}" ] || targets+=(guestd)
[ -n "${BENCH_DATASET_BIN:-}" ] || targets+=(bench_dataset)
[ ${#targets[@]} -eq 0 ] || bench_build "${targets[@]}"
guestd=${GUESTD_BIN:-build/bench/src/cli/guestd}
dataset=${BENCH_DATASET_BIN:-build/bench/bench/bench_dataset}
for tool in wrk pgbench psql /usr/sbin/haproxy; do
  command -v "$tool" >/dev/null || { echo "$0: $tool is missing (scripts/install-deps.sh)" >&2; exit 1; }
done

chmod 755 "$work"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; done
  scripts/pg-test-cluster.sh stop "$work/pg" >/dev/null 2>&1 || true
  bench_cleanup
}
trap cleanup EXIT
. bench/lib_nodes.sh
log() { echo "bench: $*" >&2; }

# 1. The guests: merchant 1 with 2 * $guests guests, the odd ones with an account and a live token, in SQLite, then
#    moved to PostgreSQL.
log "seeding $guests guests with accounts and tokens"
seed=$work/seed.db
hotel=$("$guestd" merchant add --db "$seed" --id 1 --name "Bench Hotel" | field hotel_token)
creds=$("$guestd" partner add --db "$seed" --name Bench --merchant 1)
partner=$(echo "$creds" | field partner_token)
"$dataset" --db "$seed" --partner "$(echo "$creds" | grep -o '"partner_id":[0-9]*' | cut -d: -f2)" \
  --guests $((2 * guests)) --small-merchants 0 >/dev/null

pg_url=$(PG_TEST_DURABLE=1 scripts/pg-test-cluster.sh start "$work/pg")
psql -q "$pg_url" -c "CREATE DATABASE guestd" -c "CREATE DATABASE pgbench" >/dev/null
db=${pg_url%/*}/guestd
pgbench_db=${pg_url%/*}/pgbench
"$guestd" migrate-data --from "$seed" --to "$db" >/dev/null 2>"$work/migrate.err" || { cat "$work/migrate.err" >&2; exit 1; }
pgbench -i -q -s "$scale" "$pgbench_db" >"$work/pgbench-init.log" 2>&1 || { cat "$work/pgbench-init.log" >&2; exit 1; }
for database in "$db" "$pgbench_db"; do psql -q "$database" -c "VACUUM ANALYZE" >/dev/null; done
psql -q "$pg_url" -c "CHECKPOINT" >/dev/null

results=$work/results
: >"$results"

# CPU milliseconds so far of the guestd nodes being measured ($nodes: their pids) and of the whole PostgreSQL
# cluster (the postmaster, its live children and the children it reaped): "guestd-ms postgres-ms". Per request, they
# say what a node would need of cores of its own (docs/performance.md).
postmaster=$(head -1 "$(cat "$work/pg/datadir")/data/postmaster.pid")
nodes=""
cpu_ms() {
  python3 - "$postmaster" $nodes <<'PY'
import os, sys
def stat(pid):  # the fields after the command name: [1] ppid, [11] utime, [12] stime, [13] cutime, [14] cstime
    try:
        return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    except OSError:
        return None
postmaster, nodes = sys.argv[1], sys.argv[2:]
guestd = sum(int(f[11]) + int(f[12]) for f in map(stat, nodes) if f)
pg = sum(int(x) for x in stat(postmaster)[11:15])
for pid in filter(str.isdigit, os.listdir("/proc")):
    f = stat(pid)
    if f and f[1] == postmaster:
        pg += int(f[11]) + int(f[12])
tick = 1000 / os.sysconf("SC_CLK_TCK")
print(f"{guestd * tick:.0f} {pg * tick:.0f}")
PY
}
# record NAME COMMAND...: runs one measurement, whose output is "requests/s p50 p99 errors", and appends to the
# results "NAME requests/s p50 p99 errors" and the CPU milliseconds before and after.
record() {
  local name=$1 before figures
  shift
  before=$(cpu_ms)
  figures=$("$@")
  echo "$name $figures $before $(cpu_ms)" >>"$results"
}

# 2. The floor: pgbench with the same client count. Latencies from a 10% sample of its per-transaction log.
floor() {  # pgbench-flags...
  rm -f "$work"/pgbench-log.*
  pgbench -M prepared -c "$connections" -j "$threads" -T "$duration" -l --sampling-rate 0.1 \
    --log-prefix "$work/pgbench-log" "$@" "$pgbench_db" >"$work/pgbench.out" 2>&1 || true
  python3 - "$work/pgbench.out" "$work"/pgbench-log.* <<'PY'
import re, sys
out, logs = open(sys.argv[1]).read(), sys.argv[2:]
tps = re.search(r"tps = ([0-9.]+)", out)
failed = re.search(r"number of failed transactions: (\d+)", out)
lat = sorted(int(line.split()[2]) for path in logs for line in open(path))
if not tps or not lat:
    sys.exit(f"pgbench failed:\n{out}")
def q(p): return lat[min(len(lat) - 1, int(p * len(lat)))] / 1000
print(f"{tps.group(1)} {q(0.5):.3f} {q(0.99):.3f} {int(failed.group(1)) if failed else 0}")
PY
}
log "pgbench -S, then the update script"
record "floor reads" floor -S
record "floor writes" floor -s "$scale" -f bench/pgbench_update.sql

# 3. guestd: each setup warmed up for 2 s of reads (connection pools, caches), then reads, then writes.
export BENCH_PARTNER=$partner BENCH_HOTEL=$hotel BENCH_GUESTS=$guests BENCH_POOL=$pool
load() {  # scenario url seconds
  BENCH_SCENARIO=$1 wrk -t"$threads" -c"$connections" -d"$3s" --timeout 10s -s bench/wrk/postgres.lua "$2" |
    sed -n 's/^RESULT //p'
}
measure() {  # setup url
  log "$1"
  load read "$2" 2 >/dev/null
  record "$1 reads" load read "$2" "$duration"
  record "$1 writes" load write "$2" "$duration"
}
start_node a "$db"
node_a=$node_url
nodes=${pids[-1]}
measure pg-1 "$node_a"
start_proxy proxy-1 "$node_a"
measure pg-1-proxy "$proxy_url"
stop_last
start_node b "$db"
nodes="$nodes ${pids[-1]}"
start_proxy proxy-2 "$node_a" "$node_url"
measure pg-2-proxy "$proxy_url"

# 4. The report. The write guests show that every PUT changed a row and that the connections kept to their own.
written=$(psql -Atq "$db" -c "SELECT count(*) FROM guests WHERE city LIKE 'Bench %'")
header="$(date -u +%Y-%m-%dT%H:%M:%SZ), guestd $(git rev-parse --short HEAD)${GUESTD_BIN:+ (GUESTD_BIN=$GUESTD_BIN)},\
 $(nproc) cores shared by every process (load average before the run: $load_before),\
 PostgreSQL $(psql -Atq "$pg_url" -c 'SHOW server_version' | cut -d' ' -f1) with durable commits;\
 ${duration} s per measurement, $connections connections (wrk -t$threads; pgbench -c$connections -j$threads),\
 $guests guests with tokens, pgbench -s $scale."
out_dir=${BENCH_OUT:-bench/results/postgres}
mkdir -p "$out_dir"
report=$out_dir/$(date -u +%Y-%m-%d-%H%M).md
python3 - "$results" "$header" "$duration" "$written" "$((threads * pool))" >"$report" <<'PY'
import sys
results, header, duration, written, owned = sys.argv[1:]
fig = {}
for r in (line.split() for line in open(results)):
    rps, p50, p99, err, g0, p0, g1, p1 = map(float, r[2:])
    n = rps * float(duration)
    fig[(r[0], r[1])] = dict(rps=rps, p50=p50, p99=p99, err=int(err), g=(g1 - g0) / n, pg=(p1 - p0) / n)
floor_name = {"reads": "pgbench -S", "writes": "pgbench update"}
def ratio(setup, scenario, to):
    return fig[(setup, scenario)]["rps"] / fig[(to, scenario)]["rps"]

print("# guestd on PostgreSQL against pgbench (issue 14, bench/postgres.sh)\n")
print(header + "\n")
print("| setup | scenario | requests/s (tps) | p50 ms | p99 ms | errors | ratio | guestd CPU ms/request | PostgreSQL CPU ms/request |")
print("|---|---|---:|---:|---:|---:|---|---:|---:|")
for (setup, scenario), f in fig.items():
    if setup == "floor":
        name, text, guestd = floor_name[scenario], "the floor", "-"
    else:
        name, guestd = setup, f"{f['g']:.3f}"
        text = f"{ratio(setup, scenario, 'floor'):.2f} of {floor_name[scenario]}"
        if setup == "pg-2-proxy":
            text += (f"; {ratio(setup, scenario, 'pg-1-proxy'):.2f}x pg-1-proxy,"
                     f" {ratio(setup, scenario, 'pg-1'):.2f}x pg-1")
    print(f"| {name} | {scenario} | {f['rps']:,.0f} | {f['p50']:.2f} | {f['p99']:.2f} | {f['err']} | {text}"
          f" | {guestd} | {f['pg']:.3f} |")
print(f"\nThe writes changed the city of {written} guests, of the {owned} the wrk threads own.\n")
print("| target (issue 14) | measured | |")
print("|---|---:|---|")
def target(what, value, met):
    print(f"| {what} | {value} | {'met' if met else 'not met'} |")
for scenario in ("reads", "writes"):
    r = ratio("pg-1", scenario, "floor")
    target(f"one node's {scenario} >= 0.5 of {floor_name[scenario]}", f"{r:.2f}", r >= 0.5)
for scenario in ("reads", "writes"):
    p99 = fig[("pg-1", scenario)]["p99"]
    target(f"one node's {scenario} p99 < 20 ms", f"{p99:.1f} ms", p99 < 20)
r = ratio("pg-2-proxy", "reads", "pg-1-proxy")
target("two nodes' reads >= 1.5x one node's, both behind haproxy (needs cores per node: docs/performance.md)",
       f"{r:.2f}x", r >= 1.5)
PY
echo
cat "$report"
