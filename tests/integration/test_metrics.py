"""k6/metrics custom metrics and test-wide tags (options.tags, --tag)."""
import json


def test_custom_metrics_of_each_type(c6):
    r = c6("metrics/custom.js")
    assert r.code == 0, r
    assert r.count("my_counter") == 20, r
    assert r.metric("my_gauge").split()[0] == "9", r          # last value
    assert "min=0" in r.metric("my_gauge") and "max=9" in r.metric("my_gauge"), r
    assert r.rate("my_rate")[1:] == (10, 20), r
    assert r.rate("my_rate{kind:a}")[1:] == (10, 10), r
    assert r.trend("my_trend")["avg"] == 12.5, r              # isTime: shown in ms
    assert r.threshold("my_counter", "count==20") is True, r
    assert r.threshold("my_rate{kind:a}", "rate==1") is True, r
    assert r.console() == ["my_counter function"], r


def test_crossed_threshold_on_a_custom_metric_exits_99(c6):
    r = c6("metrics/custom.js", "-i", "5")          # my_counter becomes 10, not 20
    assert r.code == 99, r
    assert r.threshold("my_counter", "count==20") is False, r


def test_metric_declared_in_an_iteration_is_an_iteration_error(c6):
    r = c6("metrics/late.js", "-i", "2")
    assert r.code == 0, r
    errs = [l["msg"] for l in r.logs(level="error")]
    assert len(errs) == 2 and all("init context" in m for m in errs), r
    assert r.count("iterations") == 2, r


def test_redefining_a_metric_with_another_type_fails_init(c6):
    r = c6("metrics/redefine.js")
    assert r.code == 107, r
    # k6: metrics/registry.go, NewMetric
    assert "already exists but with type counter, instead of" in r.err and "redefine.js:4" in r.err, r


def test_invalid_metric_name_fails_init(c6):
    r = c6("metrics/badname.js")
    assert r.code == 107, r
    msgs = [l["msg"] for l in r.logs(level="error")]
    # k6: metrics/registry.go, NewMetric
    assert any("Invalid metric name: 'bad-name!'. Metric names must only include" in m for m in msgs), r


def test_options_tags_reach_every_sample(c6):
    r = c6("metrics/global_tags.js")
    assert r.code == 0, r
    assert r.threshold("http_reqs{team:qa}", "count==3") is True, r
    assert r.threshold("iterations{team:qa}", "count==3") is True, r


def test_tag_flag_replaces_options_tags(c6):
    r = c6("metrics/global_tags.js", "--tag", "team=ops")
    assert r.code == 99, r                           # no sample is tagged team=qa any more
    assert r.threshold("http_reqs{team:qa}", "count==3") is False, r


def test_http_url_template_names_requests_by_template(c6, target):
    r = c6("metrics/url_template.js")
    assert r.code == 0, r
    recs = sorted((json.loads(m) for m in r.console()), key=lambda x: x["status"])
    assert [x["status"] for x in recs] == [200, 201, 202, 203], r
    assert all(x["name"] == "${}/status/${}" for x in recs), recs
    assert recs[1]["url"] == recs[1]["resUrl"] == f"{target}/status/201", recs
    assert r.threshold("http_reqs{name:${}/status/${}}", "count==4") is True, r


def test_high_cardinality_warns_once_and_suggests_the_name_tag(c6):
    r = c6("metrics/cardinality.js")
    assert r.code == 0, r
    warns = [l["msg"] for l in r.logs(level="warning") if "distinct tag sets" in l["msg"]]
    assert len(warns) == 1 and "name tag" in warns[0], r
    assert r.count("http_reqs") == 10500, r


def test_default_system_tags(c6):
    r = c6("metrics/system_tags.js")
    assert r.code == 99, r                                   # vu is not a default system tag
    assert r.threshold("http_reqs{status:200}", "count==2") is True, r
    assert r.threshold("http_reqs{method:GET}", "count==2") is True, r
    assert r.threshold("http_reqs{vu:1}", "count==2") is False, r


def test_system_tags_option_selects_tags(c6):
    r = c6("metrics/system_tags.js", "--system-tags", "status,vu")
    assert r.code == 99, r                                   # method is no longer attached
    assert r.threshold("http_reqs{status:200}", "count==2") is True, r
    assert r.threshold("http_reqs{vu:1}", "count==2") is True, r
    assert r.threshold("http_reqs{method:GET}", "count==2") is False, r


def test_unknown_system_tag_is_a_config_error(c6):
    r = c6("metrics/system_tags.js", env={"K6_SYSTEM_TAGS": "status,bogus"})
    assert r.code == 104, r
    assert any('"bogus" is not a system tag' in l["msg"] for l in r.logs(level="error")), r


def test_summary_time_unit(c6):
    r = c6("metrics/system_tags.js", "--summary-time-unit", "s", "--no-thresholds")
    assert r.code == 0, r
    line = r.metric("http_req_duration")
    assert "avg=0.00" in line and "ms" not in line and "µs" not in line, line
    bad = c6("metrics/system_tags.js", "--summary-time-unit", "hours")
    assert bad.code == 104, bad


def test_status_and_error_code_tags(c6, target, tmp_path):
    """The status tag is the response's status as text, "0" without a
    response; error_code is 1000 + status from 400 on, k6's connection code
    without a response (k6 lib/netext/httpext/request.go: tags status =
    strconv.Itoa(resp.StatusCode), error_code = strconv.Itoa(errCode);
    error_codes.go: 1212 connection refused, 1000 + status for 4xx/5xx).
    c6 takes 100-999 from a table: its ends and middle show here."""
    out = tmp_path / "o.json"
    r = c6("metrics/status_tags.js", "-o", f"json={out}")
    assert r.code == 0, r
    got = []
    for line in open(out):
        d = json.loads(line)
        if d.get("type") == "Point" and d["metric"] == "http_reqs":
            t = d["data"]["tags"]
            got.append((t["status"], t.get("error_code")))
    assert got == [("200", None), ("299", None), ("400", "1400"), ("599", "1599"), ("0", "1212")], got


def test_tags_getter_that_adds_and_checks_keeps_each_samples_tags(c6, tmp_path):
    """metrics.add() reads its tags object (whose getters may run any script,
    here another add() and a check) before it builds the sample's tag set
    in the worker's room (src/js/modules/metrics.c): each sample has its own
    tags, none of the other's."""
    out = tmp_path / "o.json"
    r = c6("metrics/nested_add.js", "-o", f"json={out}")
    assert r.code == 0, r
    tags = {}
    for line in open(out):
        d = json.loads(line)
        if d.get("type") == "Point" and d["metric"] in ("outer_trend", "inner_counter", "checks"):
            t = d["data"]["tags"]
            tags[d["metric"]] = {k: v for k, v in t.items() if k in ("a", "inner", "base", "check")}
    assert tags == {
        "inner_counter": {"inner": "i", "base": "b"},
        "checks": {"check": "inner check", "base": "b"},
        "outer_trend": {"a": "x", "base": "b"},
    }, tags
