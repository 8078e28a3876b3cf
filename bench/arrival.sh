#!/usr/bin/env bash
# Arrival-rate precision benchmark (not a test): c6 runs constant-arrival-rate
# with a no-op iteration at several rates and reports, per rate, the
# iterations started against those due (achieved/target), the dropped ones,
# and how late iterations started against their exact due time (mean and
# worst, from the scheduler's own debug line). The largest gap between two
# consecutive starts is at most the nominal period plus the worst lateness.
#
#   bash bench/arrival.sh [path/to/c6]     (default: build/c6)
#
# Environment: BENCH_RATES (default "5000 20000 50000"), BENCH_DURATION
# seconds per rate (default 10). No network traffic; bounded by `timeout`.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
C6=${1:-build/c6}
RATES=${BENCH_RATES:-5000 20000 50000}
D=${BENCH_DURATION:-10}
RESULTS=$HERE/results/arrival-latest.txt
[[ -x $C6 ]] || { echo "bench: c6 binary not found: $C6 (run make first)" >&2; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

cat > "$TMP/arrival.js" <<'JS'
export const options = {
  scenarios: {
    a: { executor: 'constant-arrival-rate', rate: Number(__ENV.RATE), timeUnit: '1s',
         duration: __ENV.DUR + 's', preAllocatedVUs: 200, maxVUs: 400 },
  },
};
export default function () {}
JS

{
echo "# c6 arrival-rate precision, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, ${D}s per rate"
printf '%-8s %-10s %-10s %-9s %-8s %-16s %-14s %s\n' rate due started achieved dropped "mean late (µs)" "max late (µs)" "period (µs)"
for rate in $RATES; do
    timeout $((D + 60)) "$C6" run -v -e RATE="$rate" -e DUR="$D" --summary-trend-stats count \
        "$TMP/arrival.js" > "$TMP/out.txt" 2> "$TMP/err.txt" || true
    due=$((rate * D))
    started=$(grep -E '^ +iterations\.+:' "$TMP/out.txt" | awk '{print $2}' || true)
    dropped=$(grep -E '^ +dropped_iterations\.+:' "$TMP/out.txt" | awk '{print $2}' || true)
    # one debug line per worker: "... N iterations due, started late by M µs on average, X µs at most"
    stats=$( (grep -o '[0-9]* iterations due, started late by [0-9.]* µs on average, [0-9]* µs at most' "$TMP/err.txt" || true) |
            awk '{n+=$1; s+=$1*$7; if ($11>m) m=$11} END {if (n) printf "%.1f %d", s/n, m; else print "- -"}')
    read -r mean max <<< "$stats"
    printf '%-8s %-10s %-10s %-9s %-8s %-16s %-14s %s\n' "$rate" "$due" "${started:-0}" \
        "$(awk -v s="${started:-0}" -v d="$due" 'BEGIN {printf "%.4f", s/d}')" "${dropped:-0}" "$mean" "$max" \
        "$(awk -v r="$rate" 'BEGIN {printf "%.1f", 1e6/r}')"
done
} | tee "$RESULTS"
