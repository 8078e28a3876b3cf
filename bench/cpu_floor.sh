#!/usr/bin/env bash
# c6's CPU per iteration beside its floor (issue 17; a measurement, not a
# test). Alternates, ROUNDS times (default 5):
#   - bench/cpu_iter.sh: c6, N VUs of bench/scripts/check.js (http.get +
#     check + sleep(1)), one window of S seconds;
#   - build/bench-loopfloor (bench/loopfloor.c): a plain C client with the
#     same traffic (N keep-alive connections, c6's request once a second
#     each, sendto/recvfrom/epoll on 2 threads), one window of S seconds;
# both against one build/c6-target started here (on PORT, default 18090),
# and prints each window, each one's median, and the median of the
# per-round differences: what c6 adds to what the kernel's loopback TCP and
# a bare event loop cost in the same minutes. The VM's speed drifts by up to
# 20 % within minutes (a host thread runs beside it), so c6's absolute
# figure moves with the floor's; the difference is the steadier number.
#
#   bash bench/cpu_floor.sh [c6] [N] [S]      (defaults: build/c6 10000 10)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
C6=${1:-$ROOT/build/c6}
N=${2:-10000}
S=${3:-10}
ROUNDS=${ROUNDS:-5}
PORT=${PORT:-18090}
FLOOR=${FLOOR:-$ROOT/build/bench-loopfloor}
[ -x "$FLOOR" ] || { echo "cpu_floor: $FLOOR is missing (make build/bench-loopfloor)" >&2; exit 1; }
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
"$ROOT/build/c6-target" --listen "127.0.0.1:$PORT" >/dev/null 2>&1 &
TPID=$!
trap 'kill $TPID 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/" && break; sleep 0.1; done
c6s=() floors=()
for r in $(seq "$ROUNDS"); do
    c=$(ROUNDS=1 TARGET="http://127.0.0.1:$PORT/" timeout 300 bash "$HERE/cpu_iter.sh" "$C6" "$N" "$S" | tail -1)
    f=$(timeout 300 "$FLOOR" 127.0.0.1 "$PORT" "$N" 5 "$S" | tail -1)
    echo "round $r: c6:    $c"
    echo "round $r: floor: $f"
    c6s+=("$(sed -n 's/.*: \([0-9.]*\) us per iteration.*/\1/p' <<<"$c")")
    floors+=("$(sed -n 's/.*: \([0-9.]*\) us per iteration.*/\1/p' <<<"$f")")
done
python3 - "${c6s[*]}" "${floors[*]}" <<'PY'
import statistics, sys
c = [float(x) for x in sys.argv[1].split()]
f = [float(x) for x in sys.argv[2].split()]
d = [a - b for a, b in zip(c, f)]
print("c6:    median %.1f us per iteration (min %.1f, max %.1f)" % (statistics.median(c), min(c), max(c)))
print("floor: median %.1f us per iteration (min %.1f, max %.1f)" % (statistics.median(f), min(f), max(f)))
print("c6 - floor, per round: %s; median %.1f us" % (" ".join("%.1f" % x for x in d), statistics.median(d)))
PY
