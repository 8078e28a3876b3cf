"""Large VU counts and the limits of the machine (issue 17).

- VU stacks come from slabs of 64 (src/vu/coro.c): past the VU count whose
  stacks would fit vm.max_map_count with a guard page each (~32,000 at the
  default 65,530) c6 used to refuse the run, and before that crashed (SIGSEGV).
- Descriptors (src/exec/capacity.h): c6 raises its soft RLIMIT_NOFILE to the
  hard limit at start, as k6 does (Go's os package since Go 1.19 raises it for
  every program). k6 itself never checks: a request past the limit fails with
  "dial tcp ...: socket: too many open files" (Go's net.Dial error, EMFILE). c6
  warns before the test when one kept connection a VU may not fit, and refuses
  (exit 104, k6's InvalidConfig) only when not even one connection can open.
"""

import json
import os
import re
import resource
import subprocess
import time

import pytest

from conftest import script_path
from hostile import run_c6

EXIT_CONFIG = 104   # k6 internal/errext/exitcodes/codes.go: InvalidConfig


def _is_asan(binary):
    with open(binary, "rb") as f:
        return b"__asan_init" in f.read()


def _mem_available_kb():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1])
    return 0


def test_45000_vus_run(c6_bin, tmp_path):
    # 45,000 VUs: 90,000+ mappings with a guard page a stack, over vm.max_map_count;
    # from slabs they run, and every VU runs its iteration
    if _is_asan(c6_bin):
        pytest.skip("ASan's shadow and redzones make 45,000 VUs far bigger and slower; the unit tests "
                    "(tests/unit/test_coro.c) run the slab code under ASan")
    n = 45_000
    if _mem_available_kb() < n * 150 + 1_000_000:
        pytest.skip("needs about 7 GB of free memory")
    export = tmp_path / "summary.json"
    r = run_c6(c6_bin, script_path("scale/empty_vus.js"), "-e", f"N={n}", "--summary-export", str(export),
               timeout=150)
    assert r.code == 0, r
    assert "Segmentation" not in r.err and "level=error" not in r.err, r
    m = json.loads(export.read_text())["metrics"]
    assert m["iterations"]["count"] == n, m["iterations"]
    # measured ~99 KiB a VU; the capacity check reckons 124
    assert r.peak_rss_kb < n * 124, r


def _run_limited(c6_bin, nofile, *flags, env=None):
    """c6 run with RLIMIT_NOFILE set to (soft, hard) = nofile in the child."""
    def limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, nofile)

    penv = {k: v for k, v in os.environ.items() if not k.startswith("K6_")}
    penv["K6_ADDRESS"] = ""  # no REST API: the runs may overlap
    penv.update(env or {})
    return subprocess.run([c6_bin, "run", "-q", *flags], capture_output=True, text=True, errors="replace",
                          env=penv, timeout=60, preexec_fn=limit, stdin=subprocess.DEVNULL)


FDS_WARNING = "open files (one connection each of its 300 VUs keeps"


def test_more_vus_than_descriptors_warns(c6_bin):
    # ulimit -n 256 (soft and hard): 300 VUs that may each keep a connection do not fit;
    # warned before the test, which runs as k6's would (exit 0)
    p = _run_limited(c6_bin, (256, 256), "-e", "N=300", script_path("scale/http_vus.js"))
    assert p.returncode == 0, p
    assert "level=warning" in p.stderr and FDS_WARNING in p.stderr, p
    assert "but this process may open 256 (ulimit -n, also its hard limit)" in p.stderr, p
    assert "set noConnectionReuse" in p.stderr, p
    assert re.search(r"iterations\.+: 300 ", p.stdout), p


def test_soft_descriptor_limit_raised(c6_bin):
    # soft 256, hard 4096: c6 raises the soft limit first (as Go does), so 300 VUs fit
    p = _run_limited(c6_bin, (256, 4096), "-e", "N=300", script_path("scale/http_vus.js"))
    assert p.returncode == 0, p
    assert FDS_WARNING not in p.stderr, p


@pytest.mark.parametrize("case", ["no_reuse", "no_http"])
def test_no_descriptor_warning_when_vus_keep_none(c6_bin, case):
    # noConnectionReuse: a VU holds a connection only during a request; a script that
    # imports no connecting module keeps none at all
    if case == "no_reuse":
        args = ("-e", "N=300", "--no-connection-reuse", script_path("scale/http_vus.js"))
    else:
        args = ("-e", "N=300", script_path("scale/empty_vus.js"))
    p = _run_limited(c6_bin, (256, 256), *args)
    assert p.returncode == 0, p
    assert "open files" not in p.stderr, p


def test_not_one_connection_is_an_error(c6_bin):
    # ulimit -n 12 with 1 worker: c6's own descriptors (stdio, loops, wake-ups) leave none
    # for a connection: refused before the test (exit 104)
    p = _run_limited(c6_bin, (12, 12), "--workers", "1", "-e", "N=3", script_path("scale/http_vus.js"))
    assert p.returncode == EXIT_CONFIG, p
    assert "this process may open only 12 files (ulimit -n) and c6 itself needs" in p.stderr, p
    assert "the script could not open a single connection" in p.stderr, p


