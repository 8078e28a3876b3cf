"""The REST API (--address) and the c6 status/pause/resume/scale/stats/stop commands."""
import json
import os
import socket
import subprocess
import time
import urllib.request

from conftest import script_path


def _free_addr():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"127.0.0.1:{port}"


def _ctl(c6_bin, addr, *args):
    return subprocess.run([c6_bin, *args, "-a", addr], capture_output=True, text=True, timeout=20)


def _status(addr):
    with urllib.request.urlopen(f"http://{addr}/v1/status", timeout=5) as r:
        return json.load(r)["data"]["attributes"]


def _wait(pred, timeout=10):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        try:
            if pred():
                return True
        except OSError:
            pass
        time.sleep(0.1)
    return False


def test_paused_start_resume_scale_and_stop(c6_bin):
    addr = _free_addr()
    env = {k: v for k, v in os.environ.items() if not k.startswith("K6_")}
    p = subprocess.Popen([c6_bin, "run", "-q", "-a", addr, "--paused", script_path("scenarios/paused_ext.js")],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert _wait(lambda: _status(addr)["status"] == 4), "never paused before the run"
        st = _status(addr)
        assert st["paused"] is True and st["running"] is False and st["vus-max"] == 4, st
        r = _ctl(c6_bin, addr, "status")
        assert r.returncode == 0 and 'paused: "true"' in r.stdout, r
        r = _ctl(c6_bin, addr, "resume")
        assert r.returncode == 0, r
        assert _wait(lambda: _status(addr)["running"] and _status(addr)["vus"] == 1), _status(addr)
        r = _ctl(c6_bin, addr, "scale", "--vus", "3")
        assert r.returncode == 0, r
        assert _wait(lambda: _status(addr)["vus"] == 3), _status(addr)
        r = _ctl(c6_bin, addr, "scale", "--vus", "9")
        # k6 lib/executor/externally_controlled.go UpdateConfig
        assert r.returncode != 0 and ("invalid configuration supplied: the number of active VUs (9) must be less than "
                                      "or equal to the number of maxVUs (4)") in r.stdout + r.stderr, r
        r = _ctl(c6_bin, addr, "scale", "--vus", "1", "--max", "2")
        assert r.returncode != 0 and ("the new number of max VUs cannot be lower than the starting number of max VUs "
                                      "(4)") in r.stdout + r.stderr, r
        # (the metrics engine sees the first iterations a moment after they end)
        assert _wait(lambda: "iterations" in _ctl(c6_bin, addr, "stats").stdout), _ctl(c6_bin, addr, "stats")
        r = _ctl(c6_bin, addr, "stats")
        assert r.returncode == 0 and "iterations" in r.stdout, r
        r = _ctl(c6_bin, addr, "stop")
        assert r.returncode == 0, r
        out, err = p.communicate(timeout=20)
    finally:
        if p.poll() is None:
            p.kill()
            p.communicate()
    assert p.returncode == 103, (p.returncode, err)
    assert "test run stopped from REST API" in err, err
    assert "iterations" in out, out   # the summary is still printed


def test_paused_from_env_waits_for_resume(c6_bin):
    """K6_PAUSED=true starts the test paused, as --paused does."""
    addr = _free_addr()
    env = {k: v for k, v in os.environ.items() if not k.startswith("K6_")}
    env["K6_PAUSED"] = "true"
    p = subprocess.Popen([c6_bin, "run", "-q", "-a", addr, "-i", "1", script_path("sleep_only.js")],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert _wait(lambda: _status(addr)["status"] == 4), "never paused before the run"
        time.sleep(0.3)
        assert p.poll() is None and _status(addr)["paused"] is True
        r = _ctl(c6_bin, addr, "resume")
        assert r.returncode == 0, r
        out, err = p.communicate(timeout=20)
    finally:
        if p.poll() is None:
            p.kill()
            p.communicate()
    assert p.returncode == 0, (p.returncode, err)
    assert "iterations" in out, out


def test_pause_is_refused_for_other_executors(c6_bin):
    addr = _free_addr()
    env = {k: v for k, v in os.environ.items() if not k.startswith("K6_")}
    p = subprocess.Popen([c6_bin, "run", "-q", "-a", addr, "-u", "2", "-d", "3s", script_path("sleep_only.js")],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert _wait(lambda: _status(addr)["running"]), "never ran"
        r = _ctl(c6_bin, addr, "pause")
        assert r.returncode != 0, r
        assert "constant-vus executor 'default' doesn't support pause and resume" in r.stdout + r.stderr, r
        out, err = p.communicate(timeout=20)
    finally:
        if p.poll() is None:
            p.kill()
            p.communicate()
    assert p.returncode == 0, err


def test_explicit_busy_address_exits_106(c6, c6_bin):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    addr = f"127.0.0.1:{s.getsockname()[1]}"
    try:
        r = c6("sleep_only.js", "-a", addr)
    finally:
        s.close()
    assert r.code == 106, r
    assert "address already in use" in r.err, r


def test_control_commands_without_a_server_fail(c6_bin):
    r = _ctl(c6_bin, _free_addr(), "status")
    assert r.returncode == 255, r
    assert "connection refused" in (r.stdout + r.stderr).lower(), r


def test_linger_keeps_the_api_until_a_signal(c6_bin):
    import signal as sig
    addr = _free_addr()
    env = {k: v for k, v in os.environ.items() if not k.startswith("K6_")}
    p = subprocess.Popen([c6_bin, "run", "-q", "-a", addr, "--linger", "-i", "1", script_path("sleep_only.js")],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert _wait(lambda: _status(addr)["running"] is False and _status(addr)["status"] >= 6), "never ended"
        time.sleep(0.3)
        assert p.poll() is None, "exited without a signal"
        st = _status(addr)
        assert st["vus"] == 0, st
        p.send_signal(sig.SIGINT)
        out, err = p.communicate(timeout=20)
    finally:
        if p.poll() is None:
            p.kill()
            p.communicate()
    assert p.returncode == 0, (p.returncode, err)
    assert "iterations" in out, out
