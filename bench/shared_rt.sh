#!/usr/bin/env bash
# Shared QuickJS runtime per worker (the default) against a runtime per VU
# (C6_SHARED_RT=0), side by side in one run (a measurement, not a test):
# peak RSS per VU (empty iteration and http.get + check + sleep(1), 1,000 and
# 10,000 VUs), start-up of 10,000 VUs (empty script, and one importing
# k6/http) and CPU per iteration in steady state (10,000 VUs of check.js for
# 10 s and 20 s: the difference in CPU over the difference in iterations).
# The two modes alternate within each of R rounds; medians are printed.
#
#   bash bench/shared_rt.sh [c6] [R]
#
# Runs a private nginx on 127.0.0.1 as the target.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
C6=$(realpath "${1:-build/c6}")
R=${2:-3}
NGINX=${NGINX:-/usr/sbin/nginx}
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
NOFILE=$(ulimit -n)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/c6-sharedrt.XXXXXX")
NGINX_PID=""
cleanup() { [[ -n $NGINX_PID ]] && kill "$NGINX_PID" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT INT TERM

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$TMP/nginx/tmp"
user_line=""; [[ $(id -u) == 0 ]] && user_line="user root root;"
cat >"$TMP/nginx/nginx.conf" <<CONF
$user_line
worker_processes 1;
worker_rlimit_nofile $NOFILE;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;
events { worker_connections $((NOFILE > 30000 ? 30000 : NOFILE - 100)); multi_accept on; }
http {
    access_log off; keepalive_timeout 120s; keepalive_requests 1000000;
    client_body_temp_path $TMP/nginx/tmp/body; proxy_temp_path $TMP/nginx/tmp/proxy;
    fastcgi_temp_path $TMP/nginx/tmp/fastcgi; uwsgi_temp_path $TMP/nginx/tmp/uwsgi;
    scgi_temp_path $TMP/nginx/tmp/scgi; default_type text/plain;
    server { listen 127.0.0.1:$PORT backlog=4096; location / { return 200 "ok\n"; } }
}
CONF
"$NGINX" -p "$TMP/nginx/" -c "$TMP/nginx/nginx.conf" -e "$TMP/nginx/error.log" -g 'daemon off;' \
    >/dev/null 2>"$TMP/nginx/stderr" </dev/null &
NGINX_PID=$!
export TARGET="http://127.0.0.1:$PORT/"
for _ in $(seq 50); do [[ $(curl -s --max-time 1 "$TARGET" 2>/dev/null) == ok ]] && break; sleep 0.1; done
[[ $(curl -s --max-time 1 "$TARGET") == ok ]] || { cat "$TMP/nginx/stderr" >&2; echo "nginx did not start" >&2; exit 1; }

# one c6 run: prints "wall_s peak_kb cpu_s iterations"
run() { # mode args...
    local mode=$1; shift
    local env=(); [[ $mode == pervu ]] && env=(C6_SHARED_RT=0)
    env "${env[@]}" timeout 300 /usr/bin/time -f '%e %M %U %S' -o "$TMP/time" \
        "$C6" run -q "$@" >"$TMP/out" 2>"$TMP/err" || { tail -5 "$TMP/err" >&2; }
    local it
    it=$(awk '/^ *iterations/ { for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+$/) { print $i; exit } }' "$TMP/out")
    awk -v it="${it:-0}" '{ printf "%s %s %.2f %s\n", $1, $2, $3 + $4, it }' "$TMP/time"
}

declare -A V
add() { V[$1]+="$2 "; }
for r in $(seq "$R"); do
    for mode in pervu shared; do
        for n in 1000 10000; do
            read -r w m _ it < <(run $mode -u $n -i $n "$HERE/scripts/noop.js")
            add "$mode empty_kb_$n" "$(( m / n ))"; [[ $n == 10000 ]] && add "$mode start_empty" "$w"
            [[ $it == "$n" ]] || echo "WARNING: $mode noop $n: $it iterations" >&2
        done
        read -r w _ _ it < <(run $mode -u 10000 -i 10000 "$HERE/scripts/http_noop.js")
        add "$mode start_http" "$w"
        [[ $it == 10000 ]] || echo "WARNING: $mode http_noop: $it iterations" >&2
        read -r _ m _ it < <(run $mode -u 1000 -d 10s "$HERE/scripts/check.js")
        add "$mode check_kb_1000" "$(( m / 1000 ))"
        read -r _ m c1 i1 < <(run $mode -u 10000 -d 10s "$HERE/scripts/check.js")
        add "$mode check_kb_10000" "$(( m / 10000 ))"; add "$mode iters_10s" "$i1"
        read -r _ _ c2 i2 < <(run $mode -u 10000 -d 20s "$HERE/scripts/check.js")
        add "$mode cpu_us_iter" "$(awk -v a="$c1" -v b="$c2" -v x="$i1" -v y="$i2" 'BEGIN { printf "%.1f", (b - a) * 1e6 / (y - x) }')"
        echo "round $r $mode done" >&2
    done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
printf '%-34s %18s %18s\n' "median of $R rounds" "runtime per VU" "shared runtime"
for k in empty_kb_1000 empty_kb_10000 check_kb_1000 check_kb_10000 start_empty start_http iters_10s cpu_us_iter; do
    printf '%-34s %18s %18s   (all: %s| %s)\n' "$k" "$(echo "${V[pervu $k]}" | median)" "$(echo "${V[shared $k]}" | median)" "${V[pervu $k]}" "${V[shared $k]}"
done
