#!/usr/bin/env bash
# Coordinated-omission demonstration (a measurement, not a test): a server
# that stalls once for 1 s, c6 running constant-arrival-rate at 50/s on 2
# VUs with --latency-correction. The users due during the stall are dropped
# (k6 behaviour); http_req_duration's p99 hardly moves, while
# http_req_duration_corrected (README "Coordinated omission") counts each of
# them from when it was due.
#
#   bash bench/coordinated_omission.sh [path/to/c6]     (default: build/c6)
#
# Prints one report line and writes it, with the summary's lines, to
# bench/results/co-latest.txt. Loopback only; bounded by `timeout`.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
C6=${1:-build/c6}
D=${BENCH_CO_DURATION:-10}
RESULTS=$HERE/results/co-latest.txt
[[ -x $C6 ]] || { echo "bench: c6 binary not found: $C6 (run make first)" >&2; exit 1; }
TMP=$(mktemp -d)
SRV_PID=""
cleanup() { [[ -n $SRV_PID ]] && kill "$SRV_PID" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT

# the target: answers at once, but everything arriving in [3 s, 4 s) after
# its first request waits until 4 s; it exits by itself after D + 30 s
cat > "$TMP/stall.py" <<'PY'
import sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
lock, first, window = threading.Lock(), [None], [None]
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    def log_message(self, *a): pass
    def do_GET(self):
        now = time.monotonic()
        with lock:
            first[0] = first[0] or now
            if window[0] is None and now - first[0] >= 3.0: window[0] = (now, now + 1.0)
            w = window[0]
        if w and w[0] <= now < w[1]: time.sleep(w[1] - now)
        self.send_response(200); self.send_header("Content-Length", "3"); self.end_headers(); self.wfile.write(b"ok\n")
srv = ThreadingHTTPServer(("127.0.0.1", 0), H); srv.daemon_threads = True
print(srv.server_address[1], flush=True)
threading.Timer(float(sys.argv[1]), srv.shutdown).start()
srv.serve_forever()
PY
cat > "$TMP/co.js" <<'JS'
import http from 'k6/http';
export const options = {
  scenarios: { co: { executor: 'constant-arrival-rate', rate: 50, timeUnit: '1s', duration: __ENV.DUR + 's',
                     preAllocatedVUs: 2, maxVUs: 2 } },
  summaryTrendStats: ['avg', 'p(50)', 'p(99)', 'max', 'count'],
};
export default function () { http.get(__ENV.URL); }
JS

python3 "$TMP/stall.py" $((D + 30)) > "$TMP/port" &
SRV_PID=$!
for _ in $(seq 50); do [[ -s $TMP/port ]] && break; sleep 0.1; done
PORT=$(cat "$TMP/port")
[[ -n $PORT ]] || { echo "bench: the stalling server did not start" >&2; exit 1; }

timeout $((D + 60)) "$C6" run -q --latency-correction -e URL="http://127.0.0.1:$PORT/" -e DUR="$D" \
    "$TMP/co.js" > "$TMP/out.txt" 2> "$TMP/err.txt" || true

# "p(99)=961.25ms" of a summary line -> 961.25ms
stat() { grep -E "^ *$1\.*:" "$TMP/out.txt" | grep -oE "$2=[^ ]+" | head -1 | cut -d= -f2; }
P99=$(stat http_req_duration 'p\(99\)'); P99C=$(stat http_req_duration_corrected 'p\(99\)')
DROP=$(grep -E '^ *dropped_iterations\.*:' "$TMP/out.txt" | awk -F: '{ print $2 }' | awk '{ print $1 }')
[[ -n $P99 && -n $P99C ]] || { echo "bench: no summary from c6" >&2; cat "$TMP/err.txt" >&2; exit 1; }
LINE=$(printf 'co 1s stall : p99 %s uncorrected, %s corrected  (50/s, 2 VUs, %ss; %s dropped)' \
    "$P99" "$P99C" "$D" "${DROP:-0}")
mkdir -p "$(dirname "$RESULTS")"
{
    echo "$LINE"
    grep -E '(http_req_duration|iteration_duration|dropped_iterations|iterations)' "$TMP/out.txt"
    echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) CPUs"
} > "$RESULTS"
echo "$LINE"
