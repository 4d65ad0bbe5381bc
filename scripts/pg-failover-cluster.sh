#!/usr/bin/env bash
# A throwaway pg_auto_failover formation for the failover test (tests/failover): a monitor and two PostgreSQL 15
# data nodes (node1, node2) with synchronous replication, each run by its own `pg_autoctl run` agent in a process
# group of its own, under a temporary directory, listening only on 127.0.0.1 at free ports, trust authentication.
# The monitor's timeouts are cut from tens of seconds to a few (docs/operations.md keeps the defaults for
# production), so that a failover takes about 10 s.
#
#   scripts/pg-failover-cluster.sh start <state-dir>        create and start it; write the guestd URL (every node,
#                                                           target_session_attrs=read-write) to <state-dir>/url
#   scripts/pg-failover-cluster.sh stop <state-dir>         stop it and delete its data
#   scripts/pg-failover-cluster.sh url <state-dir>          print that URL
#   scripts/pg-failover-cluster.sh state <state-dir>        print "name port reported-state assigned-state" per node
#   scripts/pg-failover-cluster.sh primary <state-dir>      print "name port" of the node that is primary (reported
#                                                           and assigned primary, wait_primary or single); fail if none
#   scripts/pg-failover-cluster.sh kill <state-dir> <name>  SIGKILL the node's agent and its postmaster (and backends)
#   scripts/pg-failover-cluster.sh run <state-dir> <name>   start the node's agent again (it rejoins as a standby)
#   scripts/pg-failover-cluster.sh wait-healthy <state-dir> [seconds]
#                                                           wait until one node is primary, the other secondary and
#                                                           the primary's standby is synchronous; print the primary
#
# PostgreSQL refuses to run as root: as root, everything runs as the "postgres" system user (Debian's postgresql
# package creates it). Needs Debian's postgresql-15-auto-failover and pg-auto-failover-cli.
set -euo pipefail

