#!/usr/bin/env bash
# HTTPS benchmark (not a test): requests/s of c6 over HTTP/1.1+TLS next to
# wrk, and over HTTP/2 next to h2load, against one private nginx on
# 127.0.0.1 (a self-signed certificate made for the run). Same connection
# count for all: 50 (c6: 50 VUs, each with a connection of its own; h2load:
# one stream at a time per connection, as a VU has).
#
#   bash bench/http2.sh [path/to/c6]        (default: build/c6; `make bench-http2`)
#
# Environment: BENCH_DURATION (seconds per run, default 5), BENCH_CONNS (50).
# Everything runs under `timeout`; nginx is stopped on exit; nothing outside
# a temp dir is written.
set -euo pipefail

C6=${1:-build/c6}
D=${BENCH_DURATION:-5}
N=${BENCH_CONNS:-50}
NGINX=${NGINX:-/usr/sbin/nginx}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

BENCH_NAME=bench-http2
source "$HERE/lib.sh"

[[ $D =~ ^[1-9][0-9]*$ ]] || die "BENCH_DURATION must be a positive integer, got '$D'"
[[ $N =~ ^[1-9][0-9]*$ ]] || die "BENCH_CONNS must be a positive integer, got '$N'"
need_tools "$NGINX" wrk h2load openssl curl taskset timeout python3
[[ -x $C6 ]] || die "c6 binary not found or not executable: $C6 (run make first)"

bench_init

# ---- nginx: one TLS port for HTTP/1.1 only, one offering h2 ----------------------
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$TMP/key.pem" -out "$TMP/cert.pem" 2>/dev/null \
    || die "openssl could not make a certificate"
P1=$(free_port)
P2=$(free_port)
nginx_start "
    ssl_certificate $TMP/cert.pem;
    ssl_certificate_key $TMP/key.pem;
    ssl_protocols TLSv1.2 TLSv1.3;
    server { listen 127.0.0.1:$P1 ssl;       location / { return 200 \"ok\\n\"; } }
    server { listen 127.0.0.1:$P2 ssl http2; location / { return 200 \"ok\\n\"; } }"
H1="https://127.0.0.1:$P1/"
H2="https://127.0.0.1:$P2/"
serves_h2() { [[ $(curl -sk --http2 --max-time 1 -o /dev/null -w '%{http_version}' "$H2") == 2 ]]; }
nginx_wait serves_h2 || die "nginx does not serve h2 on $H2"
note "nginx pid $NGINX_PID: $H1 (HTTP/1.1), $H2 (h2), CPU $SRV_CPU; clients on CPU $CLI_CPU; ${D}s, $N connections"

# ---- runs ------------------------------------------------------------------------
bounded() { timeout -k 5 $((D + 60)) taskset -c "$CLI_CPU" "$@" </dev/null; }

c6_rps() {   # c6_rps URL -> requests/s from the summary's http_reqs line
    local out
    out=$(TARGET=$1 bounded "$C6" run -q --workers 1 --insecure-skip-tls-verify -u "$N" -d "${D}s" \
          "$HERE/scripts/get.js" 2>"$TMP/c6.err") || { tail -n 20 "$TMP/c6.err" >&2; die "c6 failed on $1"; }
    if ! grep -qE 'http_req_failed[ .]*: *0(\.0+)?%' <<<"$out"; then
        note "WARNING: c6 had failed requests on $1: $(grep -E 'http_req_failed' <<<"$out" | tr -s ' ')"
    fi
    grep -E '^ *http_reqs[ .]*:' <<<"$out" | grep -oE '[0-9.]+/s' | head -n1 | tr -d '/s'
}

bounded wrk -t1 -c"$N" -d2s "$H1" >/dev/null || die "wrk warm-up failed"

note "wrk -t1 -c$N -d${D}s $H1"
WRK=$(bounded wrk -t1 -c"$N" -d"${D}s" "$H1" | awk '/^Requests\/sec:/ { print $2 }')
note "c6 -u $N -d ${D}s $H1"
C6_H1=$(c6_rps "$H1")
note "h2load -c$N -m1 -t1 -D$D $H2"
H2LOAD=$(bounded h2load -c"$N" -m1 -t1 -D"$D" "$H2" 2>&1 | awk '/^finished in/ { for (i = 1; i <= NF; i++) if ($(i+1) ~ /^req\/s/) print $i }' | tr -d ',')
note "c6 -u $N -d ${D}s $H2"
C6_H2=$(c6_rps "$H2")

[[ -n $WRK && -n $H2LOAD && -n $C6_H1 && -n $C6_H2 ]] || die "could not read every result (wrk '$WRK', h2load '$H2LOAD', c6 '$C6_H1' '$C6_H2')"
printf '%-28s %12s %8s\n' "" "requests/s" "ratio"
printf '%-28s %12.0f %8s\n' "wrk (HTTP/1.1 + TLS)" "$WRK" "1.00"
printf '%-28s %12.0f %8.2f\n' "c6 (HTTP/1.1 + TLS)" "$C6_H1" "$(awk -v a="$C6_H1" -v b="$WRK" 'BEGIN { print a / b }')"
printf '%-28s %12.0f %8s\n' "h2load (HTTP/2, -m1)" "$H2LOAD" "1.00"
printf '%-28s %12.0f %8.2f\n' "c6 (HTTP/2)" "$C6_H2" "$(awk -v a="$C6_H2" -v b="$H2LOAD" 'BEGIN { print a / b }')"
