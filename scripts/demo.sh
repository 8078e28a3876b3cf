#!/usr/bin/env bash
# Starts the built-in target on a free loopback port, runs examples/demo.js
# against it, prints the summary and stops the target.
set -euo pipefail
C6=${1:-build/c6}
out=$(mktemp)
"$C6" target --listen 127.0.0.1:0 >"$out" &
tpid=$!
trap 'kill $tpid 2>/dev/null; wait $tpid 2>/dev/null; rm -f "$out"' EXIT
for _ in $(seq 100); do grep -q listening "$out" && break; sleep 0.05; done
url=$(grep -o 'http://[^ ]*' "$out" | head -n1)
[ -n "$url" ] || { echo "demo: target did not start" >&2; exit 1; }
"$C6" run -e TARGET="$url" examples/demo.js
