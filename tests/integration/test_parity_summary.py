"""Parity corpus for the end-of-test summary, --summary-export, handleSummary's
data, the progress lines and the threshold verdict lines (issue 10).

Each case names the k6 v2.2.0 source the expectation comes from; the lines
and values are k6's, taken from that source."""
import json
import re

S = "parity/summary/"


def _summary_json(out):
    """handleSummary's JSON line (the last progress block comes after it)."""
    return json.loads(next(l for l in out.splitlines() if l.startswith("{")))


# ---- item 3: groups without checks are in root_group --------------------------

def test_groups_without_checks_are_in_root_group(c6, tmp_path):
    # k6: lib.GroupSummary.handleSample builds the tree from every
    # group_duration and checks sample (lib/test_state.go); the export and
    # handleSummary's data both come from it (internal/js/summary.go
    # exportGroup, summary-wrapper.js transformGroup).
    exp = tmp_path / "export.json"
    r = c6(S + "groups_no_checks.js", "--summary-export", exp)
    assert r.code == 0, r
    data = _summary_json(r.out)
    root = data["root_group"]
    assert [g["name"] for g in root["groups"]] == ["outer", "with check", "lonely"], root
    outer = root["groups"][0]
    assert [g["path"] for g in outer["groups"]] == ["::outer::inner"], outer
    assert outer["checks"] == [] and outer["id"] == "c34b428ee7255085dfe7fef53d3394d5", outer   # md5("::outer")
    e = json.loads(exp.read_text())["root_group"]
    assert list(e["groups"]) == ["outer", "with check", "lonely"], e
    assert e["groups"]["outer"]["groups"]["inner"]["checks"] == {}, e
    assert e["groups"]["lonely"] == {"name": "lonely", "path": "::lonely", "id": "c756a671fd236aa3d827d6ee2e6069ff",
                                     "groups": {}, "checks": {}}, e
    assert list(e["groups"]["with check"]["checks"]) == ["one is one"], e


# ---- item 17: setup_data ---------------------------------------------------------

def test_setup_data_in_export_and_handle_summary(c6, tmp_path):
    # k6: summarizeMetricsToObject (internal/js/summary.go) sets
    # m["setup_data"] to the JSON of what setup() returned; the legacy export
    # keeps it (summary-wrapper.js oldJSONSummary only drops options/state),
    # written by JSON.stringify(results, null, 4).
    exp = tmp_path / "export.json"
    r = c6(S + "groups_no_checks.js", "--summary-export", exp)
    assert r.code == 0, r
    want = {"token": "abc", "n": [1, 2.5], "nested": {"ok": True, "none": None}}
    data = _summary_json(r.out)
    assert data["has_setup_data"] is True and data["setup_data"] == want, data
    text = exp.read_text()
    assert json.loads(text)["setup_data"] == want, text
    # the keys in sorted order: k6 keeps setup data as Go's json.Marshal of
    # the exported value (a map: sorted keys; js/runner.go Setup) and hands
    # it to JS as a Go map (k6's order is then Go's map order)
    assert '    "setup_data": {\n        "n": [\n            1,\n            2.5\n        ],' in text, text


def test_setup_data_is_undefined_without_setup(c6, tmp_path):
    # k6: setup_data is sobek.Undefined() when setupData is nil (no setup(),
    # or it returned undefined), so JSON.stringify leaves it out.
    exp = tmp_path / "export.json"
    r = c6(S + "no_setup.js", "--summary-export", exp)
    assert r.code == 0, r
    assert _summary_json(r.out) == {"has_setup_data": False}, r.out
    assert "setup_data" not in json.loads(exp.read_text()), exp.read_text()


# ---- item 18: metrics without samples ---------------------------------------------

