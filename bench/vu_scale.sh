#!/usr/bin/env bash
# 10,000 and 100,000 VUs side by side (issue 17; a measurement, not a test).
# Each VU runs bench/scripts/scale.js: ITERS iterations of http.get + check +
# sleep(10) against a private nginx (2 workers) on loopback, with noConnectionReuse and
# the connections' source addresses spread over LOCAL_IPS (see the script for
# why). For each VU count it reports
#   - peak RSS of c6 (GNU time) and KB per VU (peak RSS / N);
#   - start-up: from the moment c6 was started to the last VU starting its
#     first iteration (the max of the script's vu_start trend), and to the
#     test's start (its min);
#   - CPU per iteration: c6's user+system CPU over the whole run / the
#     iterations, and in the steady state (CPU sampled every second from
#     /proc over [start+5 s, start+10*ITERS-5 s], where N/10 iterations a
#     second run);
#   - iterations completed vs expected (N * ITERS: every VU must complete
#     every one of its iterations), failed checks and requests;
#   - the target's CPU (its workers' sum, in % of one core: busiest second
#     and average; it must stay well below that, or the target, not c6, was
#     the limit).
# Then, in the same run: CPU per iteration of the keep-alive iteration
# (bench/cpu_iter.sh: SCALE_CPU_VUS VUs of http.get + check + sleep(1),
# default 10000, empty to skip) and the coordinated-omission demonstration
# (bench/coordinated_omission.sh; SCALE_SKIP_CO=1 skips it).
#
#   bash bench/vu_scale.sh [path/to/c6]    (default: $C6_BIN or build/c6)
#
# Environment: SCALE_VUS ("10000 100000"), SCALE_ITERS (5),
# SCALE_LOCAL_IPS (127.0.0.2-127.0.0.21; empty: none). A VU count whose memory
# (140 KB a VU are asked, about twice what one takes) is not available is skipped with a note. Writes
# bench/results/scale-latest.txt. Loopback only; everything runs under
# `timeout` and is stopped on exit.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
C6=${1:-${C6_BIN:-build/c6}}
SIZES=${SCALE_VUS:-10000 100000}
ITERS=${SCALE_ITERS:-5}
LOCAL_IPS=${SCALE_LOCAL_IPS-127.0.0.2-127.0.0.21}
NGINX=${NGINX:-/usr/sbin/nginx}
RESULTS=$HERE/results/scale-latest.txt

BENCH_NAME=bench
source "$HERE/lib.sh" # die, note, free_port (its clean-up is not used: this one also stops the monitor)

[[ -x $C6 ]] || die "c6 binary not found or not executable: $C6 (run make first)"
C6=$(cd "$(dirname "$C6")" && pwd)/$(basename "$C6")
[[ $ITERS =~ ^[0-9]+$ && $ITERS -ge 2 ]] || die "SCALE_ITERS must be an integer >= 2"
for tool in "$NGINX" curl timeout /usr/bin/time python3; do
    command -v "$tool" >/dev/null || die "missing tool: $tool"
done

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
NOFILE=$(ulimit -n)
[[ $NOFILE == unlimited ]] && NOFILE=1048576
TICK=$(getconf CLK_TCK)

TMP=$(mktemp -d "${TMPDIR:-/tmp}/c6-scale.XXXXXX")
NGINX_PID="" CHILD_PID="" MON_PID=""
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    [[ -n $MON_PID ]] && kill "$MON_PID" 2>/dev/null
    if [[ -n $CHILD_PID ]] && kill -0 "$CHILD_PID" 2>/dev/null; then
        kill -TERM "$CHILD_PID" 2>/dev/null || true   # `timeout`: passes it on to c6
        for _ in $(seq 100); do kill -0 "$CHILD_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL -- "-$CHILD_PID" 2>/dev/null || kill -KILL "$CHILD_PID" 2>/dev/null || true
    fi
    if [[ -n $NGINX_PID ]] && kill -0 "$NGINX_PID" 2>/dev/null; then
        kill -QUIT "$NGINX_PID" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$NGINX_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$NGINX_PID" 2>/dev/null || true
    fi
    wait 2>/dev/null || true
    rm -rf "$TMP"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- the target: nginx, two worker processes ------------------------------
PORT=$(free_port)
mkdir -p "$TMP/nginx/logs" "$TMP/nginx/tmp"
USER_LINE=""
[[ $(id -u) == 0 ]] && USER_LINE="user root root;"
cat >"$TMP/nginx/nginx.conf" <<EOF
$USER_LINE
worker_processes 2;
worker_rlimit_nofile $NOFILE;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/logs/error.log warn;
events { worker_connections $((NOFILE > 30000 ? 30000 : NOFILE - 100)); multi_accept on; }
http {
    access_log off;
    client_body_temp_path $TMP/nginx/tmp/body;
    proxy_temp_path $TMP/nginx/tmp/proxy;
    fastcgi_temp_path $TMP/nginx/tmp/fastcgi;
    uwsgi_temp_path $TMP/nginx/tmp/uwsgi;
    scgi_temp_path $TMP/nginx/tmp/scgi;
    default_type text/plain;
    # reuseport: an accept queue per worker (net.core.somaxconn caps each at 4096 here); a
    # burst of connects from a late c6 overflowing one queue costs SYN retransmits (1 s, 3 s, ...)
    server { listen 127.0.0.1:$PORT backlog=4096 reuseport; location / { return 200 "ok\n"; } }
}
EOF
"$NGINX" -p "$TMP/nginx/" -c "$TMP/nginx/nginx.conf" -e "$TMP/nginx/logs/error.log" -g 'daemon off;' \
    >"$TMP/nginx/out" 2>&1 </dev/null &
