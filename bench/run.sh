#!/usr/bin/env bash
# c6 performance benchmark (not a test): throughput against wrk, memory per VU,
# and time to start 10,000 VUs, all against a private nginx on 127.0.0.1.
#
#   bash bench/run.sh [path/to/c6]        (default: build/c6)
#
# Environment:
#   BENCH_DURATION      seconds of each throughput run (default 10)
#   BENCH_MEM_DURATION  seconds of each memory run (default 8)
#   BENCH_SKIP_C6=1     only run nginx + wrk (to check the harness itself)
#   BENCH_SKIP_CO=1     no coordinated-omission demonstration (bench/coordinated_omission.sh)
#
# Everything it starts runs under `timeout` and is stopped on exit; nothing
# outside a temp dir and bench/results/ is written.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
C6=${1:-build/c6}
D=${BENCH_DURATION:-10}
MEM_D=${BENCH_MEM_DURATION:-8}
SKIP_C6=${BENCH_SKIP_C6:-0}
NGINX=${NGINX:-/usr/sbin/nginx}
RESULTS=$HERE/results/latest.txt

BENCH_NAME=bench
source "$HERE/lib.sh"

[[ $D =~ ^[0-9]+$ && $D -gt 0 ]] || die "BENCH_DURATION must be a positive integer, got '$D'"
[[ $MEM_D =~ ^[0-9]+$ && $MEM_D -gt 0 ]] || die "BENCH_MEM_DURATION must be a positive integer, got '$MEM_D'"
need_tools "$NGINX" wrk curl taskset timeout python3 /usr/bin/time
if [[ $SKIP_C6 != 1 ]]; then
    [[ -x $C6 ]] || die "c6 binary not found or not executable: $C6 (run make first)"
    C6=$(cd "$(dirname "$C6")" && pwd)/$(basename "$C6")
fi

# 10,000 VUs need 10,000+ sockets on both sides.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
NOFILE=$(ulimit -n)
[[ $NOFILE == unlimited ]] && NOFILE=1048576
(( NOFILE >= 10240 )) || note "open-file limit is $NOFILE; 10k VUs will probably fail"

bench_init

# run_bounded NAME SECONDS CMD...: runs CMD under timeout in the background
# (so a signal to this script reaches the trap at once), stdout/stderr to
# $TMP/NAME.out / $TMP/NAME.err. Returns CMD's exit status (124 on timeout).
run_bounded() {
    local name=$1 secs=$2 rc=0
    shift 2
    timeout -k 5 "$secs" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" </dev/null &
    CHILD_PID=$!
    wait "$CHILD_PID" || rc=$?
    CHILD_PID=""
    return "$rc"
}

# c6_fail NAME RC: explains a failed c6 run and stops.
c6_fail() {
    local name=$1 rc=$2
    {
        echo "bench: c6 failed in '$name' (exit $rc$( ((rc == 124 || rc == 137)) && echo ', timed out'))"
        echo "bench: command: ${LAST_CMD[*]}"
        echo "---- stderr (tail) ----"
        tail -n 30 "$TMP/$name.err" 2>/dev/null || true
        echo "---- stdout (tail) ----"
        tail -n 15 "$TMP/$name.out" 2>/dev/null || true
    } >&2
    exit 1
}

# ---- nginx -------------------------------------------------------------------

start_nginx() {
    local tries
    for tries in 1 2 3; do
        PORT=$(free_port)
        TARGET="http://127.0.0.1:$PORT/"
        nginx_start "
    server {
        listen 127.0.0.1:$PORT backlog=4096;
        location / {
            return 200 \"ok\\n\";
        }
    }" $((NOFILE > 30000 ? 30000 : NOFILE - 100))
        nginx_wait says_ok && return 0
        note "(attempt $tries)"
    done
    die "could not start nginx"
}
says_ok() { [[ $(curl -s --max-time 1 "$TARGET" 2>/dev/null) == ok ]]; }

# ---- parsing -----------------------------------------------------------------

# Requests/sec from wrk's output.
wrk_rps() { awk '/^Requests\/sec:/ { print $2; found = 1 } END { exit !found }' "$1"; }
wrk_reqs() { awk '/ requests in / { print $1; found = 1 } END { exit !found }' "$1"; }
# cpu_per_req CPUFILE REQUESTS: µs of CPU (user + system, /usr/bin/time's
# "%U %S") a request; what compares the two clients when nginx's core, not
# theirs, sets the pace (it does at ~110-130k requests/s on this machine)
cpu_per_req() { awk -v n="$2" '{ printf "%.2f", ($1 + $2) * 1e6 / n }' "$1"; }

