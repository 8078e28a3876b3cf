#!/usr/bin/env bash
# Where a VU's memory goes (a measurement, not a test): runs N VUs of a script
# for D seconds, reads /proc/PID/smaps of c6 near the end and splits its RSS
# into coroutine stacks (the slab slots of src/vu/coro.c), malloc (the other
# anonymous memory: glibc's thread arenas and the main heap) and the rest; C6_VU_MEMORY=1 makes
# c6 print what QuickJS holds for one VU after its init (src/js/vm.c).
#
#   TARGET=http://127.0.0.1:PORT/ bash bench/vu_memory.sh [c6] [N] [script] [D]
#
# Defaults: build/c6, 2000 VUs, bench/scripts/check.js (http.get + check +
# sleep(1)), 8 s. TARGET must answer (e.g. the nginx of bench/run.sh, or
# `build/c6-target --listen 127.0.0.1:PORT`).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
C6=${1:-build/c6}
N=${2:-2000}
SCRIPT=${3:-$HERE/scripts/check.js}
D=${4:-8}
: "${TARGET:?set TARGET to a URL that answers 200}"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
TMP=$(mktemp -d "${TMPDIR:-/tmp}/c6-vumem.XXXXXX")
PID=""
cleanup() { [[ -n $PID ]] && kill "$PID" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT INT TERM

C6_VU_MEMORY=1 timeout $((D + 120)) "$C6" run -q -u "$N" -d "${D}s" "$SCRIPT" >"$TMP/out" 2>"$TMP/err" &
PID=$!
# sample once the VUs are all running: a second before the end
sleep $((D > 2 ? D - 1 : 1))
# `timeout` runs c6 as its child
C6PID=$(pgrep -P "$PID" | head -n1 || true)
[[ -n $C6PID ]] || { cat "$TMP/err" >&2; echo "vu_memory: c6 is not running" >&2; exit 1; }
python3 - "$C6PID" "$N" >"$TMP/split" <<'PY'
import re, sys
pid, n = sys.argv[1], int(sys.argv[2])
stacks = heap = other = 0
size = 0
for line in open(f"/proc/{pid}/smaps"):
    m = re.match(r"([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(\S*)", line)
    if m:
        size = (int(m.group(2), 16) - int(m.group(1), 16)) // 1024
        named = m.group(3)
        continue
    if not line.startswith("Rss:"):
        continue
    rss = int(line.split()[1])
    if size == 260 or 0 <= size - 64 * 256 <= 64:
        stacks += rss  # a stack slot with its guard page, or a guardless slab of 64 stacks
    elif not named or named == "[heap]":
        heap += rss  # malloc: glibc's thread arenas (any part of them) and the main heap
    else:
        other += rss  # the binary, libraries, the main thread's stack
total = stacks + heap + other
print(f"RSS {total} KB = {total / n:.1f} KB/VU: stacks {stacks / n:.1f} KB/VU, "
      f"malloc {heap / n:.1f} KB/VU, other {other / n:.1f} KB/VU")
PY
wait "$PID" || true
PID=""
cat "$TMP/split"
grep -m1 'c6 vu-memory' "$TMP/err" || true
grep -E '^ *iterations' "$TMP/out" | tr -s ' .' ' ' || true
