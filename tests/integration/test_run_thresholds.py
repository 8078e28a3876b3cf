"""Thresholds: a passing set exits 0, a crossed one exits 99 with the summary
still printed, --no-thresholds ignores them."""


def test_passing_threshold_exit_0(c6):
    r = c6("thresholds.js", env={"THR": "p(95)<10000"})
    assert r.code == 0, r
    assert r.count("http_reqs") == 5, r
    assert r.threshold("http_req_duration", "p(95)<10000") is True, r


def test_crossed_threshold_exit_99_summary_printed(c6):
    r = c6("thresholds.js", env={"THR": "p(95)<0.0001"})
    assert r.code == 99, r
    assert r.count("http_reqs") == 5, r
    assert r.count("iterations") == 5, r
    assert r.threshold("http_req_duration", "p(95)<0.0001") is False, r
    assert "http_req_duration" in "\n".join(x["msg"] for x in r.logs(level="error")), r


def test_no_thresholds_turns_99_into_0(c6):
    r = c6("thresholds.js", "--no-thresholds", env={"THR": "p(95)<0.0001"})
    assert r.code == 0, r
    assert r.count("http_reqs") == 5, r
    assert r.threshold("http_req_duration", "p(95)<0.0001") is None, r


def test_checks_rate_threshold_crossed(c6):
    # Half of the checks fail ('is 201'), so rate>0.9 is crossed.
    r = c6("thresholds.js", env={"THR": "p(95)<10000", "CHECK": "rate>0.9"})
    assert r.code == 99, r
    assert r.threshold("http_req_duration", "p(95)<10000") is True, r
    assert r.threshold("checks", "rate>0.9") is False, r
    assert r.checks_total() == (5, 5), r


def test_checks_rate_threshold_passing(c6):
    r = c6("thresholds.js", env={"THR": "p(95)<10000", "CHECK": "rate>0.4"})
    assert r.code == 0, r
    assert r.threshold("checks", "rate>0.4") is True, r