usage() {
  echo "usage: $0 start|stop|url|state|primary|wait-healthy <state-dir> | kill|run <state-dir> <node>" >&2
  exit 2
}
[ $# -ge 2 ] || usage
command="$1"
state_dir="$2"

bindir="${PG_BINDIR:-}"
if [ -z "$bindir" ]; then
  bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
fi

# The data directories, logs and pg_autoctl's own files (config, state, pid files) live under one root.
root=""
[ -f "$state_dir/root" ] && root="$(cat "$state_dir/root")"

# Run a command as the formation's owner, with pg_autoctl's files under the root: ourselves, or "postgres" when we
# are root.
as_owner() {
  local env=(env "XDG_CONFIG_HOME=$root/xdg/config" "XDG_DATA_HOME=$root/xdg/data" "XDG_RUNTIME_DIR=$root/xdg/run"
    "PATH=$bindir:/usr/bin:/bin" "PG_CONFIG=$bindir/pg_config")
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "${env[@]}" "$@"
  else
    "${env[@]}" "$@"
  fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

monitor_url() { echo "postgres://autoctl_node@127.0.0.1:$(cat "$root/monitor.port")/pg_auto_failover?sslmode=disable"; }

# Runs SQL on the monitor's database; prints the rows, fields separated by spaces.
on_monitor() {
  as_owner psql -X -q -A -t -F ' ' -h 127.0.0.1 -p "$(cat "$root/monitor.port")" -d pg_auto_failover -c "$1"
}

# Starts the agent of a node (monitor, node1, node2) in the background, in a session and process group of its own
# whose id goes to <root>/<node>.pgid: killing that group kills the agent, its postmaster and every backend.
start_agent() {
  local name="$1"
  rm -f "$root/$name.pgid"
  as_owner setsid bash -c 'echo $$ >"$1/$2.pgid"; exec pg_autoctl run --pgdata "$1/$2" >>"$1/$2.log" 2>&1' \
    agent "$root" "$name" </dev/null >/dev/null 2>&1 &
  local i
  for i in $(seq 1 100); do
    [ -s "$root/$name.pgid" ] && return 0
    sleep 0.1
  done
  echo "$0: the agent of $name did not start" >&2
  return 1
}

kill_agent() {
  local name="$1" signal="$2" pgid
  [ -s "$root/$name.pgid" ] || return 0
  pgid="$(cat "$root/$name.pgid")"
  kill "-$signal" -- "-$pgid" 2>/dev/null || true
}

# Waits until no process of the group is left; false after about seconds.
wait_group_gone() {
  local name="$1" seconds="$2" pgid i
  [ -s "$root/$name.pgid" ] || return 0
  pgid="$(cat "$root/$name.pgid")"
  for i in $(seq 1 $((seconds * 10))); do
    pgrep -g "$pgid" >/dev/null || { rm -f "$root/$name.pgid"; return 0; }
    sleep 0.1
  done
  return 1
}

# Waits until the query on the monitor prints something; false after about seconds.
wait_monitor() {
  local sql="$1" seconds="$2" i out
  for i in $(seq 1 $((seconds * 4))); do
    out="$(on_monitor "$sql" 2>/dev/null || true)"
    if [ -n "$out" ]; then
      echo "$out"
      return 0
    fi
    sleep 0.25
  done
  return 1
}

# Settings for a test on a shared machine, in postgresql.auto.conf so that they win over pg_auto_failover's own
# (its tuning would give each server a quarter of the machine's memory). No fsync: nothing here outlives the run,
# and a killed postmaster leaves its writes in the OS cache. Replication stays synchronous (synchronous_commit on).
small_server() {
  as_owner tee -a "$1/postgresql.auto.conf" >/dev/null <<'EOF'
shared_buffers = '32MB'
effective_cache_size = '256MB'
maintenance_work_mem = '32MB'
work_mem = '4MB'
wal_keep_size = '256MB'
max_connections = 100
fsync = off
full_page_writes = off
EOF
}

create_node() {
  local name="$1" port
  port="$(free_port)"
  echo "$port" >"$root/$name.port"
  as_owner pg_autoctl create postgres --pgdata "$root/$name" --pgctl "$bindir/pg_ctl" --pgport "$port" \
    --listen 127.0.0.1 --hostname 127.0.0.1 --name "$name" --dbname guestd --monitor "$(monitor_url)" \
    --auth trust --no-ssl >>"$root/$name.log" 2>&1 || { tail -n 40 "$root/$name.log" >&2; return 1; }
}

stop_formation() {
  [ -n "$root" ] || return 0
  # Ask each agent to stop (it stops its postmaster), then kill what is left.
  local name
  for name in node1 node2 monitor; do kill_agent "$name" TERM; done
  for name in node1 node2 monitor; do
    wait_group_gone "$name" 15 || { kill_agent "$name" KILL; wait_group_gone "$name" 5 || true; }
  done
  case "$root" in
    /tmp/guestd-paf.*) rm -rf "$root" ;;
  esac
  rm -f "$state_dir/root" "$state_dir/url"
}

start_formation() {
  if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ] || ! command -v pg_autoctl >/dev/null; then
    echo "$0: needs the PostgreSQL server and pg_auto_failover (postgresql-15-auto-failover, pg-auto-failover-cli)" >&2
    exit 1
  fi
  if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
    echo "$0: running as root needs the postgres system user (install postgresql)" >&2
    exit 1
  fi
  mkdir -p "$state_dir"
  stop_formation
  root="$(mktemp -d /tmp/guestd-paf.XXXXXX)"
  echo "$root" >"$state_dir/root"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$root"
  chmod 700 "$root"
  as_owner mkdir -m 700 -p "$root/xdg/config" "$root/xdg/data" "$root/xdg/run"
  as_owner touch "$root/monitor.log" "$root/node1.log" "$root/node2.log"

  # The monitor: a PostgreSQL of its own with the pgautofailover extension, on loopback only. Its health checks
  # every second; a primary that misses them for 4 s is failed over, after at most 5 s for it to demote itself
  # (the defaults are 20 s and 30 s).
  free_port >"$root/monitor.port"
  as_owner pg_autoctl create monitor --pgdata "$root/monitor" --pgctl "$bindir/pg_ctl" \
    --pgport "$(cat "$root/monitor.port")" --hostname 127.0.0.1 --auth trust --no-ssl >>"$root/monitor.log" 2>&1 ||
    { tail -n 40 "$root/monitor.log" >&2; exit 1; }
  as_owner pg_autoctl config set --pgdata "$root/monitor" postgresql.listen_addresses 127.0.0.1 >/dev/null
  small_server "$root/monitor"
  as_owner tee -a "$root/monitor/postgresql.auto.conf" >/dev/null <<'EOF'
pgautofailover.health_check_period = 1000
pgautofailover.health_check_timeout = 2000
pgautofailover.health_check_max_retries = 1
pgautofailover.health_check_retry_delay = 500
pgautofailover.node_considered_unhealthy_timeout = 4000
pgautofailover.primary_demote_timeout = 5000
EOF
  start_agent monitor
  wait_monitor "SELECT 1" 60 >/dev/null || { echo "$0: the monitor did not start" >&2; tail -n 40 "$root/monitor.log" >&2; exit 1; }

  # node1: initialised as a single primary; the guestd role may create the test databases.
  create_node node1
  small_server "$root/node1"
  start_agent node1
  wait_monitor "SELECT 1 FROM pgautofailover.node WHERE nodename = 'node1' AND reportedstate = 'single' AND goalstate = 'single'" 60 >/dev/null ||
    { echo "$0: node1 did not start" >&2; tail -n 40 "$root/node1.log" >&2; exit 1; }
  local i
  for i in $(seq 1 120); do
    as_owner "$bindir/pg_isready" -q -h 127.0.0.1 -p "$(cat "$root/node1.port")" && break
    sleep 0.5
  done
  as_owner psql -X -q -h 127.0.0.1 -p "$(cat "$root/node1.port")" -d guestd \
    -c "CREATE ROLE guestd LOGIN CREATEDB" -c "ALTER DATABASE guestd OWNER TO guestd" >/dev/null

  # node2: a base backup of node1 (settings included), then its synchronous standby.
  create_node node2
  start_agent node2
  if ! "$0" wait-healthy "$state_dir" 120 >/dev/null; then
    echo "$0: the formation did not become healthy" >&2
    on_monitor "SELECT nodename, reportedstate, goalstate FROM pgautofailover.node" >&2 || true
    tail -n 20 "$root/node1.log" "$root/node2.log" >&2
    exit 1
  fi

  local url="postgresql://guestd@127.0.0.1:$(cat "$root/node1.port"),127.0.0.1:$(cat "$root/node2.port")/guestd?target_session_attrs=read-write"
  echo "$url" >"$state_dir/url"
  echo "$url"
}

