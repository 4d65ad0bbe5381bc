#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests: initdb + pg_ctl under a temporary directory, listening only on
# 127.0.0.1 at a free port, trust authentication, no Unix socket, fsync off unless PG_TEST_DURABLE=1 (nothing in it outlives the run).
#
#   scripts/pg-test-cluster.sh start <state-dir>   start one (stopping the one <state-dir> knew of, if any),
#                                                   write its URL to <state-dir>/url and print it
#   scripts/pg-test-cluster.sh stop <state-dir>    stop it and delete its data
#   scripts/pg-test-cluster.sh url <state-dir>     print its URL
#
# PostgreSQL refuses to run as root: as root, the cluster runs as the unprivileged "postgres" system user that
# Debian's postgresql package creates. The binaries come from the newest /usr/lib/postgresql/<version>/bin, or
# from $PG_BINDIR.
set -euo pipefail

usage() {
  echo "usage: $0 start|stop|url <state-dir>" >&2
  exit 2
}
[ $# -eq 2 ] || usage
command="$1"
state_dir="$2"

bindir="${PG_BINDIR:-}"
if [ -z "$bindir" ]; then
  bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
fi

# Run a command as the cluster's owner: ourselves, or "postgres" when we are root.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

stop_cluster() {
  [ -f "$state_dir/datadir" ] || return 0
  local data
  data="$(cat "$state_dir/datadir")"
  if [ -f "$data/data/postmaster.pid" ]; then
    # A server that is already gone leaves a stale pid file: say so and delete its data all the same.
    as_owner "$bindir/pg_ctl" -D "$data/data" -m immediate -w stop >/dev/null ||
      echo "$0: no server to stop in $data/data" >&2
  fi
  case "$data" in
    /tmp/guestd-pg.*) rm -rf "$data" ;;
  esac
  rm -f "$state_dir/datadir" "$state_dir/url"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start_cluster() {
  if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
    echo "$0: no PostgreSQL server binaries (install postgresql, or set PG_BINDIR)" >&2
    exit 1
  fi
  if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
    echo "$0: running as root needs the postgres system user (install postgresql)" >&2
    exit 1
  fi
  mkdir -p "$state_dir"
  stop_cluster

  # Create the cluster in a fresh directory under /tmp, which the owner can reach whatever the permissions of the
  # state directory (or of $TMPDIR) are.
  local data
  data="$(mktemp -d /tmp/guestd-pg.XXXXXX)"
  echo "$data" >"$state_dir/datadir"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$data"
  fi
  chmod 700 "$data"
  as_owner "$bindir/initdb" -D "$data/data" -U guestd --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
    >"$data/initdb.log" 2>&1 || { cat "$data/initdb.log" >&2; exit 1; }

  # Tests need no durability; benchmarks that measure commits set PG_TEST_DURABLE=1. These are command-line
  # settings, which ALTER SYSTEM cannot override later.
  local durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  [ "${PG_TEST_DURABLE:-0}" = 1 ] && durability=""

  # Start it on a free loopback port; another process may take the port first, so try a few.
  local port="" attempt
  for attempt in 1 2 3 4 5; do
    port="$(free_port)"
    if as_owner "$bindir/pg_ctl" -D "$data/data" -l "$data/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories='' $durability \
          -c max_connections=200" start >/dev/null; then
      break
    fi
    port=""
  done
  if [ -z "$port" ]; then
    echo "$0: the server did not start; its log:" >&2
    cat "$data/server.log" >&2 || true
    exit 1
  fi

  local url="postgresql://guestd@127.0.0.1:$port/postgres"
  echo "$url" >"$state_dir/url"
  echo "$url"
}

case "$command" in
  start) start_cluster ;;
  stop) stop_cluster ;;
  url) cat "$state_dir/url" ;;
  *) usage ;;
esac
