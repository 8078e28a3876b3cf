"""SIGINT/SIGTERM during a run: exit 105 within seconds, teardown still
runs and the summary is still printed."""
import os
import re
import signal
import subprocess
import tempfile
import time

import pytest

from conftest import RunResult, script_path


def _interrupt(c6_bin, target, sig, script="signal.js", ready=b"running ("):
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        args = [c6_bin, "run", "-e", f"TARGET={target}", script_path(script)]
        env = {k: v for k, v in os.environ.items() if not k.startswith("K6_")}
        p = subprocess.Popen(args, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env)
        t0 = time.monotonic()
        try:
            # Wait until the test runs (`ready` shows up) or 10 s at most.
            deadline = t0 + 10
            while time.monotonic() < deadline and p.poll() is None:
                out.seek(0)
                err.seek(0)
                if ready in out.read() + err.read():
                    break
                time.sleep(0.1)
            time.sleep(1.0)
            assert p.poll() is None, "c6 ended before the signal"
            p.send_signal(sig)
            sent = time.monotonic()
            try:
                code = p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                pytest.fail("c6 did not stop within 20 s of the signal")
            stopped = time.monotonic() - sent
        finally:
            if p.poll() is None:
                p.kill()
                p.wait(timeout=5)
        out.seek(0)
        err.seek(0)
        r = RunResult(args[1:], code, out.read().decode("utf-8", "replace"),
                      err.read().decode("utf-8", "replace"), time.monotonic() - t0)
        return r, stopped


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_aborts_with_105(c6_bin, target, sig):
    r, stopped = _interrupt(c6_bin, target, sig)
    assert r.code == 105, r
    assert stopped < 5.0, (stopped, r)
    # Teardown ran with setup's data.
    assert "teardown ran started=true" in r.console(), r
    # The summary is printed with what was done before the signal.
    assert r.count("http_reqs") >= 1, r
    assert r.count("iterations") >= 1, r
    assert re.search(r"running \(", r.out), r


def test_sigint_during_setup_exits_105_quickly(c6_bin, target):
    r, stopped = _interrupt(c6_bin, target, signal.SIGINT, script="signal_setup.js",
                            ready=b"setup started")
    assert r.code == 105, r
    assert stopped < 5.0, (stopped, r)
    assert "setup finished" not in r.console(), r
    assert "default ran" not in r.console(), r