def test_metrics_without_samples_are_shown_with_zero_values(c6, tmp_path):
    # k6: metrics/engine InitSubMetricsAndThresholds marks every metric a
    # threshold is on (and a threshold sub-metric's parent) observed "so they
    # are shown in the end-of-test summary, even if they don't have any metric
    # samples"; output/summary processObservedMetrics adds them with their
    # empty sinks. populateSummaryChecks divides the failures by the total for
    # checks_failed (0/0: "NaN%"). A Rate threshold on an empty sink is not
    # crossed (metrics/thresholds.go Run: no "rate" key for Total == 0).
    exp = tmp_path / "export.json"
    r = c6(S + "empty_metrics.js", "--summary-export", exp)
    assert r.code == 99, r      # only my_counter{kind:none} 'count>0' is crossed
    assert r.threshold("checks", "rate>0.9") is True, r.out
    # ...and k6 logs why (metrics/engine evaluateThresholds; thresholds.go runAll/runNoTaint)
    errs = [l for l in r.logs(level="error") if l["msg"] == "Threshold error"]
    assert errs == [{"time": errs[0]["time"], "level": "error", "msg": "Threshold error",
                     "component": "metrics-engine",
                     "error": "threshold 0 run error: unable to apply threshold rate>0.9 over metrics; "
                              "reason: no metric supporting the rate aggregation method found",
                     "metric_name": "checks"}], r.err
    assert re.search(r"^    ✓ 'rate>0\.9' rate=0\.00%$", r.out, re.M), r.out
    assert re.search(r"^    ✓ 'p\(95\)<100' p\(95\)=0s$", r.out, re.M), r.out
    assert re.search(r"^    checks_total\.+: 0     0/s$", r.out, re.M), r.out
    assert re.search(r"^    checks_succeeded\.+: 0\.00% 0 out of 0$", r.out, re.M), r.out
    assert re.search(r"^    checks_failed\.+: NaN%  0 out of 0$", r.out, re.M), r.out
    m = r.metrics
    assert m["my_trend"].startswith("avg=0s "), m
    assert m["iterations{scenario:never}"].split()[:2] == ["0", "0/s"], m
    assert m["my_counter{kind:none}"].split()[:2] == ["0", "0/s"], m
    # data_sent/data_received: every VU function run emits them, even at 0 B
    # (js/runner.go runFn: u.Dialer.IOSamples)
    assert m["data_sent"].split() == ["0", "B", "0", "B/s"], m
    assert m["data_received"].split() == ["0", "B", "0", "B/s"], m
    e = json.loads(exp.read_text())["metrics"]
    assert e["data_sent"] == {"count": 0, "rate": 0}, e
    assert e["checks"] == {"passes": 0, "fails": 0, "thresholds": {"rate>0.9": False}, "value": 0}, e
    assert e["my_trend"]["p(95)"] == 0 and e["my_trend"]["thresholds"] == {"p(95)<100": False}, e
    assert e["iterations{scenario:never}"]["count"] == 0, e


# ---- threshold verdict lines ---------------------------------------------------------

def test_crossed_thresholds_are_named_in_sorted_order(c6):
    # k6: metrics/engine evaluateThresholds sort.Strings(breachedThresholds);
    # internal/cmd/run.go: "thresholds on metrics '%s' have been crossed"
    # joined with ", ".
    r = c6(S + "crossed_sorted.js")
    assert r.code == 99, r
    msgs = [l["msg"] for l in r.logs(level="error")]
    assert msgs == ["thresholds on metrics 'Upper_count, iterations, zeta_count, zeta_count{tag:x}' have been crossed"], r


def test_abort_on_fail_says_so_and_not_also_crossed(c6):
    # k6: StartThresholdCalculations aborts the run with "thresholds on
    # metrics '%s' were crossed; at least one has abortOnFail enabled,
    # stopping test prematurely" (the metrics crossed then, sorted; metrics
    # without samples are skipped during the run), and that error is the one
    # k6 logs at the end: run.go only logs "have been crossed" when the run
    # had no error of its own.
    r = c6(S + "abort_fail.js", timeout=60)
    assert r.code == 99, r
    assert r.elapsed < 15, r
    msgs = [l["msg"] for l in r.logs(level="error")]
    assert msgs == ["thresholds on metrics 'iterations, my_errors' were crossed; at least one has abortOnFail "
                    "enabled, stopping test prematurely"], r.err
    # after the summary, as k6 logs the run's error once run() returned
    assert "TOTAL RESULTS" in r.out, r


# ---- the progress lines -----------------------------------------------------------

