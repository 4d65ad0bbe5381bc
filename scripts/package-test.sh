#!/usr/bin/env bash
# The Debian package end to end, as root on a Debian 12 machine: build the release binary, `cpack -G DEB`, install
# the .deb with apt, check its layout, run the binary exactly as guestd.service would (only the port differs),
# make real requests, stop it with SIGTERM, purge the package and check that nothing is left. The machine is left
# as it was, even on failure. GUESTD_PACKAGE_BUILD_DIR overrides the release preset's build directory.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

failed=0
stage="setup"
installed=0          # the package is (maybe) installed by us and must be purged
created_user=0       # the guestd user did not exist before: remove it at the end
server_pid=""        # runuser's pid while a guestd runs
work=$(mktemp -d)
chmod 0755 "$work"

ok() { echo "ok - $*"; }
fail() { echo "FAIL - $stage: $*" >&2; exit 1; }
alive() { ps -p "$1" >/dev/null 2>&1; }
# dpkg's view of guestd: installed, config-files, half-installed, ... or not-installed.
package_state() { dpkg-query -W -f='${db:Status-Status}' guestd 2>/dev/null || echo not-installed; }

# The guestd process under the runuser (and sudo) that started it: the process to signal, as systemd would.
guestd_pid() {
    local pid=$1
    for _ in 1 2 3; do
        [ "$(ps -o comm= -p "$pid" 2>/dev/null)" = guestd ] && { echo "$pid"; return 0; }
        pid=$(ps -o pid= --ppid "$pid" 2>/dev/null | head -n 1 | tr -d ' ')
        [ -n "$pid" ] || return 1
    done
    return 1
}

# Stop a guestd still running, purge the package and remove the user we created; print the verdict.
cleanup() {
    local rc=$?
    trap - EXIT
    if [ -n "$server_pid" ] && alive "$server_pid"; then
        local pid
        pid=$(guestd_pid "$server_pid") && $sudo kill -KILL "$pid" 2>/dev/null
        wait "$server_pid" 2>/dev/null || true
    fi
    if [ "$installed" -eq 1 ] && [ "$(package_state)" != not-installed ]; then
        echo "cleanup: purging guestd" >&2
        $sudo dpkg --purge guestd >/dev/null 2>&1 || { echo "cleanup: dpkg --purge guestd failed" >&2; rc=1; }
    fi
    if [ "$created_user" -eq 1 ] && getent passwd guestd >/dev/null; then
        $sudo userdel guestd 2>/dev/null || { echo "cleanup: userdel guestd failed" >&2; rc=1; }
    fi
    if [ "$created_user" -eq 1 ] && getent group guestd >/dev/null; then
        $sudo groupdel guestd 2>/dev/null || { echo "cleanup: groupdel guestd failed" >&2; rc=1; }
    fi
    for dir in "${created_dirs[@]}"; do $sudo rmdir "$dir" 2>/dev/null || true; done
    rm -rf "$work"
    if [ "$rc" -ne 0 ]; then
        failed=1
        if [ -s "$work.log" ]; then echo "--- guestd output ---" >&2; tail -n 40 "$work.log" >&2; fi
    fi
    rm -f "$work.log"
    if [ "$failed" -eq 0 ]; then echo "package test: 1 passed, 0 failed"; else echo "package test: 0 passed, 1 failed"; fi
    exit "$rc"
}
created_dirs=()
trap cleanup EXIT

# 1. Refuse to touch a real installation: the test purges what it installs.
stage="preconditions"
[ "$(package_state)" = not-installed ] || fail "guestd is already on this machine ($(package_state)); the test would purge it"
[ ! -e /var/lib/guestd ] || fail "/var/lib/guestd exists; the test would delete it on purge"
getent passwd guestd >/dev/null || created_user=1
# Directories deb-systemd-helper may create, removed again if empty.
for dir in /etc/systemd/system/multi-user.target.wants /etc/systemd/system /var/lib/systemd/deb-systemd-helper-enabled/multi-user.target.wants /var/lib/systemd/deb-systemd-helper-enabled /var/lib/systemd/deb-systemd-helper-masked; do
    [ -e "$dir" ] || created_dirs+=("$dir")
done

# 2. Install what building and checking the package needs, the idempotent way install-deps.sh does.
stage="dependencies"
scripts/install-deps.sh
missing=()
for p in dpkg-dev file curl adduser python3 procps; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    $sudo apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# 3. Build the release binary and the package.
stage="build"
if [ -n "${GUESTD_PACKAGE_BUILD_DIR:-}" ]; then
    build_dir=$GUESTD_PACKAGE_BUILD_DIR
    cmake --preset release -B "$build_dir" >/dev/null
else
    build_dir=$repo/build/release
    cmake --preset release >/dev/null
fi
cmake --build "$build_dir" --target guestd
# The release binary is hardened (cmake/Hardening.cmake): the whole check while it still has its symbols.
scripts/hardening-check.sh "$build_dir/src/cli/guestd" >"$work/hardening" 2>&1 \
    || { cat "$work/hardening" >&2; fail "the release binary is not hardened"; }