NGINX_PID=$!
TARGET="http://127.0.0.1:$PORT/"
for _ in $(seq 50); do [[ $(curl -s --max-time 1 "$TARGET" 2>/dev/null) == ok ]] && break; sleep 0.1; done
[[ $(curl -s --max-time 1 "$TARGET" 2>/dev/null) == ok ]] || { cat "$TMP/nginx/out" >&2; die "nginx did not start"; }
NGINX_WORKERS=$(pgrep -P "$NGINX_PID" | tr '\n' ' ')
note "nginx on $TARGET (workers: $NGINX_WORKERS)"

# ---- one run ---------------------------------------------------------------

# monitor C6PID OUT: once a second "ms_since_epoch c6_cpu_ticks c6_rss_kb
# target_cpu_ticks c6_fds c6_run_delay_ms" (run delay: how long c6's threads
# were runnable but waited for a CPU, /proc/PID/task/*/schedstat; on a shared
# machine that, not c6, is where a late event loop comes from)
monitor() {
    local pid=$1 out=$2 w cpu tcpu rss fds delay
    while [[ -r /proc/$pid/stat ]]; do
        cpu=$(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null) || break
        rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null) || break
        tcpu=0
        for w in $NGINX_WORKERS; do
            tcpu=$((tcpu + $(awk '{ print $14 + $15 }' "/proc/$w/stat" 2>/dev/null || echo 0)))
        done
        fds=$(find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
        delay=$(cat /proc/"$pid"/task/*/schedstat 2>/dev/null | awk '{ s += $2 } END { printf "%d", s / 1e6 }')
        echo "$(date +%s%3N) $cpu ${rss:-0} $tcpu $fds ${delay:-0}" >>"$out"
        sleep 1
    done
}

REPORT=""
run_scale() {
    local n=$1 name="n$1" rc=0 avail need c6pid
    avail=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)
    need=$((n * 140 + 500000))
    if ((avail < need)); then
        note "skipping $n VUs: needs ~$((need / 1024)) MB, $((avail / 1024)) MB available"
        REPORT+=$(printf '%7d VUs : skipped, ~%d MB needed, %d MB available' "$n" $((need / 1024)) $((avail / 1024)))$'\n'
        return 0
    fi
    note "c6: $n VUs, $ITERS iterations each (~$((10 * ITERS + 10)) s plus start-up)"
    local t0
    t0=$(date +%s%3N)
    timeout -k 10 $((10 * ITERS + 400)) /usr/bin/time -v -o "$TMP/$name.time" \
        env -u K6_ADDRESS "$C6" run -q --address "" --summary-export "$TMP/$name.json" \
        -e N="$n" -e ITERS="$ITERS" -e T0="$t0" -e TARGET="$TARGET" -e LOCAL_IPS="$LOCAL_IPS" \
        "$HERE/scripts/scale.js" >"$TMP/$name.out" 2>"$TMP/$name.err" </dev/null &
    CHILD_PID=$!
    c6pid=""
    for _ in $(seq 100); do
        c6pid=$(pgrep -P "$(pgrep -P "$CHILD_PID" | head -n1)" 2>/dev/null | head -n1 || true)
        [[ -n $c6pid ]] && break
        sleep 0.05
    done
    [[ -n $c6pid ]] && { monitor "$c6pid" "$TMP/$name.mon" & MON_PID=$!; }
    wait "$CHILD_PID" || rc=$?
    CHILD_PID=""
    [[ -n $MON_PID ]] && { kill "$MON_PID" 2>/dev/null || true; wait "$MON_PID" 2>/dev/null || true; MON_PID=""; }
    if ((rc != 0)) || [[ ! -s $TMP/$name.json ]]; then
        note "c6 with $n VUs: exit $rc"
        tail -n 20 "$TMP/$name.err" >&2
        tail -n 20 "$TMP/$name.out" >&2
        REPORT+=$(printf '%7d VUs : FAILED, exit %d: %s' "$n" "$rc" "$(grep -v '^$' "$TMP/$name.err" | tail -n1)")$'\n'
        return 0
    fi
    REPORT+=$(python3 - "$n" "$ITERS" "$t0" "$TMP/$name.json" "$TMP/$name.time" "$TMP/$name.mon" "$TICK" <<'PY'
import json, re, sys
n, iters, t0 = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
export, timef, monf, tick = sys.argv[4], sys.argv[5], sys.argv[6], int(sys.argv[7])
m = json.load(open(export))["metrics"]
t = open(timef).read()
def tfield(name):
    return re.search(re.escape(name) + r": *([0-9.:]+)", t).group(1)
rss = int(tfield("Maximum resident set size (kbytes)"))
cpu = float(tfield("User time (seconds)")) + float(tfield("System time (seconds)"))
done, expect = int(m["iterations"]["count"]), n * iters
start_min, start_max = m["vu_start"]["min"] / 1000, m["vu_start"]["max"] / 1000
checks_fail = int(m["checks"]["fails"])
req_failed = int(m["http_req_failed"]["passes"])
mon = [tuple(int(x) for x in l.split()) for l in open(monf) if len(l.split()) == 6]
# steady state: every VU iterates once in 10 s (its first request was
# spread over the first 10 s), so N/10 iterations a second from the
# test's start to 10 * ITERS s later; keep 5 s clear of either end
s = t0 + start_max * 1000
win = [x for x in mon if s + 5000 <= x[0] <= s + 10000 * iters - 5000]
steady = "n/a"
if len(win) >= 2:
    secs = (win[-1][0] - win[0][0]) / 1000
    steady = "%.1f" % ((win[-1][1] - win[0][1]) / tick * 1e6 / (n / 10 * secs))
# c6's CPU until the test started (initialising the VUs), which the wall
# time above hides on a busy machine
pre = [x for x in mon if x[0] <= t0 + start_min * 1000]
init_cpu = pre[-1][1] / tick if pre else float("nan")
tgt = [(b[3] - a[3]) / tick / ((b[0] - a[0]) / 1000) for a, b in zip(mon, mon[1:]) if b[0] > a[0]]
tavg = (mon[-1][3] - mon[0][3]) / tick / ((mon[-1][0] - mon[0][0]) / 1000) if len(mon) > 1 else 0
print("%7d VUs : peak RSS %6.0f MB = %5.1f KB/VU | all VUs iterating %5.1f s after start (test start %5.1f s, init CPU %.1f s) | "
      "CPU %5.1f us/iter (steady %s, whole run %.1f s) | iterations %d/%d, %d checks failed, %d requests failed | "
      "target CPU %2.0f%% avg, %2.0f%% max | c6 descriptors max %d | c6 waited %.0f s for a CPU (load %s)" % (n, rss / 1024, rss / n, start_max, start_min, init_cpu, cpu * 1e6 / max(done, 1), steady,
      cpu, done, expect, checks_fail, req_failed, 100 * tavg, 100 * max(tgt or [0]), max([x[4] for x in mon] or [0]),
      (mon[-1][5] - mon[0][5]) / 1000 if mon else 0, open("/proc/loadavg").read().split()[1]))
PY
)$'\n'
    # what failed, if anything: the distinct messages on stderr (numbers masked), most frequent first
    if grep -q 'level=' "$TMP/$name.err"; then
        REPORT+=$(sed -E -e 's/[A-Z][a-z]+ \\"[^"]*\\": //' -e 's/[0-9]+/N/g' "$TMP/$name.err" |
            grep -oE 'msg="[^"]*"( error="[^"]*")?' | sort | uniq -c |
            sort -rn | head -n 5 | sed 's/^/              /')$'\n'
    fi
    [[ -n ${SCALE_KEEP:-} ]] && { mkdir -p "$SCALE_KEEP"; cp "$TMP/$name".* "$SCALE_KEEP"/; }
    return 0
}

for n in $SIZES; do run_scale "$n"; done

# The issue's other two numbers, in the same run: CPU per iteration of the
# keep-alive iteration (http.get + check + sleep(1), bench/cpu_iter.sh, the
# same nginx) and the coordinated-omission demonstration
# (bench/coordinated_omission.sh). SCALE_CPU_VUS="" / SCALE_SKIP_CO=1 skip them.
CPU_VUS=${SCALE_CPU_VUS-10000}
if [[ -n $CPU_VUS ]]; then
    note "c6: CPU per iteration, $CPU_VUS VUs of http.get + check + sleep(1)"
    LINE=$(TARGET="$TARGET" API_PORT=$(free_port) timeout 300 bash "$HERE/cpu_iter.sh" "$C6" "$CPU_VUS" 10 | tail -n1) ||
        LINE="failed (see above)"
    REPORT+="cpu/iter    : $LINE"$'\n'
fi
if [[ -z ${SCALE_SKIP_CO:-} ]]; then
    note "c6: coordinated-omission demonstration"
    LINE=$(timeout 300 bash "$HERE/coordinated_omission.sh" "$C6" | grep '^co ' | tail -n1) || LINE="co 1s stall : failed (see above)"
    REPORT+="$LINE"$'\n'
fi
mkdir -p "$(dirname "$RESULTS")"
{
    echo "$REPORT"
    echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $(uname -srm), $(nproc) CPUs, $((10 * ITERS)) s of iterations," \
         "localIPs ${LOCAL_IPS:-none}, c6 $("$C6" version 2>/dev/null | awk 'NR == 1 { print $2 }')" \
         "(tree $(git -C "$HERE" rev-parse --short HEAD 2>/dev/null || echo '?'))"
} >"$RESULTS"
echo "$REPORT"
note "written to $RESULTS"