def _blocks(out):
    """The progress blocks: lists of lines from a "running (" line to the next blank."""
    blocks, cur = [], None
    for line in out.splitlines():
        if line.startswith("running ("):
            cur = [line]
            blocks.append(cur)
        elif cur is not None and line.strip() == "":
            cur = None
        elif cur is not None:
            cur.append(line)
    return blocks


def test_progress_when_stdout_is_not_a_terminal(c6):
    # k6 internal/cmd/ui.go showProgress: not a TTY -> widthDelta = -pb.DefaultWidth,
    # so pb.Render draws "[ %3.f%% ]"; renderMultipleBars: a block starts
    # with an empty line, names padded to the longest (at least "Init"),
    # " <status> ", then each right column but the last padded to the widest
    # plus one. Status marks from lib/executor trackProgress: '↓' (Stopping)
    # once the regular duration is over, '✓' (Done) at the end. The
    # ramping-vus total is pb.GetFixedLengthDuration(total, total) ("3.0s"),
    # the constant-vus one Go's Duration.String() ("2s"); the elapsed time
    # is GetFixedLengthDuration against the max duration (33 s: "01.0s").
    r = c6(S + "progress_marks.js", timeout=60)
    assert r.code == 0, r
    blocks = _blocks(r.out)
    first = blocks[0]
    assert re.match(r"^running \(01\.\ds\), \d/3 VUs, \d+ complete and 0 interrupted iterations$", first[0]), first
    assert re.match(r"^ramp   \[  3\d% \] \d/2 VUs  1\.\ds/3\.0s$", first[1]), first
    assert re.match(r"^slow   \[  5\d% \] 1 VUs    1\.\ds/2s$", first[2]), first
    assert any(re.match(r"^slow ↓ \[ 100% \] 1 VUs    2s$", b[2]) for b in blocks[1:-1]), blocks
    last = blocks[-1]
    assert last[1:] == ["ramp ✓ [ 100% ] 0/2 VUs  3s", "slow ✓ [ 100% ] 1 VUs    2s"], last
    # k6 cancels the progress context after the summary (run.go defers), so
    # the last block is printed after it, with the blank line every block has
    tail = r.out[r.out.index("█ TOTAL RESULTS"):]
    assert "\n\n\n\n\nrunning (03." in tail, tail


def test_summary_is_framed_as_k6s_default_handle_summary(c6):
    # summary-wrapper.js: { stdout: '\n' + textSummary(data) + '\n\n' }; the
    # textSummary starts each element on a new line ('\n' + title) and ends
    # each section with '\n': three blank lines after the banner's scenarios
    # block's own, and after the last metric line.
    r = c6(S + "plain.js", with_target=False)
    assert r.code == 0, r
    assert "gracefulStop: 30s)\n\n\n\n  █ TOTAL RESULTS \n\n    EXECUTION\n" in r.out, r.out
    assert re.search(r"data_sent\.+: 0 B 0 B/s\n\n\n\n\nrunning \(", r.out), r.out


# ---- summary layout -------------------------------------------------------------------

def _name_col(out, name):
    """Width of "<name>....." before the ':' on the summary line of name."""
    line = next(l for l in out.splitlines() if l.lstrip().startswith(name + "."))
    return line.index(".:") + 1 - (len(line) - len(line.lstrip()))


def test_metric_names_padded_to_the_longest_and_checks_on_their_own(c6):
    # k6 summary.js: computeSummaryInfo takes maxNameWidth over
    # indent + name + renderMetricDisplayName(name) for all TOTAL RESULTS
    # metrics together (the name counts twice; a sub-metric shows as
    # "  { k:v }"), and renderMetricLine pads with maxNameWidth - shown - indent
    # + 3 dots. renderChecks measures checks_total/succeeded/failed on their
    # own: 2 * len("checks_succeeded") + 3 = 35 whatever the other names.
    r = c6(S + "name_column.js", with_target=False)
    assert r.code == 0, r
    col = 2 * len("a_rather_long_custom_metric_name") + 3
    assert _name_col(r.out, "a_rather_long_custom_metric_name") == col, r.out
    assert _name_col(r.out, "iterations") == col and _name_col(r.out, "data_sent") == col, r.out
    assert re.search(r"^      \{ k:v \}\.+: 2 ", r.out, re.M), r.out
    assert next(l for l in r.out.splitlines() if "{ k:v }" in l).index(".:") + 1 == 4 + col, r.out
    for name in ("checks_total", "checks_succeeded", "checks_failed"):
        assert _name_col(r.out, name) == 35, r.out
    # without long names: iteration_duration rules (2 * 18 + 3)
    r = c6(S + "plain.js", with_target=False)
    assert _name_col(r.out, "iterations") == 39 and _name_col(r.out, "iteration_duration") == 39, r.out


