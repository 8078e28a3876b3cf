"""k6/execution: VU and scenario info, test.abort() (108) and test.fail() (110)."""
import json


def test_execution_info(c6):
    r = c6("exec/info.js")
    assert r.code == 0, r
    recs = [json.loads(m) for m in r.console()]
    assert len(recs) == 4, r
    for x in recs:
        assert x["id"] == x["vuVar"] and x["iter"] == x["iterVar"], x
        assert x["scenario"] == "default" and x["executor"] == "shared-iterations" and x["started"], x
        assert x["inited"] == 2, x


def test_abort_stops_the_test_with_108(c6):
    r = c6("exec/abort.js")
    assert r.code == 108, r
    assert r.elapsed < 10, r
    assert "teardown ran" in r.console(), r
    assert any("enough" in l["msg"] for l in r.logs(level="error")), r


def test_abort_iteration_samples(c6, tmp_path):
    """The aborted iteration's samples (k6 emits them) carry its real
    duration and time, not a duration of minus the start's µs / 1000 and a
    time minutes back (its end was read in µs where ns were meant)."""
    out = tmp_path / "o.json"
    r = c6("exec/abort.js", "-o", f"json={out}")
    assert r.code == 108, r
    pts = [json.loads(l)["data"] for l in open(out) if '"Point"' in l and '"iteration_duration"' in l]
    assert len(pts) >= 3, pts
    assert all(0 <= p["value"] < 10000 for p in pts), pts

    def secs(t):  # "2026-12-07T11:23:16.127725673Z": to the µs
        day, clock = t.rstrip("Z").split("T")
        h, m, s = clock.split(":")
        return int(h) * 3600 + int(m) * 60 + float(s[:9]), day

    times = [secs(p["time"]) for p in pts]
    assert len({d for _, d in times}) == 1 or max(t for t, _ in times) < 60, times
    span = max(t for t, _ in times) - min(t for t, _ in times)
    assert span < 60, times


def test_fail_marks_the_run_failed_with_110(c6):
    r = c6("exec/fail.js")
    assert r.code == 110, r
    assert r.count("iterations") == 3, r
    assert any("bad data" in l["msg"] for l in r.logs(level="error")), r


def test_vu_tags_go_on_later_samples(c6, tmp_path):
    out = tmp_path / "o.json"
    r = c6("exec/vu_tags.js", "-o", f"json={out}")
    assert r.code == 0, r
    msgs = r.console()
    # k6 also keeps the group system tag ("" at the root) in the VU's tags
    # (internal/js/runner.go Activate)
    assert msgs[0] == '{"flavor":"vanilla","group":"","scenario":"default"} vanilla flavor,group,scenario', msgs
    assert '"count":"3"' in msgs[2], msgs   # numbers are kept as strings
    # k6 js/common ApplyCustomUserTag
    assert sum(m == "rejected: invalid value for metric tag 'bad': only String, Boolean and Number types are "
               "accepted as a metric tag values" for m in msgs) == 2, msgs
    tags = [json.loads(l)["data"]["tags"] for l in open(out) if '"Point"' in l and '"http_reqs"' in l]
    assert [t.get("flavor") for t in tags] == ["vanilla", "vanilla"], tags
    assert [t.get("count") for t in tags] == [None, "3"], tags
    # iteration samples too (c6 keeps a VU's iteration tag set while its tags stay: a change
    # must reach the next one, as k6 tags each iteration's samples with the VU's tags then)
    its = [json.loads(l)["data"]["tags"] for l in open(out) if '"Point"' in l and '"iterations"' in l]
    assert [(t.get("flavor"), t.get("count")) for t in its] == [("vanilla", None), ("vanilla", "3")], its


def test_test_options_are_the_consolidated_ones(c6):
    r = c6("exec/test_options.js", "--tag", "team=y")
    assert r.code == 0, r
    o = json.loads(r.console()[0])
    assert o["scenarios"] == {"default": {"executor": "constant-vus", "startTime": "0s", "gracefulStop": "30s",
                                          "exec": "default", "env": {}, "tags": {}, "vus": 2, "duration": "1s"}}, o
    assert o["tags"] == {"team": "y"}, o   # the flag replaced the script's tags
    assert o["thresholds"] == {"http_reqs": ["count>=0"]}, o
