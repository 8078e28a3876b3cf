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
# VS=<another c6>: runs it beside the first, the same N VUs against the
# same target, and prints both per window (ROUNDS=k windows, default 1;
# with k > 1 also the median window of each build, alone or paired).
# On a VM whose speed drifts by ±15 % from one minute to the next, a pair
# measured in the same seconds is what tells two builds apart: alternate
# which goes first, compare window by window.
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
vs = os.environ.get("VS")  # a second build, run beside the first (no callgrind then)
if vs and cg: sys.exit("cpu_iter: VS= and CALLGRIND=1 do not go together")
rounds = int(os.environ.get("ROUNDS", "1"))
warm = float(os.environ.get("W", "20" if cg else "5"))
port = int(os.environ.get("API_PORT", "16599"))
out = tempfile.mktemp(prefix="c6-cpuiter.", suffix=".cg")
def start(b, port):
    cmd = [b, "run", "-q", "-u", n, "-d", "%ds" % int(warm + (win + 1) * rounds + 600), "--address", "127.0.0.1:%d" % port, script]
    if cg:
        ll = ["--LL=" + os.environ["LL"]] if os.environ.get("LL") else []  # e.g. LL=33554432,16,64: this machine's L3
        cmd = ["valgrind", "--tool=callgrind", "--instr-atstart=no", "--cache-sim=yes"] + ll + ["--callgrind-out-file=" + out] + cmd
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
runs = [(c6, start(c6, port), port)] + ([(vs, start(vs, port + 1), port + 1)] if vs else [])
def iters(port):
    with urllib.request.urlopen("http://127.0.0.1:%d/v1/metrics/iterations" % port, timeout=10) as r:
        return json.load(r)["data"]["attributes"]["sample"]["count"]
def cpu(p):
    f = open("/proc/%d/stat" % p.pid).read().rsplit(")", 1)[1].split()
    t = os.sysconf("SC_CLK_TCK")
    return int(f[11]) / t, int(f[12]) / t
lines, ready = [], {}
try:
    t0 = time.time()
    for b, p, pt in runs:
        while True:
            if p.poll() is not None: sys.exit("cpu_iter: %s ended before its first iteration" % b)
            try:
                iters(pt); break
            except Exception:
                time.sleep(0.2)
        ready[pt] = time.time() - t0
    time.sleep(warm)
    for r in range(rounds):
        a = [(iters(pt), cpu(p), time.time()) for b, p, pt in runs]
        if cg: subprocess.run(["callgrind_control", "-i", "on", str(runs[0][1].pid)], capture_output=True)
        time.sleep(win)
        if cg: subprocess.run(["callgrind_control", "-i", "off", str(runs[0][1].pid)], capture_output=True)
        z = [(iters(pt), cpu(p), time.time()) for b, p, pt in runs]
        lines.append([(b, pt, x, y) for (b, p, pt), x, y in zip(runs, a, z)])
finally:
    for b, p, pt in runs:
        p.terminate()
        p.wait()
for row in lines:
    parts = []
    for b, pt, (ia, (ua, sa), ta), (ib, (ub, sb), tb) in row:
        di = ib - ia
        line = "%s VUs: first iteration after %.1f s; %d iterations in %.1f s (%.0f/s)" % (n, ready[pt], di, tb - ta, di / (tb - ta))
        if not cg:
            line += "; CPU %.2f s: %.1f us per iteration (user %.1f, system %.1f)" % (ub + sb - ua - sa, (ub + sb - ua - sa) * 1e6 / di, (ub - ua) * 1e6 / di, (sb - sa) * 1e6 / di)
        parts.append((b + ": " if vs else "") + line)
    if not cg: print("\n".join(parts))
if not cg:
    if len(lines) > 1:  # the median window of each build: one number to quote
        for k, (b, p, pt) in enumerate(runs):
            us = sorted((row[k][3][1][0] + row[k][3][1][1] - row[k][2][1][0] - row[k][2][1][1]) * 1e6 / (row[k][3][0] - row[k][2][0]) for row in lines)
            print("%s: median of %d windows %.1f us per iteration (min %.1f, max %.1f)" % (b, len(us), us[len(us) // 2] if len(us) % 2 else (us[len(us) // 2 - 1] + us[len(us) // 2]) / 2, us[0], us[-1]))
    sys.exit(0)
di = lines[0][0][3][0] - lines[0][0][2][0]
if os.environ.get("KEEP"): subprocess.run(["cp", out, os.environ["KEEP"]])
o = subprocess.run(["callgrind_annotate", "--auto=no", "--threshold=100", out], capture_output=True, text=True).stdout
os.unlink(out)
ev = [l for l in o.splitlines() if l.startswith("Events shown")][0].split(":")[1].split()
tot = [l for l in o.splitlines() if "PROGRAM TOTALS" in l][0].split()
vals = [int(x.replace(",", "")) for x in tot if x[:1].isdigit()]
print(parts[0] + " under callgrind; per iteration: " + ", ".join("%s %.0f" % (e, v / di) for e, v in zip(ev, vals)))
PY