# summary_field FILE METRIC: the first number and the first "N/s" rate on a
# k6 summary line such as `  http_reqs......................: 123456 12345.6/s`.
# Prints "COUNT RATE" (RATE empty if the line has none).
summary_field() {
    awk -v m="$2" '
        {
            line = $0
            sub(/^[[:space:]]*[^[:alnum:]_]*[[:space:]]*/, "", line)   # drop a leading check mark
            if (index(line, m) != 1) next
            rest = substr(line, length(m) + 1)
            if (rest !~ /^[ .]*:/) next
            sub(/^[ .]*:/, "", rest)
            n = split(rest, f, /[[:space:]]+/)
            count = ""; rate = ""
            for (i = 1; i <= n; i++) {
                if (f[i] == "") continue
                if (count == "" && f[i] ~ /^[0-9.]+$/) count = f[i]
                if (rate == "" && f[i] ~ /^[0-9.]+\/s$/) { rate = f[i]; sub(/\/s$/, "", rate) }
            }
            print count, rate
            found = 1
            exit
        }
        END { exit !found }' "$1"
}

# Peak RSS in KB from GNU time -v output.
time_rss_kb() { awk -F: '/Maximum resident set size/ { gsub(/ /, "", $2); print $2; f = 1 } END { exit !f }' "$1"; }

# Wall time in seconds from GNU time -v ("h:mm:ss" or "m:ss.ss").
time_wall_s() {
    awk '/Elapsed \(wall clock\) time/ {
            v = $NF; n = split(v, p, ":"); s = 0
            for (i = 1; i <= n; i++) s = s * 60 + p[i]
            printf "%.2f\n", s; f = 1
         } END { exit !f }' "$1"
}

# watch_progress OUT SEEN: polls OUT every 20 ms; when the banner and then the
# first `running (...)` line show up, writes "T_banner T_line line" to SEEN.
watch_progress() {
    local out=$1 seen=$2 tb="" line
    for _ in $(seq 9000); do
        if [[ -z $tb ]] && grep -q 'execution:' "$out" 2>/dev/null; then tb=$EPOCHREALTIME; fi
        if line=$(grep -m1 -E '^running \(' "$out" 2>/dev/null); then
            echo "${tb:-$EPOCHREALTIME} $EPOCHREALTIME $line" >"$seen"
            return 0
        fi
        sleep 0.02
    done
}

# ready_time SEEN T0 WALL: seconds from start until c6 had all VUs ready, or
# nothing when stdout was evidently block-buffered (banner and progress line
# seen at the same moment) or the figure makes no sense.
ready_time() {
    [[ -s $1 ]] || return 1
    awk -v t0="$2" -v wall="$3" '{
        tb = $1; tl = $2
        s = $0; sub(/^[^(]*\(/, "", s); sub(/\).*/, "", s)   # "00.5s" or "1m02.0s"
        el = 0
        if (s ~ /m/) { split(s, p, "m"); el = p[1] * 60; s = p[2] }
        sub(/s$/, "", s); el += s
        r = tl - t0 - el
        if (tl - tb < 0.05 || r < 0 || r > wall) exit 1
        printf "%.2f\n", r
    }' "$1"
}

# c6 run helper: c6_run NAME SECONDS ARGS... (TARGET in env). Fails loudly.
LAST_CMD=()
c6_run() {
    local name=$1 secs=$2 rc=0
    shift 2
    LAST_CMD=(env "TARGET=$TARGET" "$@")
    run_bounded "$name" "$secs" env "TARGET=$TARGET" "$@" || rc=$?
    (( rc == 0 )) || c6_fail "$name" "$rc"
}

check_failed_reqs() {  # warns when http_req_failed is not 0%
    local name=$1 line
    line=$(grep -E '^[[:space:]]*http_req_failed[ .]*:' "$TMP/$name.out" || true)
    if [[ -n $line && ! $line =~ :[[:space:]]*0(\.0+)?%([[:space:]]|$) ]]; then
        note "WARNING ($name): some requests failed: $(echo "$line" | tr -s ' ')"
    fi
}

# ---- the runs ------------------------------------------------------------------

