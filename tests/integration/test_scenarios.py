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


import re
import json
import subprocess
from collections import Counter


def _points(path):
    """(metric, scenario) -> summed value of the JSON output's Points."""
    out = Counter()
    with open(path) as f:
        for line in f:
            rec = json.loads(line)
            if rec["type"] != "Point":
                continue
            out[(rec["metric"], rec["data"]["tags"].get("scenario"))] += rec["data"]["value"]
    return out


def test_two_scenarios_side_by_side(c6, tmp_path):
    out = tmp_path / "o.json"
    r = c6("scenarios/two.js", "-o", f"json={out}")
    assert r.code == 0, r
    pts = _points(out)
    assert pts[("iterations", "batch")] == 9, pts
    assert pts[("iterations", "looper")] > 10, pts
    recs = [json.loads(m) for m in r.console()]
    loop = [x for x in recs if x["s"] == "looper"]
    batch = [x for x in recs if x["s"] == "batch"]
    assert len(loop) == 2 and len(batch) == 9, recs
    assert all(x["who"] == "looper" and x["ex"] == "constant-vus" for x in loop), loop
    assert all(x["who"] is None and x["ex"] == "shared-iterations" for x in batch), batch
    assert sorted(x["i"] for x in batch) == list(range(9)), batch
    # startTime: 1s after the first scenario's start
    assert 900 <= batch[0]["start"] - loop[0]["start"] <= 1300, (batch[0], loop[0])
    # scenario tags on every sample, the banner lists both
    with open(out) as f:
        kinds = {json.loads(l)["data"]["tags"].get("kind") for l in f if '"Point"' in l and '"http_reqs"' in l}
    assert kinds == {"loop", "batch"}, kinds
    assert "* batch: 9 iterations shared among 3 VUs" in r.out and "* looper: 2 looping VUs for 2s" in r.out, r.out


def test_per_vu_iterations(c6):
    r = c6("scenarios/per_vu.js")
    assert r.code == 0, r
    recs = [json.loads(m) for m in r.console()]
    assert len(recs) == 12, recs
    for vu in {x["vu"] for x in recs}:
        assert sorted(x["it"] for x in recs if x["vu"] == vu) == [0, 1, 2, 3], recs
    assert r.count("iterations") == 12, r


def test_graceful_stop_interrupts_and_counts(c6):
    r = c6("scenarios/graceful_stop.js")
    assert r.code == 0, r
    # duration 1s + gracefulStop 1s, then the 3 s sleeps are cut off
    assert r.elapsed < 5, r
    assert "0 complete and 2 interrupted iterations" in r.out, r.out


def test_max_duration_drops_the_rest(c6, tmp_path):
    out = tmp_path / "o.json"
    r = c6("scenarios/max_duration.js", "-o", f"json={out}")
    assert r.code == 0, r
    pts = _points(out)
    done = pts[("iterations", "capped")]
    assert 3 <= done <= 5, pts
    # with gracefulStop 0 the iteration running at maxDuration is interrupted;
    # what was never started is dropped
    import re
    interrupted = int(re.findall(r"(\d+) interrupted iterations", r.out)[-1])
    assert interrupted in (0, 1), r.out
    assert pts[("dropped_iterations", "capped")] == 100 - done - interrupted, pts
    assert r.elapsed < 6, r


def test_constant_arrival_rate_and_drops(c6, tmp_path):
    out = tmp_path / "o.json"
    r = c6("scenarios/arrival.js", "-o", f"json={out}")
    assert r.code == 0, r
    pts = _points(out)
    assert pts[("iterations", "steady")] == 100, pts
    assert pts[("dropped_iterations", "steady")] == 0, pts
    # 2 VUs busy 1 s each can start 4 of the 40 due; the rest are dropped
    started = pts[("iterations", "starved")]
    assert 2 <= started <= 6, pts
    assert started + pts[("dropped_iterations", "starved")] == 40, pts


def test_ramping_arrival_rate_follows_its_stages(c6):
    r = c6("scenarios/ramping_arrival.js")
    assert r.code == 0, r
    # 0 -> 20/s over 1 s is 10 iterations, then 20 in the flat second
    assert r.count("iterations") == 30, r


def test_ramping_vus_ramps_up_and_down(c6, tmp_path):
    out = tmp_path / "o.json"
    r = c6("scenarios/ramping_vus.js", "-o", f"json={out}")
    assert r.code == 0, r
    vus = []
    with open(out) as f:
        for line in f:
            rec = json.loads(line)
            if rec["type"] == "Point" and rec["metric"] == "vus":
                vus.append(rec["data"]["value"])
    assert max(vus) == 4, vus
    assert r.elapsed < 6, r


def test_exec_must_be_exported(c6):
    r = c6("scenarios/bad_exec.js")
    assert r.code == 104, r
    # k6: internal/cmd/config.go, validateScenarioConfig, in its configuration block
    assert "There were problems with the specified script configuration:\\n\\t- executor s: function 'nope' " \
           "not found in exports" in r.err, r


def test_externally_controlled_runs_its_vus(c6):
    r = c6("scenarios/external.js")
    assert r.code == 0, r
    assert r.count("iterations") > 10, r
    assert 0.8 < r.elapsed < 5, r


