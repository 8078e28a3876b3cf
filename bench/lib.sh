# Shared by the bench scripts (sourced, not run): messages, the temp dir and
# its clean-up, CPU pinning, free ports and a private nginx.
#
#   BENCH_NAME=bench-foo; source "$HERE/lib.sh"
#   bench_init                 # TMP, traps, SRV_CPU/CLI_CPU
#   nginx_start "server { listen 127.0.0.1:$P; ... }"   # NGINX_PID
#   nginx_wait CMD... || die   # until CMD succeeds (nginx up)
#
# Whatever a script starts in the background it records in CHILD_PID (one
# `timeout` at a time) or NGINX_PID; the EXIT trap stops both.

die() { echo "${BENCH_NAME:-bench}: $*" >&2; exit 1; }
note() { echo "${BENCH_NAME:-bench}: $*" >&2; }

need_tools() {
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null || die "missing tool: $tool (scripts/bootstrap.sh installs them)"
    done
}

bench_cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [[ -n ${CHILD_PID:-} ]] && kill -0 "$CHILD_PID" 2>/dev/null; then
        # CHILD_PID is `timeout`, which leads its own process group: TERM
        # reaches the command; if it does not stop within 5 s, kill the group.
        kill -TERM "$CHILD_PID" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$CHILD_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL -- "-$CHILD_PID" 2>/dev/null || true
        kill -KILL "$CHILD_PID" 2>/dev/null || true
        wait "$CHILD_PID" 2>/dev/null || true
    fi
    if [[ -n ${WATCH_PID:-} ]]; then kill "$WATCH_PID" 2>/dev/null || true; fi
    if [[ -n ${NGINX_PID:-} ]] && kill -0 "$NGINX_PID" 2>/dev/null; then
        kill -QUIT "$NGINX_PID" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$NGINX_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$NGINX_PID" 2>/dev/null || true
        wait "$NGINX_PID" 2>/dev/null || true
    fi
    rm -rf "$TMP"
    exit "$rc"
}

# TMP (removed on exit), the traps, and the CPUs: with two cores the server
# runs on one and the load generator on the other.
bench_init() {
    TMP=$(mktemp -d "${TMPDIR:-/tmp}/c6-${BENCH_NAME:-bench}.XXXXXX")
    NGINX_PID="" CHILD_PID="" WATCH_PID=""
    trap bench_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    if (( $(nproc) >= 2 )); then
        SRV_CPU=0 CLI_CPU=1
    else
        note "only one CPU: the server and the client share CPU 0, numbers mean little"
        SRV_CPU=0 CLI_CPU=0
    fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# nginx_start SERVERS [CONNECTIONS]: one nginx worker pinned to SRV_CPU with
# the http{} blocks SERVERS (server {...} lines), in $TMP/nginx.
nginx_start() {
    local servers=$1 conns=${2:-4096} user_line="" d=$TMP/nginx
    mkdir -p "$d/logs" "$d/tmp"
    # As root the workers would switch to nobody, who cannot read the private
    # temp dir; keep them as the current user. As non-root the directive is
    # ignored (with a warning), so leave it out.
    [[ $(id -u) == 0 ]] && user_line="user root root;"
    cat >"$d/nginx.conf" <<EOF
$user_line
worker_processes 1;
worker_rlimit_nofile $((conns + 100));
pid $d/nginx.pid;
error_log $d/logs/error.log warn;
events { worker_connections $conns; multi_accept on; }
http {
    access_log off;
    keepalive_timeout 120s;
    keepalive_requests 10000000;
    http2_max_requests 10000000;
    client_body_temp_path $d/tmp; proxy_temp_path $d/tmp; fastcgi_temp_path $d/tmp;
    uwsgi_temp_path $d/tmp; scgi_temp_path $d/tmp;
    default_type text/plain;
$servers
}
EOF
    taskset -c "$SRV_CPU" "${NGINX:-/usr/sbin/nginx}" -p "$d/" -c "$d/nginx.conf" -e "$d/logs/error.log" \
        -g 'daemon off;' >"$d/stdout" 2>&1 </dev/null &
    NGINX_PID=$!
}

# nginx_wait CMD...: polls CMD (5 s at most) until it succeeds; else prints
# nginx's messages, stops it and returns 1.
nginx_wait() {
    for _ in $(seq 50); do
        "$@" >/dev/null 2>&1 && return 0
        kill -0 "$NGINX_PID" 2>/dev/null || break
        sleep 0.1
    done
    note "nginx did not answer: $*"
    tail -n 5 "$TMP/nginx/stdout" "$TMP/nginx/logs/error.log" >&2 2>/dev/null || true
    kill -KILL "$NGINX_PID" 2>/dev/null || true
    wait "$NGINX_PID" 2>/dev/null || true
    NGINX_PID=""
    return 1
}
