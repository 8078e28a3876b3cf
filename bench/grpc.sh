#!/usr/bin/env bash
# gRPC benchmark (not a test): unary requests/s of c6's k6/net/grpc on one
# core next to h2load sending the same gRPC-framed POST (the raw HTTP/2
# ceiling, as wrk is for HTTP/1.1), against one private nginx on 127.0.0.1
# that answers every POST with a canned gRPC reply over h2c (an empty message,
# content-type application/grpc, trailer grpc-status 0): a server that is not
# the bottleneck (its CPU use is printed). Same connection count for both: 50
# (c6: 50 VUs, each with its client's connection; h2load: one stream at a
# time per connection, as a VU has).
#
#   bash bench/grpc.sh [path/to/c6]        (default: build/c6; `make bench-grpc`)
#
# Environment: BENCH_DURATION (seconds per run, default 5), BENCH_CONNS (50),
# BENCH_ROUNDS (3: the two alternate, the best of each is shown).
# Everything runs under `timeout`; nginx is stopped on exit; nothing outside
# a temp dir is written.
set -euo pipefail

C6=${1:-build/c6}
D=${BENCH_DURATION:-5}
N=${BENCH_CONNS:-50}
NGINX=${NGINX:-/usr/sbin/nginx}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PROTOS=$(cd "$HERE/../tests/integration/data/grpc" && pwd)

BENCH_NAME=bench-grpc
source "$HERE/lib.sh"

[[ $D =~ ^[1-9][0-9]*$ ]] || die "BENCH_DURATION must be a positive integer, got '$D'"
[[ $N =~ ^[1-9][0-9]*$ ]] || die "BENCH_CONNS must be a positive integer, got '$N'"
need_tools "$NGINX" h2load taskset timeout python3 /usr/bin/time
[[ -x $C6 ]] || die "c6 binary not found or not executable: $C6 (run make first)"

bench_init

# ---- nginx: h2c with prior knowledge; every POST gets the canned reply -------------
# (a static file answers GET only: POST's 405 is turned into the file, status 200)
mkdir -p "$TMP/www"
printf '\x00\x00\x00\x00\x00' >"$TMP/www/reply"               # an empty message, uncompressed
printf '\x00\x00\x00\x00\x04\x0a\x02\x68\x69' >"$TMP/req.bin"   # EchoRequest{text: "hi"}, framed
P=$(free_port)
nginx_start "
    server {
        listen 127.0.0.1:$P http2;
        root $TMP/www;
        location / {
            default_type application/grpc;
            add_trailer grpc-status 0 always;
            try_files /reply =404;
            error_page 405 =200 /reply;
        }
    }"
URL="http://127.0.0.1:$P/c6test.Tester/Echo"
H2ARGS=(-d "$TMP/req.bin" -H 'content-type: application/grpc' -H 'te: trailers')
answers() { timeout 5 h2load -n 1 -c 1 "${H2ARGS[@]}" "$URL" 2>/dev/null | grep -q '1 succeeded'; }
nginx_wait answers || die "nginx does not answer gRPC on $URL"
note "nginx pid $NGINX_PID: $URL (h2c), CPU $SRV_CPU; clients on CPU $CLI_CPU; ${D}s, $N connections"

# ---- runs ------------------------------------------------------------------------
bounded() { timeout -k 5 $((D + 60)) taskset -c "$CLI_CPU" "$@" </dev/null; }
# nginx's CPU: its worker's utime + stime (clock ticks; the master only waits)
WORKER_PID=$(tr ' ' '\n' <"/proc/$NGINX_PID/task/$NGINX_PID/children" | grep -m1 .) || die "no nginx worker"
srv_ticks() { awk '{ print $14 + $15 }' "/proc/$WORKER_PID/stat"; }
HZ=$(getconf CLK_TCK)