def test_execution_segments_add_up(c6, tmp_path):
    """Four instances with complementary segments run what one instance runs."""
    def counts(*flags):
        out = tmp_path / f"o{len(list(tmp_path.iterdir()))}.json"
        r = c6("scenarios/segments.js", "-o", f"json={out}", *flags)
        assert r.code == 0, r
        p = _points(out)
        # started + dropped, as below: on a loaded machine (the full suite on
        # two processes, other work) an instance's one VU may miss an arrival
        return p[("iterations", "shared")], p[("iterations", "rate")] + p[("dropped_iterations", "rate")]

    whole = counts()
    assert whole == (103, 80), whole
    seq = "0,1/4,1/2,3/4,1"
    parts = [counts("--execution-segment", s, "--execution-segment-sequence", seq)
             for s in ("0:1/4", "1/4:1/2", "1/2:3/4", "3/4:1")]
    assert sum(p[0] for p in parts) == 103, parts
    assert sum(p[1] for p in parts) == 80, parts
    assert all(p[1] > 0 for p in parts), parts


def test_execution_segment_from_env_and_script_options(c6, tmp_path):
    """K6_EXECUTION_SEGMENT(_SEQUENCE) and options.executionSegment(Sequence)
    give the same parts as the flags; the flag wins over the script."""
    def counts(script, env=None, *flags):
        out = tmp_path / f"o{len(list(tmp_path.iterdir()))}.json"
        r = c6(script, "-o", f"json={out}", *flags, env=env)
        assert r.code == 0, r
        p = _points(out)
        # started + dropped: a starved machine (ASan, other load) may drop one
        return p[("iterations", "shared")], p[("iterations", "rate")] + p[("dropped_iterations", "rate")]

    segs = ("0:1/4", "1/4:1/2", "1/2:3/4", "3/4:1")
    by_env = [counts("scenarios/segments.js", {"K6_EXECUTION_SEGMENT": s,
                                              "K6_EXECUTION_SEGMENT_SEQUENCE": "0,1/4,1/2,3/4,1"})
              for s in segs]
    by_opt = [counts("scenarios/segments_opt.js", None, "-e", f"SEG={s}") for s in segs]
    assert by_env == by_opt, (by_env, by_opt)
    assert sum(p[0] for p in by_opt) == 103 and sum(p[1] for p in by_opt) == 80, by_opt
    assert len(set(by_opt)) > 1, by_opt     # the parts differ: each instance ran its own share
    flag = counts("scenarios/segments_opt.js", None, "-e", "SEG=0:1/4", "--execution-segment", "3/4:1")
    assert flag == by_opt[3], (flag, by_opt)
    r = c6("scenarios/segments_opt.js", "-e", "SEG=1/2:1/3")
    assert r.code == 104, r


def test_full_summary_has_a_section_per_scenario(c6):
    r = c6("scenarios/two.js", "--summary-mode=full")
    assert r.code == 0, r
    a, b = r.out.find("█ SCENARIO: batch"), r.out.find("█ SCENARIO: looper")
    assert 0 < a < b, r.out    # sorted by name, after TOTAL RESULTS
    assert r.out.find("█ TOTAL RESULTS") < a, r.out
    batch = r.out[a:b]
    assert "http_reqs" in batch and ": 9 " in batch.split("http_reqs")[1].split("\n")[0], batch


def test_progress_lines_use_k6s_fixed_length_times(c6):
    """running (00m01.0s) against a 10m30s plan; per-scenario columns:
    VUs, elapsed/total (or the total once over), the executor's own column."""
    r = c6("scenarios/two.js")
    assert r.code == 0, r
    run_lines = [l for l in r.out.splitlines() if l.startswith("running (")]
    assert run_lines and re.match(r"running \(\d\dm\d\d\.\ds\), \d/5 VUs, \d+ complete and \d+ interrupted iterations$",
                                  run_lines[-1]), run_lines
    last = r.out.splitlines()
    looper = [l for l in last if l.startswith("looper ")][-1]
    batch = [l for l in last if l.startswith("batch ")][-1]
    # not a terminal: k6's compact "[ 100% ]" bar (internal/cmd/ui.go showProgress)
    assert re.search(r"✓ \[ 100% \] 2 VUs  2s *$", looper), looper   # k6 pads it to the other column 1s
    assert re.search(r"✓ \[ 100% \] 3 VUs +\d\dm\d\d\.\ds/10m0s  9/9 shared iters$", batch), batch


def test_graceful_ramp_down_lets_iterations_finish_or_interrupts_them(c6):
    def final(r):
        line = [l for l in r.out.splitlines() if l.startswith("running (")][-1]
        m = re.search(r"(\d+) complete and (\d+) interrupted", line)
        return int(m.group(1)), int(m.group(2))

    r = c6("scenarios/ramp_down.js", "-e", "GRD=1s")
    assert r.code == 0, r
    assert final(r) == (2, 0), r.out
    r = c6("scenarios/ramp_down.js", "-e", "GRD=200ms")
    assert r.code == 0, r
    assert final(r) == (0, 2), r.out