def test_few_descriptors_never_crash(c6_bin):
    # ulimit -n from 6 up: with too few descriptors for c6's own event loops (the main
    # one, a worker's) the run ends with a message naming the limit, never a crash
    # (before: SIGSEGV in uv_async_init/uv_async_send on loops that failed to start)
    seen = set()
    # LeakSanitizer's end-of-run check needs descriptors of its own
    env = {"ASAN_OPTIONS": "detect_leaks=0"} if _is_asan(c6_bin) else None
    for n in range(6, 17):
        p = _run_limited(c6_bin, (n, n), "--workers", "1", "-e", "N=3", script_path("scale/empty_vus.js"), env=env)
        assert p.returncode in (0, EXIT_CONFIG, 107), (n, p)
        if p.returncode:
            assert "Too many open files (raise the limit: ulimit -n)" in p.stderr or \
                   "too many open files (raise the limit: ulimit -n)" in p.stderr, (n, p)
        seen.add(p.returncode)
    assert 0 in seen and len(seen) > 1, seen  # both ends reached: the limits above do matter


def test_dial_without_descriptor_waits(c6_bin, target, tmp_path):
    # ulimit -n 64, 1 worker: 120 VUs each open a connection at once for a 300 ms
    # request (noConnectionReuse, so the estimate before the test counts none).
    # k6 fails the requests past the limit with "dial tcp ...: socket: too many open
    # files" (Go's net.Dial error, EMFILE); c6 makes them wait for a descriptor
    # (src/net/client.c client_fd_wait): at 100,000 VUs a worker that falls behind
    # fires thousands of sleeping VUs' requests at once. Before: ~80 of the 120 failed.
    export = tmp_path / "summary.json"
    p = _run_limited(c6_bin, (64, 64), "--workers", "1", "-e", "N=120", "-e", f"URL={target}/delay/300",
                     "--summary-export", str(export), script_path("scale/fd_wait.js"))
    assert p.returncode == 0, p
    assert "too many open files" not in p.stderr, p
    # warned once, during the run
    assert p.stderr.count("c6 has no free file descriptor for a new connection (this process may open 64") == 1, p
    m = json.loads(export.read_text())["metrics"]
    assert m["http_reqs"]["count"] == 120, m["http_reqs"]
    assert m["http_req_failed"]["passes"] == 0, m["http_req_failed"]
    # the requests that waited for a descriptor waited for the first ones (300 ms) to end,
    # which shows in http_req_blocked (k6: time waiting for a free TCP connection slot)
    assert m["http_req_blocked"]["max"] >= 250, m["http_req_blocked"]
    assert m["http_req_blocked"]["min"] < 100, m["http_req_blocked"]



def test_waiting_for_a_descriptor_times_out(c6_bin, target, tmp_path):
    # ulimit -n 64, 1 worker: VUs 1-50 hold every free descriptor for 1.5 s, the other 50
    # wait for one with a 300 ms timeout: they fail as a request that timed out
    # (error_code 1050, k6's lib/netext/httpext/error_codes.go requestTimeoutErrorCode)
    # at 300 ms, not when a descriptor frees up
    export = tmp_path / "summary.json"
    p = _run_limited(c6_bin, (64, 64), "--workers", "1", "-e", "N=100", "-e", f"URL={target}", "-e", "HOLD=50",
                     "-e", "HOLD_MS=1500", "-e", "TIMEOUT=300ms", "--summary-export", str(export),
                     script_path("scale/fd_wait.js"))
    assert p.returncode == 0, p
    assert "too many open files" not in p.stderr, p
    m = json.loads(export.read_text())["metrics"]
    assert m["checks"]["passes"] == 50 and m["checks"]["fails"] == 0, m["checks"]
    assert 250 <= m["waited"]["max"] < 1200, m["waited"]


def test_waiting_for_a_descriptor_closes_idle_connections(c6_bin, target):
    # keep-alive, ulimit -n 64, 1 worker: 100 VUs, one request each; each VU keeps its
    # connection idle after its request, so the ones that found no descriptor would
    # wait for a close that never comes (until their 5 s timeout): idle connections
    # are closed for them instead, and every request succeeds at once. (Read from the
    # summary on stdout: at the end the kept connections hold every descriptor, so a
    # --summary-export file could not be opened.)
    p = _run_limited(c6_bin, (64, 64), "--workers", "1", "-e", "N=100", "-e", f"URL={target}/delay/100",
                     "-e", "REUSE=1", "-e", "TIMEOUT=5s", script_path("scale/fd_wait.js"))
    assert p.returncode == 0, p
    assert re.search(r"http_reqs\.+: 100 ", p.stdout), p
    assert re.search(r"http_req_failed\.+: 0\.00% 0 out of 100", p.stdout), p
    m = re.search(r"iteration_duration\.+: .*max=([0-9.]+)(ms|s) ", p.stdout)
    assert m and float(m.group(1)) * (1 if m.group(2) == "ms" else 1000) < 2000, p


def test_interrupted_while_waiting_for_a_descriptor(c6_bin, target):
    # ulimit -n 64, 1 worker: VUs 1-50 hold every free descriptor for 5 s, the other 50
    # wait for one; at maxDuration 1 s (gracefulStop 0s) every iteration is interrupted
    # (k6: the iteration's context is cancelled at the hard stop), the waiting
    # requests too: the run ends at once, nothing completed, no crash (under ASan: no
    # use of a request its VU gave up)
    t0 = time.monotonic()
    p = _run_limited(c6_bin, (64, 64), "--workers", "1", "-e", "N=100", "-e", f"URL={target}", "-e", "HOLD=50",
                     "-e", "HOLD_MS=5000", "-e", "TIMEOUT=10s", "-e", "MAXD=1s", script_path("scale/fd_wait.js"))
    assert p.returncode == 0, p
    assert time.monotonic() - t0 < 4.5, p  # not the 5 s of the holders' requests
    assert "Sanitizer" not in p.stderr and "Segmentation" not in p.stderr, p
    # k6's warning when no iteration completed (internal/cmd/run.go run())
    assert "No script iterations fully finished" in p.stderr, p
    assert "iterations...." not in p.stdout, p