start_nginx
note "nginx pid $NGINX_PID on $TARGET (CPU $SRV_CPU); client on CPU $CLI_CPU; ${D}s runs"

# Warm-up, so neither contender pays for nginx's first-touch costs.
run_bounded warmup 20 taskset -c "$CLI_CPU" wrk -t1 -c50 -d2s "$TARGET" || die "wrk warm-up failed"

# run_wrk NAME VAR: one wrk run; sets VAR to its Requests/sec. (Not run in
# $(...), so that the EXIT trap can still stop wrk.)
run_wrk() {
    local name=$1 var=$2 rps
    note "wrk: -t1 -c50 -d${D}s"
    run_bounded "$name" $((D + 30)) /usr/bin/time -f '%U %S' -o "$TMP/$name.cpu" \
        taskset -c "$CLI_CPU" wrk -t1 -c50 -d"${D}s" "$TARGET" \
        || { cat "$TMP/$name.err" >&2; die "wrk failed"; }
    if grep -q 'Non-2xx\|Socket errors' "$TMP/$name.out"; then
        note "WARNING ($name): $(grep 'Non-2xx\|Socket errors' "$TMP/$name.out" | tr -s ' ')"
    fi
    rps=$(wrk_rps "$TMP/$name.out") || { cat "$TMP/$name.out" >&2; die "no Requests/sec in wrk output"; }
    printf -v "$var" '%s' "$rps"
    printf -v "${var}_CPU" '%s' "$(cpu_per_req "$TMP/$name.cpu" "$(wrk_reqs "$TMP/$name.out")")"
}

# wrk runs before and after c6 and the two are averaged, so a neighbour that
# loads the machine during one of them skews the ratio less (and shows up as
# a spread between the two).
run_wrk wrk1 WRK1

if [[ $SKIP_C6 == 1 ]]; then
    printf 'wrk         : %.0f req/s\n' "$WRK1"
    exit 0
fi

SCRIPTS=$HERE/scripts

# -- throughput
note "c6: --workers 1 -u 50 -d ${D}s"
c6_run c6_get $((D + 60)) /usr/bin/time -f '%U %S' -o "$TMP/c6_get.cpu" \
    taskset -c "$CLI_CPU" "$C6" run -q --workers 1 -u 50 -d "${D}s" "$SCRIPTS/get.js"
run_wrk wrk2 WRK2
WRK_RPS=$(awk -v a="$WRK1" -v b="$WRK2" 'BEGIN { printf "%.1f", (a + b) / 2 }')
SPREAD=$(awk -v a="$WRK1" -v b="$WRK2" 'BEGIN { d = a - b; if (d < 0) d = -d; printf "%.0f", 100 * d / ((a + b) / 2) }')
note "wrk: $WRK1 and $WRK2 req/s (spread $SPREAD %)"
(( SPREAD <= 10 )) || note "WARNING: wrk runs differ by $SPREAD %; the machine is busy, ratios are unreliable"
REPORT=$(printf 'wrk         : %.0f req/s   (%.0f / %.0f, spread %s %%)' "$WRK_RPS" "$WRK1" "$WRK2" "$SPREAD")
read -r C6_REQS C6_RPS < <(summary_field "$TMP/c6_get.out" http_reqs || true) || true
if [[ -z ${C6_RPS:-} ]]; then
    note "no 'http_reqs ...: N R/s' line in c6's summary; stdout was:"
    cat "$TMP/c6_get.out" >&2
    die "cannot parse c6 throughput"
fi
check_failed_reqs c6_get
RATIO=$(awk -v a="$C6_RPS" -v b="$WRK_RPS" 'BEGIN { printf "%.2f", a / b }')
REPORT+=$'\n'$(printf 'c6          : %.0f req/s   (%s x wrk)' "$C6_RPS" "$RATIO")
# CPU a request (c6's start and end included: its whole run)
C6_CPU=$(cpu_per_req "$TMP/c6_get.cpu" "$C6_REQS")
WRK_CPU=$(awk -v a="$WRK1_CPU" -v b="$WRK2_CPU" 'BEGIN { printf "%.2f", (a + b) / 2 }')
REPORT+=$'\n'$(awk -v c="$C6_CPU" -v w="$WRK_CPU" \
    'BEGIN { printf "CPU/request : wrk %.2f us, c6 %.2f us  (c6 makes %.2f x wrk'"'"'s requests per CPU-second)", w, c, w / c }')
