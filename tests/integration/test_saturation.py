"""c6's own health (README "c6's own health"): the c6_* metrics in outputs
and the REST API, and the saturation warning. k6 has none of this: a healthy
run's summary must stay k6's (no c6_* line, no warning)."""
import json
import os
import socket
import subprocess
import time
import urllib.request

from conftest import script_path

WARNING = "c6 itself is the bottleneck"
LINE = "c6 was saturated"


def _free_addr():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"127.0.0.1:{port}"


def _points(path, metric):
    out = []
    with open(path) as f:
        for line in f:
            rec = json.loads(line)
            if rec.get("type") == "Point" and rec.get("metric") == metric:
                out.append(rec["data"])
    return out


def test_cpu_burning_script_is_flagged(c6, tmp_path):
    # one worker, two VUs burning 100 ms of CPU per iteration: the worker's
    # 50 ms tick fires ~150 ms late, every second
    out = tmp_path / "out.json"
    r = c6("honest/burn.js", "--workers", "1", "--out", f"json={out}", with_target=False, timeout=60)
    assert r.code == 0, r
    warns = [l for l in r.logs("warning") if WARNING in l["msg"]]
    assert len(warns) == 1, r  # once, during the run
    assert "--workers" in warns[0]["msg"] and "distributed" in warns[0]["msg"], r
    assert LINE in r.out, r
    # saturated: the c6_* metrics are in the summary
    assert r.trend("c6_loop_lag")["avg"] > 5, r
    assert "c6_worker_busy" in r.metrics, r
    lags = _points(out, "c6_loop_lag")
    assert len(lags) >= 3 and max(p["value"] for p in lags) > 50, lags
    assert all(p["tags"] == {"worker": "0"} for p in lags), lags


def test_light_script_is_not_flagged_and_metrics_are_exposed(c6_bin, tmp_path):
    out = tmp_path / "out.json"
    addr = _free_addr()
    env = {k: v for k, v in os.environ.items() if not k.startswith("K6_")}
    p = subprocess.Popen([c6_bin, "run", "-a", addr, "--workers", "1", "--out", f"json={out}",
                          script_path("honest/light.js")],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        # the REST API serves them while the test runs (after the first second)
        api, deadline = None, time.monotonic() + 20
        while time.monotonic() < deadline and p.poll() is None:
            try:
                with urllib.request.urlopen(f"http://{addr}/v1/metrics/c6_worker_busy", timeout=2) as resp:
                    api = json.load(resp)
                    break
            except OSError:
                time.sleep(0.2)
        so, se = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
            p.communicate()
    assert p.returncode == 0, se
    assert api and api["data"]["id"] == "c6_worker_busy", api
    assert api["data"]["attributes"]["type"] == "trend", api
    # not saturated: no warning, no summary line, no c6_* metric in k6's summary
    assert WARNING not in se, se
    assert LINE not in so, so
    assert "c6_" not in so, so
    busy = _points(out, "c6_worker_busy")
    assert len(busy) >= 2 and all(0 <= b["value"] < 0.9 for b in busy), busy
    assert _points(out, "c6_loop_lag") and _points(out, "c6_sample_backlog")
    # no arrival-rate scenario: no scheduling lag
    assert not _points(out, "c6_schedule_lag")


def test_script_metric_with_a_c6_name_is_left_alone(c6):
    # k6 runs it (any valid metric name is the script's, metrics/registry.go
    # NewMetric); c6 then measures nothing of its own rather than mixing its
    # samples into the script's counter
    r = c6("honest/own_c6_metric.js", with_target=False, timeout=60)
    assert r.code == 0, r
    assert r.count("c6_loop_lag") == 6, r
    assert "c6_worker_busy" not in r.out, r
