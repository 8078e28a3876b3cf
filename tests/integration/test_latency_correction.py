"""--latency-correction: wrk2's coordinated-omission correction for
arrival-rate scenarios (README "Coordinated omission"), off by default.

k6 has no such option: with it off, c6's numbers must be k6's (no
*_corrected metric anywhere). With it on, a server stalling once for 1 s
while constant-arrival-rate runs at 50/s on 2 VUs: k6 drops the ~50
iterations due during the stall (lib/executor/constant_arrival_rate.go: no
free VU -> dropped_iterations), so http_req_duration's p99 stays low (2
stalled requests out of ~250), while the corrected metrics count each
dropped user from when it was due and their p99 shows the stall."""
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class _Stall:
    """Answers at once, except for 1 s starting 2 s after its first request
    (or its last reset): everything arriving then waits until it ends."""

    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with self.lock:
            self.first = None
            self.window = None

    def wait(self):
        now = time.monotonic()
        with self.lock:
            if self.first is None:
                self.first = now
            if self.window is None and now - self.first >= 2.0:
                self.window = (now, now + 1.0)
            w = self.window
        if w and w[0] <= now < w[1]:
            time.sleep(w[1] - now)


@pytest.fixture(scope="module")
def stall():
    st = _Stall()

    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def log_message(self, *a):
            pass

        def do_GET(self):
            st.wait()
            self.send_response(200)
            self.send_header("Content-Length", "3")
            self.end_headers()
            self.wfile.write(b"ok\n")

    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    srv.daemon_threads = True
    th = threading.Thread(target=srv.serve_forever, daemon=True)
    th.start()
    st.url = f"http://127.0.0.1:{srv.server_address[1]}/"
    yield st
    srv.shutdown()
    srv.server_close()


def _run(c6, stall, *flags, env=None):
    stall.reset()
    return c6("honest/stall_arrival.js", "-e", f"STALL_URL={stall.url}", *flags, env=env, with_target=False,
              timeout=90)


def test_corrected_p99_shows_the_stall(c6, stall):
    r = _run(c6, stall, "--latency-correction", "-e", "CORR_THRESHOLDS=1")
    assert r.code == 0, r  # thresholds on the corrected metrics are accepted (and pass)
    plain, corr = r.trend("http_req_duration"), r.trend("http_req_duration_corrected")
    it_corr = r.trend("iteration_duration_corrected")
    # the stall is 1 s: ~50 users waited from 0 to 1 s, so the top 1% of the
    # ~300 corrected samples is well above 500 ms; only the 2 requests caught
    # in it show in http_req_duration, below its p99
    assert corr["p(99)"] >= 500, r
    assert it_corr["p(99)"] >= 500, r
    assert plain["p(99)"] < 300, r
    assert plain["max"] >= 500, r  # the stall did happen
    iters, dropped = r.count("iterations"), r.count("dropped_iterations")
    assert dropped >= 20, r
    # one corrected sample per iteration, plus one per dropped iteration
    # stood in for (those after the last started iteration are not)
    assert iters < corr["count"] <= iters + dropped, r
    assert it_corr["count"] == corr["count"], r
    assert r.threshold("http_req_duration_corrected", "p(99)<60000") is True, r


def test_env_turns_it_on(c6, stall):
    r = _run(c6, stall, env={"C6_LATENCY_CORRECTION": "true"})
    assert r.code == 0, r
    assert r.trend("http_req_duration_corrected")["p(99)"] >= 500, r


def test_off_by_default_nothing_corrected(c6, stall):
    r = _run(c6, stall)
    assert r.code == 0, r
    assert "http_req_duration_corrected" not in r.out, r
    assert "iteration_duration_corrected" not in r.out, r
    assert r.trend("http_req_duration")["p(99)"] < 300, r
    # k6 knows no such metric: a threshold on it is k6's config error (exit 104)
    r = _run(c6, stall, "-e", "CORR_THRESHOLDS=1")
    assert r.code == 104, r
    assert any('no metric name "http_req_duration_corrected" found' in l["msg"] for l in r.logs("error")), r
