# Shared by bench/nodes.sh and bench/postgres.sh (sourced, not run): guestd nodes and haproxy in front of them.
# The caller sets $guestd (the binary), $work (a scratch directory) and the array pids (what its cleanup stops).
#   free_port                 a free loopback port
#   start_node NAME DB        `guestd serve` on a free port; sets $node_url
#   stop_last                 stops the most recently started process
#   start_proxy NAME URL...   haproxy (packaging/haproxy.cfg.example's choices) in front of the nodes, once every
#                             node is UP in its checks; sets $proxy_url

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# start_node NAME DB: starts `guestd serve` on a free port; sets $node_url and appends its pid to pids.
start_node() {
  local name=$1 db=$2
  "$guestd" serve --db "$db" --listen 127.0.0.1:0 --log-level warn --mail-spool "$work/mail-$name" \
    >"$work/$name.out" 2>"$work/$name.err" &
  pids+=($!)
  for _ in $(seq 100); do grep -q "listening on" "$work/$name.out" 2>/dev/null && break; sleep 0.1; done
  node_url=$(head -1 "$work/$name.out" | sed 's/.*listening on //')
  [ -n "$node_url" ] || { echo "guestd $name did not start:" >&2; cat "$work/$name.err" >&2; exit 1; }
}

stop_last() {  # stops the most recently started process
  local last=$((${#pids[@]} - 1))
  kill "${pids[$last]}" 2>/dev/null && wait "${pids[$last]}" 2>/dev/null || true
  unset "pids[$last]"
}

# start_proxy NAME URL...: haproxy in the foreground in front of the nodes; sets $proxy_url.
start_proxy() {
  local name=$1
  shift
  local port
  port=$(free_port)
  {
    cat <<CFG
global
    maxconn 4096
    stats socket $work/$name.sock mode 600 level admin
defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    timeout http-request 10s
    timeout http-keep-alive 10s
    timeout check 2s
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response response-timeout
frontend guestd
    bind 127.0.0.1:$port
    default_backend guestd_nodes
backend guestd_nodes
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
    http-request disable-l7-retry unless METH_GET
    default-server check inter 1s fall 2 rise 2 maxconn 256
CFG
    local i=0 url
    for url in "$@"; do
      echo "    server n$i ${url#http://}"
      i=$((i + 1))
    done
  } >"$work/$name.cfg"
  /usr/sbin/haproxy -db -f "$work/$name.cfg" >"$work/$name.out" 2>"$work/$name.err" &
  pids+=($!)
  proxy_url="http://127.0.0.1:$port"
  # Ready once every node is UP in its checks.
  for _ in $(seq 100); do
    local up
    up=$(python3 - "$work/$name.sock" <<'PY' 2>/dev/null || echo 0
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"show stat\n")
data = b""
while chunk := s.recv(65536):
    data += chunk
print(sum(1 for line in data.decode().splitlines() if line.startswith("guestd_nodes,n") and ",UP," in line))
PY
)
    [ "$up" = "$#" ] && return 0
    sleep 0.1
  done
  echo "haproxy $name did not see its nodes up:" >&2
  cat "$work/$name.err" >&2
  exit 1
}