c6_rps() {   # requests/s from the summary's iterations line (one call an iteration, failures throw)
    local out
    out=$(bounded /usr/bin/time -f '%U %S' -o "$TMP/c6.cpu" "$C6" run -q --workers 1 -u "$N" -d "${D}s" -e "GRPC_ADDR=127.0.0.1:$P" -e "PROTOS=$PROTOS" \
          "$HERE/scripts/grpc_unary.js" 2>"$TMP/c6.err") || { tail -n 20 "$TMP/c6.err" >&2; die "c6 failed"; }
    if grep -q 'level=error' "$TMP/c6.err"; then note "WARNING: c6 had failed calls: $(grep -m1 level=error "$TMP/c6.err")"; fi
    grep -E '^ *iterations[ .]*:' <<<"$out" | grep -oE '[0-9.]+/s' | head -n1 | tr -d '/s'
}

bounded h2load -c"$N" -m1 -t1 -D2 "${H2ARGS[@]}" "$URL" >/dev/null 2>&1 || die "h2load warm-up failed"

# rounds alternate the two (BENCH_ROUNDS, default 3) and the best of each is
# kept: on a shared machine the load moves between runs
ROUNDS=${BENCH_ROUNDS:-3}
H2LOAD="" C6_RPS="" H2_CPU=0 C6_CPU=0 H2_CLI=0 C6_CLI=0
for r in $(seq "$ROUNDS"); do
    note "round $r: h2load -c$N -m1 -t1 -D$D (gRPC-framed POST) $URL"
    T0=$(srv_ticks)
    h=$(bounded /usr/bin/time -f '%U %S' -o "$TMP/h2.cpu" h2load -c"$N" -m1 -t1 -D"$D" "${H2ARGS[@]}" "$URL" 2>&1 | awk '/^finished in/ { for (i = 1; i <= NF; i++) if ($(i+1) ~ /^req\/s/) print $i }' | tr -d ',')
    T1=$(srv_ticks)
    note "round $r: c6 -u $N -d ${D}s client.invoke('c6test.Tester/Echo')"
    c=$(c6_rps)
    T2=$(srv_ticks)
    [[ -n $h && -n $c ]] || die "could not read a result (h2load '$h', c6 '$c')"
    note "round $r: h2load $h, c6 $c"
    hc=$(awk '{ print $1 + $2 }' "$TMP/h2.cpu") cc=$(awk '{ print $1 + $2 }' "$TMP/c6.cpu")
    if [[ -z $H2LOAD ]] || awk -v a="$h" -v b="$H2LOAD" 'BEGIN { exit !(a > b) }'; then H2LOAD=$h H2_CPU=$((T1 - T0)) H2_CLI=$hc; fi
    if [[ -z $C6_RPS ]] || awk -v a="$c" -v b="$C6_RPS" 'BEGIN { exit !(a > b) }'; then C6_RPS=$c C6_CPU=$((T2 - T1)) C6_CLI=$cc; fi
done
T0=0 T1=$H2_CPU T2=$((H2_CPU + C6_CPU))

[[ -n $H2LOAD && -n $C6_RPS ]] || die "could not read every result (h2load '$H2LOAD', c6 '$C6_RPS')"
# when nginx's core is full (~100 %) both are held to its rate: then the
# client's own CPU per request (user + sys of the whole process, start-up
# and teardown included, so c6's is an upper bound) is what compares them
printf '%-34s %12s %8s %14s %12s %8s\n' "best of $ROUNDS rounds" "requests/s" "ratio" "nginx CPU" "client CPU" "req/CPU-s ratio"
printf '%-34s %12.0f %8s %13.0f%% %11.2fs %8s\n' "h2load (gRPC-framed POST, -m1)" "$H2LOAD" "1.00" \
    "$(awk -v t=$((T1 - T0)) -v hz="$HZ" -v d="$D" 'BEGIN { print 100 * t / hz / d }')" "$H2_CLI" "1.00"
printf '%-34s %12.0f %8.2f %13.0f%% %11.2fs %8.2f\n' "c6 (k6/net/grpc invoke)" "$C6_RPS" \
    "$(awk -v a="$C6_RPS" -v b="$H2LOAD" 'BEGIN { print a / b }')" \
    "$(awk -v t=$((T2 - T1)) -v hz="$HZ" -v d="$D" 'BEGIN { print 100 * t / hz / d }')" "$C6_CLI" \
    "$(awk -v a="$C6_RPS" -v ac="$C6_CLI" -v b="$H2LOAD" -v bc="$H2_CLI" 'BEGIN { print (a / ac) / (b / bc) }')"
