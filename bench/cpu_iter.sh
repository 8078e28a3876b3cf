#!/usr/bin/env bash
# CPU per iteration in steady state (a measurement, not a test; issue 17):
# runs N VUs of a script (default bench/scripts/check.js: http.get + check +
# sleep(1)), waits until the first iteration is counted and W more seconds
# (every VU iterating, start-up left out), then reads c6's CPU time
# (/proc/PID/stat, user + system, every thread) and its iteration count
# (REST API, /v1/metrics/iterations) at the start and end of a window of S
# seconds: CPU µs per iteration = ΔCPU / Δiterations.
#
#   TARGET=http://127.0.0.1:PORT/ bash bench/cpu_iter.sh [c6] [N] [S] [script]
#
# CALLGRIND=1: the same window under callgrind (instrumentation switched on
# for the window only, --instr-atstart=no + callgrind_control): instructions
# and cache misses (simulated: --cache-sim=yes) per iteration, repeatable on
# a shared machine where CPU time is not. LL=size,assoc,line sets the
# simulated last-level cache (valgrind takes the host's, which in a VM may be
# reported wrong: 512 MB here; this machine's L3 is 32 MB: LL=33554432,16,64).
# Use fewer VUs (e.g. 2000): VUs start
# ~5x slower under valgrind and the iteration rate is lower.
#
# Defaults: build/c6, 10000 VUs, a 10 s window, W=5 (20 under callgrind).
# TARGET must answer 200 (`build/c6-target --listen 127.0.0.1:PORT`, or the
# nginx of bench/run.sh). Port 16599 for the REST API (API_PORT=...).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
C6=${1:-build/c6}
N=${2:-10000}
S=${3:-10}
SCRIPT=${4:-$HERE/scripts/check.js}
: "${TARGET:?set TARGET to a URL that answers 200}"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
exec python3 - "$C6" "$N" "$S" "$SCRIPT" <<'PY'
import json, os, subprocess, sys, tempfile, time, urllib.request
c6, n, win, script = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
cg = os.environ.get("CALLGRIND") == "1"
warm = float(os.environ.get("W", "20" if cg else "5"))
port = os.environ.get("API_PORT", "16599")
out = tempfile.mktemp(prefix="c6-cpuiter.", suffix=".cg")
cmd = [c6, "run", "-q", "-u", n, "-d", "%ds" % int(warm + win + 600), "--address", "127.0.0.1:" + port, script]
if cg:
    ll = ["--LL=" + os.environ["LL"]] if os.environ.get("LL") else []  # e.g. LL=33554432,16,64: this machine's L3
    cmd = ["valgrind", "--tool=callgrind", "--instr-atstart=no", "--cache-sim=yes"] + ll + ["--callgrind-out-file=" + out] + cmd
p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
def iters():
    with urllib.request.urlopen("http://127.0.0.1:%s/v1/metrics/iterations" % port, timeout=10) as r:
        return json.load(r)["data"]["attributes"]["sample"]["count"]
def cpu():
    f = open("/proc/%d/stat" % p.pid).read().rsplit(")", 1)[1].split()
    t = os.sysconf("SC_CLK_TCK")
    return int(f[11]) / t, int(f[12]) / t
try:
    t0 = time.time()
    while True:
        if p.poll() is not None: sys.exit("cpu_iter: c6 ended before its first iteration")
        try:
            iters(); break
        except Exception:
            time.sleep(0.2)
    ready = time.time() - t0
    time.sleep(warm)
    a, (ua, sa), ta = iters(), cpu(), time.time()
    if cg: subprocess.run(["callgrind_control", "-i", "on", str(p.pid)], capture_output=True)
    time.sleep(win)
    if cg: subprocess.run(["callgrind_control", "-i", "off", str(p.pid)], capture_output=True)
    b, (ub, sb), tb = iters(), cpu(), time.time()
    ca, cb = ua + sa, ub + sb
finally:
    p.terminate()
    p.wait()
di = b - a
line = "%s VUs: first iteration after %.1f s; %d iterations in %.1f s (%.0f/s)" % (n, ready, di, tb - ta, di / (tb - ta))
if not cg:
    print(line + "; CPU %.2f s: %.1f us per iteration (user %.1f, system %.1f)" % (cb - ca, (cb - ca) * 1e6 / di, (ub - ua) * 1e6 / di, (sb - sa) * 1e6 / di))
    sys.exit(0)
if os.environ.get("KEEP"): subprocess.run(["cp", out, os.environ["KEEP"]])
o = subprocess.run(["callgrind_annotate", "--auto=no", "--threshold=100", out], capture_output=True, text=True).stdout
os.unlink(out)
ev = [l for l in o.splitlines() if l.startswith("Events shown")][0].split(":")[1].split()
tot = [l for l in o.splitlines() if "PROGRAM TOTALS" in l][0].split()
vals = [int(x.replace(",", "")) for x in tot if x[:1].isdigit()]
print(line + " under callgrind; per iteration: " + ", ".join("%s %.0f" % (e, v / di) for e, v in zip(ev, vals)))
PY