primary_node() {
  on_monitor "SELECT nodename, nodeport FROM pgautofailover.node
              WHERE reportedstate = goalstate AND goalstate IN ('primary', 'wait_primary', 'single')"
}

wait_healthy() {
  local seconds="${1:-120}" i primary port sync
  for i in $(seq 1 $((seconds * 4))); do
    primary="$(on_monitor "SELECT p.nodename, p.nodeport FROM pgautofailover.node p, pgautofailover.node s
                            WHERE p.reportedstate = 'primary' AND p.goalstate = 'primary'
                              AND s.reportedstate = 'secondary' AND s.goalstate = 'secondary'" 2>/dev/null || true)"
    if [ -n "$primary" ]; then
      port="${primary#* }"
      sync="$(as_owner psql -X -q -A -t -h 127.0.0.1 -p "$port" -d postgres -c \
        "SELECT count(*) FROM pg_stat_replication WHERE sync_state IN ('sync', 'quorum')
           AND current_setting('synchronous_standby_names') <> ''
           AND current_setting('synchronous_commit') IN ('on', 'remote_apply', 'remote_write')" 2>/dev/null || true)"
      if [ "$sync" = 1 ]; then
        echo "$primary"
        return 0
      fi
    fi
    sleep 0.25
  done
  return 1
}

node_arg() {
  [ $# -ge 3 ] || usage
  case "$3" in
    node1 | node2) echo "$3" ;;
    *) usage ;;
  esac
}

case "$command" in
  start) start_formation ;;
  stop) stop_formation ;;
  url) cat "$state_dir/url" ;;
  state) on_monitor "SELECT nodename, nodeport, reportedstate, goalstate FROM pgautofailover.node ORDER BY nodeid" ;;
  primary)
    out="$(primary_node)"
    [ -n "$out" ] && [ "$(wc -l <<<"$out")" -eq 1 ] || exit 1
    echo "$out"
    ;;
  kill)
    name="$(node_arg "$@")"
    kill_agent "$name" KILL
    wait_group_gone "$name" 10
    ;;
  run)
    name="$(node_arg "$@")"
    start_agent "$name"
    ;;
  wait-healthy) wait_healthy "${3:-120}" ;;
  *) usage ;;
esac
