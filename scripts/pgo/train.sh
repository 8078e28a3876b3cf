#!/usr/bin/env bash
# The runs build/c6's profile comes from (Makefile: PGO; `make pgo-refresh`
# makes it again). An instrumented c6 (-fprofile-generate) runs, against a
# c6-target it starts on loopback, the iteration issue 17 measures
# (scripts/pgo/check.js: bench/scripts/check.js's http.get + check + sleep,
# the sleep short), the throughput loop of bench/run.sh (bench/scripts/get.js)
# and a mix of the k6 API a typical test uses (scripts/pgo/mix.js); each run
# adds its counts to the .gcda files the instrumented compile named (the
# Makefile's pgo_name) when it exits. About 15 s, bounded by timeouts;
# loopback only.
#
#   bash scripts/pgo/train.sh <instrumented c6> <c6-target>
set -euo pipefail
C6=$1
TARGET_BIN=$2
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
out=$(mktemp -d)
trap 'kill "$tpid" 2>/dev/null || true; rm -rf "$out"' EXIT
"$TARGET_BIN" --listen 127.0.0.1:0 >"$out/target" 2>"$out/target.err" &
tpid=$!
url=
for _ in $(seq 100); do
    url=$(sed -n 's/^c6 target listening on \(http:\/\/[^ ]*\)$/\1/p' "$out/target")
    [ -n "$url" ] && break
    kill -0 "$tpid" 2>/dev/null || break
    sleep 0.1
done
[ -n "$url" ] || { echo "pgo: c6-target did not start: $(cat "$out/target.err")" >&2; exit 1; }
run() {
    local t0=$SECONDS
    timeout 120 "$C6" run -q --no-summary -e "TARGET=$url/" "$@" >"$out/run" 2>&1 || {
        echo "pgo: training run failed: c6 run $*" >&2
        tail -5 "$out/run" >&2
        exit 1
    }
    echo "pgo: trained on $(basename "${@: -1}") ($((SECONDS - t0)) s)" >&2
}
run -u 200 -d 8s "$ROOT/scripts/pgo/check.js"
run -u 50 -d 3s "$ROOT/bench/scripts/get.js"
run "$ROOT/scripts/pgo/mix.js"