ok "the release binary is hardened (hardening-check, and every flag in guestd's own functions)"
rm -f "$build_dir"/guestd_*.deb
(cd "$build_dir" && cpack -G DEB >/dev/null)
debs=("$build_dir"/guestd_*.deb)
if [ ${#debs[@]} -ne 1 ] || [ ! -f "${debs[0]}" ]; then fail "cpack did not produce exactly one guestd_*.deb"; fi
deb=$(realpath "${debs[0]}")
ok "built $(basename "$deb")"

# 4. Install it with apt, which pulls the computed Depends.
stage="install"
installed=1
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=120 "$deb" >/dev/null 2>"$work/apt.err" \
    || { cat "$work/apt.err" >&2; fail "apt-get install $deb failed"; }
[ "$(package_state)" = installed ] || fail "guestd is $(package_state) after apt-get"
ok "installed with apt-get"

# 5. Check the layout: files, conffile, metadata, user, state directory, unit.
stage="layout"
listing=$(dpkg -L guestd)
for f in /usr/bin/guestd /etc/guestd/guestd.toml /lib/systemd/system/guestd.service; do
    grep -qx "$f" <<<"$listing" || fail "dpkg -L guestd does not list $f"
    [ -f "$f" ] || fail "$f is missing"
done
[ -x /usr/bin/guestd ] || fail "/usr/bin/guestd is not executable"
dpkg-query -W -f='${Conffiles}' guestd | grep -q "^ /etc/guestd/guestd.toml " || fail "guestd.toml is not a conffile"
[ "$(dpkg-query -W -f='${Section}' guestd)" = net ] || fail "section is not net"
dpkg-query -W -f='${Depends}' guestd | grep -q "libsqlite3" || fail "Depends lacks the shared libraries (shlibdeps)"
getent passwd guestd >/dev/null || fail "no guestd user"
getent group guestd >/dev/null || fail "no guestd group"
[ "$(id -u guestd)" -lt 1000 ] || fail "guestd is not a system user"
[ "$(stat -c '%U:%G %a' /var/lib/guestd)" = "guestd:guestd 750" ] || fail "/var/lib/guestd is $(stat -c '%U:%G %a' /var/lib/guestd)"
[ "$(stat -c '%U:%G %a' /etc/guestd/guestd.toml)" = "root:guestd 640" ] || fail "guestd.toml is $(stat -c '%U:%G %a' /etc/guestd/guestd.toml)"
[ -L /etc/systemd/system/multi-user.target.wants/guestd.service ] || fail "guestd.service is not enabled"
ok "files, conffile, metadata, user, /var/lib/guestd and enablement"

# The installed binary is the release binary, stripped: hardening-check still sees PIE, RELRO, BIND_NOW, the stack
# protector and fortified calls.
scripts/hardening-check.sh --stripped /usr/bin/guestd >"$work/hardening" 2>&1 \
    || { cat "$work/hardening" >&2; fail "the installed /usr/bin/guestd is not hardened"; }
ok "/usr/bin/guestd passes hardening-check"

# Every `guestd serve` option appears in the conffile, and the conffile names no other.
options=$(/usr/bin/guestd serve --help | sed -nE 's/^ +(-[a-zA-Z],)?--([a-z0-9-]+).*/\2/p' | grep -vxE 'help|help-all|config' | sort)
keys=$(sed -nE 's/^#? ?([a-z][a-z0-9-]*) = .*/\1/p' /etc/guestd/guestd.toml | sort)
[ -n "$options" ] || fail "could not read the options of guestd serve --help"
[ "$options" = "$keys" ] || fail "guestd.toml and guestd serve --help differ: $(diff <(echo "$options") <(echo "$keys") | grep '^[<>]' | tr '\n' ' ')"
ok "guestd.toml lists every serve setting ($(wc -l <<<"$options"))"

unit=/lib/systemd/system/guestd.service
if command -v systemd-analyze >/dev/null; then
    out=$(systemd-analyze verify "$unit" 2>&1) || fail "systemd-analyze verify: $out"
    [ -z "$out" ] || fail "systemd-analyze verify: $out"
    ok "systemd-analyze verify $unit"
    # The hardening holds: systemd's exposure score stays at 2.0 or below ("OK"; the unit scores 1.5 today).
    out=$(systemd-analyze security --offline=true --threshold=20 "$unit" 2>&1) \
        || fail "systemd-analyze security: $(grep 'Overall exposure' <<<"$out")"
    ok "systemd-analyze security: $(sed -nE 's/.*Overall exposure level for guestd.service: ([0-9.]+).*/\1/p' <<<"$out")"
else
    echo "skip - systemd-analyze is not installed"
fi

# 6. Start the binary the way the unit does: its ExecStart, User, WorkingDirectory and UMask (plus a free port).
stage="run"
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
unit_user=$(sed -n 's/^User=//p' "$unit")
unit_dir=$(sed -n 's/^WorkingDirectory=//p' "$unit")
unit_umask=$(sed -n 's/^UMask=//p' "$unit")
[ "$exec_start" = "/usr/bin/guestd serve --config /etc/guestd/guestd.toml" ] || fail "unexpected ExecStart: $exec_start"
[ "$unit_user" = guestd ] || fail "unexpected User: $unit_user"

# start_server CONFIG: run guestd serve as the unit would, wait (bounded) until it listens; sets $address.
start_server() {
    local cmd=${exec_start/\/etc\/guestd\/guestd.toml/$1}
    : >"$work.log"
    # shellcheck disable=SC2086 # ExecStart is split into words, as systemd does
    (cd "$unit_dir" && umask "$unit_umask" && exec $sudo runuser -u "$unit_user" -- $cmd --listen 127.0.0.1:0) \
        >>"$work.log" 2>&1 &
    server_pid=$!
    address=""
    for _ in $(seq 1 300); do
        address=$(sed -nE 's|^guestd listening on http://(.*)$|\1|p' "$work.log")
        [ -n "$address" ] && return 0
        alive "$server_pid" || fail "guestd exited at start"
        sleep 0.1
    done
    fail "guestd did not listen within 30 s"
}

# stop_server: SIGTERM to guestd itself (runuser only relays its exit status), bounded wait, exit status 0.
stop_server() {
    local pid rc=0
    pid=$(guestd_pid "$server_pid") || fail "cannot find the guestd process under runuser ($server_pid)"
    $sudo kill -TERM "$pid"
    for _ in $(seq 1 200); do
        alive "$server_pid" || break
        sleep 0.1
    done
    alive "$server_pid" && fail "guestd did not stop within 20 s of SIGTERM"
    wait "$server_pid" || rc=$?
    server_pid=""
    [ "$rc" -eq 0 ] || fail "guestd exited with $rc after SIGTERM"
}

start_server /etc/guestd/guestd.toml
ok "guestd serve as $unit_user listens on $address"

# Create a merchant and a partner with the CLI, as the service user, next to the running server.
json_field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
guestd_cli() { (cd "$unit_dir" && umask "$unit_umask" && $sudo runuser -u "$unit_user" -- /usr/bin/guestd "$@"); }
merchant=$(guestd_cli merchant add --db /var/lib/guestd/guestd.db --id 4242 --name "Package Test Hotel") \
    || fail "guestd merchant add failed"
partner=$(guestd_cli partner add --db /var/lib/guestd/guestd.db --name "Package Test Partner" --merchant 4242) \
    || fail "guestd partner add failed"
hotel_token=$(json_field hotel_token <<<"$merchant")
partner_token=$(json_field partner_token <<<"$partner")
ok "merchant and partner created in /var/lib/guestd/guestd.db"

# One real request: an unknown email is 404 with the dialect's message (authentication and store both work)...
url="http://$address/api/xp-guest-account/account-exists?email=nobody@example.com"
status=$(curl -sS --max-time 10 -o "$work/body" -w '%{http_code}' -H "Authorization: Bearer $partner_token:$hotel_token" "$url") \
    || fail "curl $url failed"
[ "$status" = 404 ] || fail "account-exists answered $status, want 404: $(cat "$work/body")"
grep -q '"customer not found"' "$work/body" || fail "account-exists body: $(cat "$work/body")"
# ...and the same request with a wrong partner token is 401, so the 404 did not come from an open door.
status=$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' -H "Authorization: Bearer wrong:$hotel_token" "$url") \
    || fail "curl $url failed"
[ "$status" = 401 ] || fail "account-exists with a wrong token answered $status, want 401"
ok "account-exists: 404 for an unknown email, 401 for a wrong token"

stop_server
ok "SIGTERM stops guestd with exit status 0"
[ -z "$(find /var/lib/guestd -not -user guestd)" ] || fail "files in /var/lib/guestd not owned by guestd"
[ -z "$(find /var/lib/guestd -type f -perm /077)" ] || fail "files in /var/lib/guestd readable by others (UMask)"
ok "/var/lib/guestd holds only guestd's private files"

# Every commented default in the conffile is a value guestd accepts.
sed -E 's/^# ([a-z][a-z0-9-]* = )/\1/' /etc/guestd/guestd.toml >"$work/all-defaults.toml"
chmod 0644 "$work/all-defaults.toml"
start_server "$work/all-defaults.toml"
stop_server
ok "guestd accepts every setting of guestd.toml uncommented"

# 7. Purge and check that nothing is left but the user (Debian keeps system users), which we then remove.
stage="purge"
$sudo dpkg --purge guestd >/dev/null || fail "dpkg --purge guestd failed"
installed=0
[ "$(package_state)" = not-installed ] || fail "guestd is $(package_state) after purge"
for f in /usr/bin/guestd /etc/guestd /lib/systemd/system/guestd.service /var/lib/guestd \
         /etc/systemd/system/multi-user.target.wants/guestd.service \
         /var/lib/systemd/deb-systemd-helper-enabled/guestd.service.dsh-also; do
    if [ -e "$f" ] || [ -L "$f" ]; then fail "$f is left after purge"; fi
done
ok "purge removed the binary, configuration, unit, enablement and /var/lib/guestd"