def test_full_mode_nested_groups(c6):
    # k6 summary.js (ReportBuilder): _renderNestedGroups renders each nested
    # group one render context deeper (title "↳ GROUP: <name> " with a '\n'
    # suffix, so a blank line follows; content 2 columns further in), in
    # the order the groups first ran (summarizeReportToObject keeps
    # GroupsOrder); renderCheck indents a failed check's "↳" line by twice
    # the check's level.
    r = c6(S + "full_groups.js", "--summary-mode=full", with_target=False)
    assert r.code == 0, r
    sec = r.out[r.out.index("█ SCENARIO: s1"):]
    assert ("\n    ↳ GROUP: zeta \n\n      checks_total" in sec), sec
    assert "\n      ↳ GROUP: inner \n\n        ↳ GROUP: deeper \n\n          checks_total" in sec, sec
    assert "\n          ✗ deep\n                  ↳  0% — ✓ 0 / ✗ 1\n" in sec, sec
    assert sec.index("↳ GROUP: zeta") < sec.index("↳ GROUP: alpha"), sec


def test_ramping_arrival_rate_column_padded_to_the_highest_rate(c6):
    # k6 lib/executor/ramping_arrival_rate.go: itersFmt is
    # pb.GetFixedLengthFloatFormat(maxArrivalRatePerSec, 2) + " iters/s", so
    # with a 100/s stage the rate is zero-padded to 6 characters; the name
    # "r" is padded to 4 (the "Init" bar k6 also measures).
    r = c6(S + "arrival_rate_pad.js", with_target=False, timeout=60)
    assert r.code == 0, r
    first = _blocks(r.out)[0]
    assert re.match(r"^r      \[  \d\d% \] \d/2 VUs  1\.\ds/2s  0\d\d\.\d\d iters/s$", first[1]), first


def test_threshold_expression_quoted_trimmed(c6):
    # k6 summary.js renderThresholdResults: `'${threshold.source.trim()}'`,
    # the aggregation split off the source and trimmed.
    r = c6(S + "threshold_spaces.js", with_target=False)
    assert r.code == 0, r
    assert re.search(r"^    ✓ 'count >= 1' count=1$", r.out, re.M), r.out


def test_progress_while_setup_and_teardown_run(c6):
    # k6 keeps rendering the progress every second whatever the phase
    # (internal/cmd/ui.go showProgress). While setup() runs the first bar is
    # still a bar: execution.Scheduler Run sets it to "Run" with
    # WithConstProgress(1, "setup()"), the scenarios' bars have no columns
    # yet; during teardown() the run's line (getRunStats) goes on, and the
    # last block (after the summary) stops the clock when teardown is over.
    r = c6(S + "slow_setup_teardown.js", with_target=False, timeout=60)
    assert r.code == 0, r
    lines = r.out.splitlines()
    i = lines.index("Run       [ 100% ] setup()")
    assert lines[i - 1] == "" and lines[i + 1] == "default   [   0% ]", lines
    blocks = _blocks(r.out)
    assert len(blocks) >= 2, r.out   # one during teardown, the last after the summary
    during, last = blocks[-2], blocks[-1]
    assert r.out.index("\n".join(during)) < r.out.index("TOTAL RESULTS") < r.out.rindex("\n".join(last)), r.out
    t = lambda b: float(re.match(r"running \(00m(\d\d\.\d)s\)", b[0]).group(1))
    assert t(last) >= 1.4 and t(last) >= t(during), (during, last)
