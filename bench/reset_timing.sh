#!/usr/bin/env bash
# Does an anonymous reset request take as long for a missing account as for an existing one? Interleaves
# requests for existing accounts (each gets its code and its email queued) and for missing ones, on the same
# server in the same run, in a random order within each pair, prints both latency distributions side by side,
# and ends with a statistical verdict over the pairs (bench/paired_verdict.py: the median of the paired
# differences and the Wilcoxon signed-rank test; "indistinguishable" when p >= 0.01).
# Usage: bench/reset_timing.sh [pairs, default 300]
#   GUESTD=path/to/guestd  measure that binary instead of building build/bench (e.g. to compare two builds)
set -euo pipefail
cd "$(dirname "$0")/.."
pairs=${1:-300}

. bench/lib.sh
if [ -n "${GUESTD:-}" ]; then guestd=$GUESTD; else bench_build guestd; fi
bench_server
basic="$client_id:$client_secret"

# One account per pair, so no request meets the hourly cap of 3 emails.
for start in $(seq 1 100 "$pairs"); do
  batch=""
  for i in $(seq "$start" $((start + 99 < pairs ? start + 99 : pairs))); do
    batch+="{\"reference\":\"B$i\",\"status\":\"valid\",\"customer\":{\"reference\":\"C$i\",\"email\":\"guest$i@example.com\"}},"
  done
  curl -sf -H "$auth" -H 'Content-Type: application/json' -d "{\"bookings\":[${batch%,}]}" "$base/api/xp-store-bookings/bookings" >/dev/null
done
for i in $(seq 1 "$pairs"); do
  curl -sf -H "$auth" -H 'Content-Type: application/json' -d "{\"email\":\"guest$i@example.com\",\"password\":\"bench passphrase $i\"}" \
    "$base/api/xp-guest-account/update-password" >/dev/null
done

# Alternate existing and missing, each pair in a random order, so both see the same machine noise and neither
# always follows the other (the mail worker wakes after each existing one); keep one connection per request.
url="$base/rest/25.33/guestmanagement/generateAndSendGuestResetPasswordCode.json"
request() {
  curl -s -o /dev/null -w '%{time_total}\n' -u "$basic" -H 'Content-Type: application/json' \
    -d "{\"authentication\":\"anonymous\",\"merchantId\":1,\"email\":\"$1\"}" "$url"
}
for i in $(seq 1 "$pairs"); do
  if [ $((RANDOM % 2)) -eq 0 ]; then
    request "guest$i@example.com" >>"$work/existing"
    request "missing$i@example.com" >>"$work/missing"
  else
    request "missing$i@example.com" >>"$work/missing"
    request "guest$i@example.com" >>"$work/existing"
  fi
done

stats() { sort -n "$1" | awk '{v[NR] = $1 * 1000} END {printf "%8.3f %8.3f %8.3f", v[int(NR * 0.5)], v[int(NR * 0.9)], v[int(NR * 0.99)]}'; }
echo
echo "anonymous reset request latency, $pairs interleaved pairs, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
printf '%-18s %8s %8s %8s\n' account "p50 ms" "p90 ms" "p99 ms"
printf '%-18s %s\n' existing "$(stats "$work/existing")"
printf '%-18s %s\n' missing "$(stats "$work/missing")"
paste <(sort -n "$work/existing") <(sort -n "$work/missing") | awk '{e[NR] = $1; m[NR] = $2}
  END {printf "median ratio existing/missing: %.2f\n", e[int(NR / 2)] / m[int(NR / 2)]}'
echo "emails queued: $(ls "$work/mail" 2>/dev/null | wc -l) (one per existing account)"
echo "A = existing, B = missing:"
python3 bench/paired_verdict.py "$work/existing" "$work/missing"
