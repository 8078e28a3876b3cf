#!/usr/bin/env bash
# Start skew of a distributed run (not a test): a coordinator and N agents
# on this machine run a short no-op test, R times; per run, the skew the
# coordinator measured between the agents' actual starts and how late the
# last one started against the planned common start (its log line).
#
#   bash bench/dist_skew.sh [path/to/c6]     (default: build/c6)
#
# Environment: BENCH_AGENTS (default 4), BENCH_RUNS (default 5). Loopback
# only (a free port per run); every process bounded by `timeout`.
set -euo pipefail

C6=$(realpath "${1:-build/c6}")
N=${BENCH_AGENTS:-4}
R=${BENCH_RUNS:-5}
[[ -x $C6 ]] || { echo "bench: c6 binary not found: $C6 (run make first)" >&2; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cat > "$TMP/noop.js" <<'JS'
export const options = { scenarios: { s: { executor: 'shared-iterations', vus: 4, iterations: 400 } } };
export default function () {}
JS

echo "# c6 distributed start skew, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $N agents, $R runs"
printf '%-4s %-12s %s\n' run "skew (ms)" "last start after the planned one (ms)"
for run in $(seq 1 "$R"); do
    timeout 120 "$C6" coordinator "$TMP/noop.js" --instances "$N" --listen 127.0.0.1:0 \
        > "$TMP/c.out" 2> "$TMP/c.err" &
    cpid=$!
    port=""
    for _ in $(seq 1 300); do
        port=$(sed -n 's/.*coordinator listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$TMP/c.err")
        [[ -n $port ]] && break
        sleep 0.1
    done
    [[ -n $port ]] || { echo "bench: the coordinator did not listen" >&2; cat "$TMP/c.err" >&2; exit 1; }
    for i in $(seq 1 "$N"); do
        (cd "$TMP" && timeout 120 "$C6" agent "127.0.0.1:$port" > "a$i.out" 2> "a$i.err") &
    done
    wait
    line=$(grep -o 'start skew between the [0-9]* agents: [0-9.]* ms (the last started [-0-9.]* ms' "$TMP/c.err" || true)
    skew=$(sed -n 's/.*agents: \([0-9.]*\) ms.*/\1/p' <<<"$line")
    late=$(sed -n 's/.*the last started \([-0-9.]*\) ms.*/\1/p' <<<"$line")
    printf '%-4s %-12s %s\n' "$run" "${skew:-?}" "${late:-?}"
done