note "c6: $C6_REQS requests, $C6_RPS req/s"

# -- memory: idle-ish VUs holding a connection each
declare -A RSS
for n in 1000 10000; do
    note "c6: -u $n -d ${MEM_D}s (memory)"
    c6_run "c6_mem$n" $((MEM_D + 120)) /usr/bin/time -v -o "$TMP/time_mem$n" \
        "$C6" run -q -u "$n" -d "${MEM_D}s" "$SCRIPTS/sleep.js"
    RSS[$n]=$(time_rss_kb "$TMP/time_mem$n") || die "no RSS in /usr/bin/time output"
    check_failed_reqs "c6_mem$n"
    read -r reqs _ < <(summary_field "$TMP/c6_mem$n.out" http_reqs || true) || true
    # Each VU should manage close to one iteration per second of the run.
    expect=$(( n * (MEM_D > 1 ? MEM_D - 1 : 1) / 2 ))
    if [[ -z ${reqs:-} ]]; then
        note "WARNING (c6_mem$n): no http_reqs line in the summary"
    elif (( ${reqs%.*} < expect )); then
        note "WARNING (c6_mem$n): only $reqs requests from $n VUs sleeping 1s for ${MEM_D}s" \
             "(expected ~$(( n * MEM_D )), at least $expect)"
    fi
    note "c6: $n VUs peak RSS ${RSS[$n]} KB, ${reqs:-?} requests"
done
REPORT+=$'\n'$(awk -v r="${RSS[1000]}" 'BEGIN { printf "RSS 1k VUs  : %.0f MB  (%.0f KB/VU)", r / 1024, r / 1000 }')
REPORT+=$'\n'$(awk -v r="${RSS[10000]}" -v r1="${RSS[1000]}" \
    'BEGIN { printf "RSS 10k VUs : %.0f MB  (%.0f KB/VU, marginal %.0f KB/VU)", r / 1024, r / 10000, (r - r1) / 9000 }')

# -- start-up: 10k VUs, one trivial iteration each
note "c6: -u 10000 -i 10000 (start-up)"
# Not quiet, line-buffered: a watcher notes when the first progress line
# appears; minus the run time it shows, that is when all VUs were ready.
STDBUF=(); command -v stdbuf >/dev/null && STDBUF=(stdbuf -oL)
T0=$EPOCHREALTIME
watch_progress "$TMP/c6_start.out" "$TMP/progress_seen" &
WATCH_PID=$!
c6_run c6_start 180 /usr/bin/time -v -o "$TMP/time_start" \
    "${STDBUF[@]}" "$C6" run -u 10000 -i 10000 "$SCRIPTS/noop.js"
kill "$WATCH_PID" 2>/dev/null || true; wait "$WATCH_PID" 2>/dev/null || true; WATCH_PID=""
START_S=$(time_wall_s "$TMP/time_start") || die "no wall time in /usr/bin/time output"
READY_S=$(ready_time "$TMP/progress_seen" "$T0" "$START_S" || true)
read -r iters _ < <(summary_field "$TMP/c6_start.out" iterations || true) || true
if [[ ${iters:-} != 10000 ]]; then
    note "WARNING (c6_start): summary reports ${iters:-no} iterations, expected 10000"
fi
REPORT+=$'\n'$(printf 'start 10k   : %s s%s' "$START_S" "${READY_S:+  (all VUs ready at $READY_S s)}")

# -- coordinated omission: corrected vs uncorrected p99 (bench/coordinated_omission.sh)
if [[ ${BENCH_SKIP_CO:-0} != 1 ]]; then
    note "c6: coordinated-omission demonstration"
    CO=$(bash "$HERE/coordinated_omission.sh" "$C6" | tail -1) || CO="co 1s stall : failed (see above)"
    REPORT+=$'\n'"$CO"
fi

# ---- report --------------------------------------------------------------------
mkdir -p "$(dirname "$RESULTS")"
{
    echo "$REPORT"
    echo
    echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $(uname -srm), $(nproc) CPUs, duration ${D}s," \
         "c6 $("$C6" version 2>/dev/null | awk 'NR == 1 { print $2 }')" \
         "(tree $(git -C "$HERE" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$HERE" diff --quiet HEAD -- ../src 2>/dev/null || echo '+changes'))"
} >"$RESULTS"
echo "$REPORT"
note "written to $RESULTS"
