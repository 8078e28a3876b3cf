"""Scenarios and executors: timing, counts, graceful stops, timeouts."""


def test_setup_timeout_exits_100(c6):
    r = c6("scenarios/setup_timeout.js")
    assert r.code == 100, r
    assert r.elapsed < 8, r
    assert any("setup() execution timed out after 1 seconds" in l["msg"] for l in r.logs(level="error")), r
    assert "iteration ran" not in r.console(), r


def test_teardown_timeout_cuts_a_busy_loop_and_exits_101(c6):
    r = c6("scenarios/teardown_timeout.js")
    assert r.code == 101, r
    assert r.elapsed < 8, r
    assert "iteration ran" in r.console() and "teardown started" in r.console(), r
    assert any("teardown() execution timed out after 1 seconds" in l["msg"] for l in r.logs(level="error")), r
