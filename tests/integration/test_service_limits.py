"""The test-run service's limits seen while a run runs, its script error
rule and its progress numbers (README "Test-run service"). The service
follows each run through its coordinator's report channel (--report-fd,
src/dist/run_report.h): progress about every second, to which it applies
--max-groups and --max-time-series (defaults: k6's "Test Status codes"
page, more than 40 groups, more than 10,000 metrics, i.e. time series) and
the script error rule (every iteration that ended in the last
--script-error-window threw, and at least --script-error-min of them).
A crossed limit: Aborted by limit (9); the rule: Aborted by script error
(7); both with a message naming why, kept in the run and printed by
`c6 cloud run`, which exits 97 (k6's CloudTestRunFailed, as for a limit
known at validation). Two services per module (the defaults; lowered
limits), one agent each; every process is killed at the end.
"""
import re
import time

import pytest

from test_service import Service, finish, run_id

EXIT_CLOUD_FAILED = 97  # k6 errext/exitcodes CloudTestRunFailed


def start(c6_bin, tmp, *flags):
    s = Service(c6_bin, tmp)
    s.start(*flags)
    s.agent(10)
    s.wait_agents(1)
    return s


@pytest.fixture(scope="module")
def default_svc(c6_bin, tmp_path_factory):
    s = start(c6_bin, tmp_path_factory.mktemp("svc-default"))
    yield s
    s.close()


@pytest.fixture(scope="module")
def lowered_svc(c6_bin, tmp_path_factory):
    s = start(c6_bin, tmp_path_factory.mktemp("svc-lowered"), "--max-groups", "2", "--max-time-series", "50",
              "--script-error-window", "2s", "--script-error-min", "3")
    yield s
    s.close()


def submit(s, script, *flags, timeout=60):
    """Runs `c6 cloud run` to its end; (exit code, stdout, stderr, the run)."""
    s.wait_agents(1)   # the previous run's agent is free again
    t0 = time.monotonic()
    code, out, err = finish(s.cloud(script, *flags), timeout)
    run = s.run(run_id(out))
    return code, out, err, run, time.monotonic() - t0


def assert_stopped(code, err, run, status, name, words, took):
    assert run["status"] == status and run["status_name"] == name, (run, err)
    assert run["result"] == "failed" and run["exit_code"] is None
    assert all(w in run["error"] for w in words), run["error"]
    assert [h["status"] for h in run["statuses"]] == [-2, -1, 0, 1, 2, status]
    assert code == EXIT_CLOUD_FAILED, err
    assert run["error"] in err   # printed by c6 cloud run
    assert took < 25             # stopped while running: each script runs 30 s otherwise


def test_groups_default_limit(default_svc):
    # 41 groups, the service's default --max-groups 40 (k6's Test Status
    # codes page: "more than 40 groups" -> Aborted by limit)
    code, out, err, run, took = submit(default_svc, "groups41.js")
    assert_stopped(code, err, run, 9, "Aborted by limit", ["groups (41)", "--max-groups (40)"], took)


def test_groups_lowered_limit(lowered_svc):
    # 3 groups over --max-groups 2; groups count as they appear at run time
    code, out, err, run, took = submit(lowered_svc, "groups3.js")
    assert_stopped(code, err, run, 9, "Aborted by limit", ["groups (3)", "--max-groups (2)"], took)


def test_time_series_lowered_limit(lowered_svc, target):
    # each request has its own name tag: new series for every http_req_*
    # metric each iteration, past --max-time-series 50
    code, out, err, run, took = submit(lowered_svc, "series.js", "-e", f"TARGET={target}")
    assert_stopped(code, err, run, 9, "Aborted by limit", ["time series (", "--max-time-series (50)"], took)
    n = int(re.search(r"time series \((\d+) ", run["error"]).group(1))
    assert n > 50


def test_script_error_rule(lowered_svc):
    # every iteration throws: past a 2 s window with at least 3 of them,
    # Aborted by script error (7)
    code, out, err, run, took = submit(lowered_svc, "throws.js")
    assert_stopped(code, err, run, 7, "Aborted by script error",
                   ["threw an exception", "--script-error-window 2s", "--script-error-min 3"], took)


def test_script_error_rule_needs_every_iteration(lowered_svc):
    # every other iteration throws: the rule wants all of them, so the run
    # ends normally (Finished, exit 0: no thresholds)
    code, out, err, run, took = submit(lowered_svc, "throws_half.js")
    assert run["status"] == 3 and run["result"] == "passed" and run["error"] is None, run
    assert code == 0, err


def test_init_exception_in_vus(default_svc):
    # the init code throws in the agents' VUs only (validation's init has
    # __VU 0): k6 exits 107 (ScriptException); Aborted by script error (7)
    code, out, err, run, took = submit(default_svc, "init_throws_vu.js")
    assert run["status"] == 7 and run["exit_code"] == 107, run
    assert code == 107, err


def test_progress_in_rest_and_cli(default_svc, target):
    # while Running, the run's REST JSON has its progress numbers (from the
    # coordinator's progress events); `c6 cloud run` prints c6 run's first
    # progress line ("running (...), N/M VUs, X complete and Y interrupted
    # iterations", k6 internal/cmd/ui.go) and k6 cloud's "Run" bar with
    # elapsed/max duration (k6 cmd/cloud.go), every 2 s when not a terminal
    s = default_svc
    s.wait_agents(1)
    p = s.cloud("progress.js", "-e", f"TARGET={target}")
    seen = []
    deadline = time.time() + 60
    while p.poll() is None and time.time() < deadline:
        runs = s.api("GET", "/v1/runs?status=2")[1]["runs"]
        if runs:
            prog = s.run(runs[0]["id"]).get("progress")
            if prog:
                seen.append(prog)
        time.sleep(0.3)
    code, out, err = finish(p, 30)
    assert code == 0, err
    assert seen, "no progress in the run's REST JSON while it ran"
    last = seen[-1]
    # the last event seen may be the end's (its VUs already 0) while the status is still Running
    assert any(p["vus"] == 2 for p in seen) and all(0 <= p["vus"] <= 2 for p in seen), seen
    assert last["max_vus"] == 2 and last["max_duration_ms"] == 35000, last
    assert last["iterations"] > 0 and last["requests"] >= last["iterations"], last
    assert last["failed_requests"] == 0 and last["failed_iterations"] == 0 and last["groups"] == 0, last
    assert last["time_series"] > 0 and 0 < last["elapsed_ms"] <= 35000, last
    assert any(a["iterations"] < b["iterations"] for a, b in zip(seen, seen[1:])), seen   # it moves
    # the progress block comes before the run's summary (the coordinator's output)
    head = out.split("█ TOTAL RESULTS")[0] if "█ TOTAL RESULTS" in out else out
    lines = re.findall(r"^running \((\d+\.\d)s\), 2/2 VUs, (\d+) complete and 0 interrupted iterations\n"
                       r"Run +\[ *\d+% \] (\d+\.\d)s/35s$", head.split("/\\")[0], re.M)
    assert lines, out
    assert s.run(run_id(out))["status"] == 3
