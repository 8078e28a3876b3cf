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


def _any(c6, metric, expr, *flags):
    return c6("thresholds_any.js", *flags, env={"METRIC": metric, "EXPR": expr})


def test_counter_threshold(c6):
    # 4 iterations x 2 requests.
    assert _any(c6, "http_reqs", "count==8").code == 0
    r = _any(c6, "http_reqs", "count>8")
    assert r.code == 99, r
    assert r.threshold("http_reqs", "count>8") is False, r


def test_rate_threshold_on_http_req_failed(c6):
    r = _any(c6, "http_req_failed", "rate<0.01")
    assert r.code == 0, r
    assert r.threshold("http_req_failed", "rate<0.01") is True, r


def test_submetric_threshold_on_request_tag(c6):
    # Only the mytag:other requests hit /delay/50, so they alone cross 'min>40'
    # while the mytag:mine ones (fast /get) pass it.
    r = _any(c6, "http_req_duration{mytag:other}", "min>40")
    assert r.code == 0, r
    assert r.threshold("http_req_duration{mytag:other}", "min>40") is True, r
    r = _any(c6, "http_req_duration{mytag:mine}", "min>40")
    assert r.code == 99, r
    assert r.threshold("http_req_duration{mytag:mine}", "min>40") is False, r


def test_submetric_threshold_shows_submetric_in_summary(c6):
    r = _any(c6, "http_req_duration{mytag:mine}", "max<10000")
    assert r.code == 0, r
    assert "http_req_duration{mytag:mine}" in r.metrics, r


def test_threshold_syntax_error_exit_104(c6):
    r = _any(c6, "http_req_duration", "p(95)<<abc")
    assert r.code == 104, r
    assert not r.has_summary(), r


def test_threshold_wrong_aggregation_exit_104(c6):
    # p(95) is a Trend aggregation; http_reqs is a Counter.
    r = _any(c6, "http_reqs", "p(95)<100")
    assert r.code == 104, r


def test_abort_on_fail_stops_early_with_99(c6, tmp_path):
    # Thresholds are checked every ~2 s during the run; abortOnFail stops then.
    # The script asks for 60 s; an abort at the first check ends it in ~2-3 s,
    # and the JSON output still has a point for every request counted.
    out = tmp_path / "o.json"
    r = c6("abort_on_fail.js", "-o", f"json={out}")
    assert r.code == 99, r
    assert r.elapsed < 6.0, r
    assert r.threshold("http_req_duration", "p(95)<0.0001") is False, r
    assert r.count("http_reqs") >= 1, r
    assert "teardown ran" in r.console(), r
    with open(out) as f:
        points = sum(1 for l in f if '"Point"' in l and '"metric":"http_reqs"' in l)
    assert points == r.count("http_reqs"), (points, r)
