"""Parity corpus (issue 10), scheduler, executors, VUs and k6/execution.

Each case names the k6 v2.2.0 line or value it expects and where in k6's
source that comes from; the scripts are in scripts/parity/exec/."""
import re

from conftest import SCRIPTS

P = "parity/exec/"


def progress_counts(r):
    """(complete, interrupted) of the last "running (...)" progress line."""
    lines = [l for l in r.out.splitlines() if l.startswith("running (")]
    assert lines, r
    m = re.search(r"(\d+) complete and (\d+) interrupted iterations", lines[-1])
    assert m, lines[-1]
    return int(m.group(1)), int(m.group(2))


def file_url(script):
    return "file://" + str(SCRIPTS / P / script)


# ---- item 2: exec.test.abort() stops the run at once

def test_abort_starts_nothing_after_it(c6):
    # k6: exit 108 (errext.InterruptError ExitCode ScriptAborted); the aborting
    # iteration still emits its samples (internal/js/runner.go runFn: the
    # context is not yet cancelled there) but is counted interrupted
    # (lib/executor/helpers.go getIterationRunner, handleInterrupt): iterations
    # 6, progress "5 complete and 1 interrupted"; no dropped_iterations (pushed
    # with metrics.PushIfNotDone on the cancelled run context); teardown runs
    # (internal/execution/scheduler.go Run, with the global context); after
    # the summary: level=error msg="test aborted: enough at default
    # (file:///.../abort_now.js:9:20)" (errext.AbortTest + sobek's
    # InterruptedError text, printed by errext.Fprint).
    r = c6(P + "abort_now.js")
    assert r.code == 108, r
    assert r.count("iterations") == 6, r
    assert "dropped_iterations" not in r.metrics, r
    assert progress_counts(r) == (5, 1), r
    assert "teardown ran" in r.console(), r
    errors = [l["msg"] for l in r.logs(level="error")]
    assert errors == [f"test aborted: enough at default ({file_url('abort_now.js')}:9:20)"], r
    assert r.err.rstrip().splitlines()[-1].endswith(f'abort_now.js:9:20)"'), r   # the last line


def test_abort_interrupts_the_other_vus(c6):
    # The two sleeping VUs are interrupted at once with the aborting one:
    # "N complete and 3 interrupted"; without a reason: "test aborted at default (...)".
    r = c6(P + "abort_sleepers.js")
    assert r.code == 108, r
    assert r.elapsed < 15, r
    done, interrupted = progress_counts(r)
    assert interrupted == 3, r
    assert r.count("iterations") == done + 1, r
    assert [l["msg"] for l in r.logs(level="error")] == [
        f"test aborted at default ({file_url('abort_sleepers.js')}:9:83)"], r


def test_abort_in_setup(c6):
    # k6: setup's error ends the run (internal/execution/scheduler.go Run):
    # no iteration, no teardown, exit 108, one error line (no "script
    # exception" hint).
    r = c6(P + "abort_setup.js")
    assert r.code == 108, r
    assert r.console() == [], r
    errors = r.logs(level="error")
    assert [l["msg"] for l in errors] == [f"test aborted: no data at setup ({file_url('abort_setup.js')}:8:18)"], r
    assert "hint" not in errors[0], r


def test_abort_in_init_and_teardown(c6):
    r = c6(P + "abort_init.js")
    assert r.code == 108, r
    assert [l["msg"] for l in r.logs(level="error")] == [f"test aborted: bad init at {file_url('abort_init.js')}:5:32"], r
    r = c6(P + "abort_teardown.js")
    assert r.code == 108, r
    assert r.console() == [], r
    assert [l["msg"] for l in r.logs(level="error")] == [
        f"test aborted: in teardown at teardown ({file_url('abort_teardown.js')}:6:45)"], r


# ---- item 12: no iteration starts at or after the scenario's end

# The iterations busy-wait: one VU per worker thread (--workers 2), or a VU
# would wait for the other's iteration on the same thread.
def _no_late_start(r, vus):
    assert r.code == 0, r
    assert "started after the end" not in r.console(), r
    assert r.count("iterations") == vus, r


def test_constant_vus_starts_nothing_at_its_end(c6):
    # k6 lib/executor/constant_vus.go Run: iterations start only while
    # regDurationCtx (getDurationContexts) is alive: 2 iterations.
    _no_late_start(c6(P + "end_constant.js", "--workers", "2"), 2)


def test_ramping_vus_starts_nothing_at_its_end(c6):
    # k6 lib/executor/ramping_vus.go: the raw steps end with 0 VUs at the end
    # of the stages (gracefulStop of every handle): 2 iterations.
    _no_late_start(c6(P + "end_ramping.js", "--workers", "2"), 2)


def test_per_vu_iterations_start_nothing_after_max_duration(c6):
    # k6 lib/executor/per_vu_iterations.go Run: the loop stops at
    # regDurationDone (maxDuration): 2 iterations, 38 dropped.
    r = c6(P + "end_per_vu.js", "--workers", "2")
    _no_late_start(r, 2)
    assert r.count("dropped_iterations") == 38, r


def test_shared_iterations_start_nothing_after_max_duration(c6):
    # k6 lib/executor/shared_iterations.go Run: 2 iterations, 38 dropped.
    r = c6(P + "end_shared.js", "--workers", "2")
    _no_late_start(r, 2)
    assert r.count("dropped_iterations") == 38, r


def test_issue_case_three_vus_two_seconds(c6):
    # The issue's numbers: 3 constant VUs, 2 s, 0.5 s iterations: k6 reports 12.
    for _ in range(2):
        r = c6(P + "end_issue.js")
        assert r.code == 0, r
        assert r.count("iterations") == 12, r
        assert progress_counts(r) == (12, 0), r


# ---- item 6: the setup VU is not counted

def test_setup_vu_is_not_counted(c6):
    # k6: vus_max 2 (internal/execution/scheduler.go emitVUsAndVUsMax:
    # GetInitializedVUsCount), exec.instance.vusInitialized 2, progress
    # "running (...), 0/2 VUs" (getRunStats).
    r = c6(P + "setup_vus.js")
    assert r.code == 0, r
    assert r.console() == ["initialized 2", "initialized 2"], r
    assert r.count("vus_max") == 2, r
    assert r.gauge_minmax("vus_max") == (2, 2), r
    last = [l for l in r.out.splitlines() if l.startswith("running (")][-1]
    assert "0/2 VUs" in last, r


# ---- item 7: where k6/execution can be read

def test_execution_contexts(c6):
    # k6 internal/js/modules/k6/execution/execution.go: errInstanceInfoInitContext,
    # errRunInInitContext, errVUInfoInitContex, errTestInfoInitContext, and
    # test.fail()'s "execution.test.fail() called outside of VU context";
    # thrown with common.Throw (GoError). setup() runs with the execution
    # state (scheduler.go Run: withExecStateCtx), teardown() without it (globalCtx).
    r = c6(P + "contexts.js")
    assert r.code == 0, r
    no_vu = "GoError: getting VU information in the init context is not supported"
    no_sc = "GoError: getting scenario information outside of the VU context is not supported"
    no_in = "GoError: getting instance information in the init context is not supported"
    no_opt = "GoError: getting test options in the init context is not supported"
    assert r.console() == [
        f"init vu {no_vu}", f"init scenario {no_sc}", f"init instance {no_in}", f"init options {no_opt}",
        "init fail GoError: execution.test.fail() called outside of VU context",
        "setup vu ok 0", f"setup scenario {no_sc}", "setup instance ok 1", "setup options ok object",
        "iteration vu ok 1", "iteration scenario ok s", "iteration instance ok 1", "iteration options ok object",
        "teardown vu ok 0", f"teardown scenario {no_sc}", f"teardown instance {no_in}", "teardown options ok object",
    ], r


# ---- item 4: exec.vu.tags

def test_vu_tags_hold_the_run_and_scenario_tags(c6):
    # k6 internal/js/runner.go Activate: RunTags.WithTagsFromMap(scenario tags)
    # plus the enabled system tags group ("" at the root) and scenario.
    bad = ("TypeError: invalid value for metric tag 'bad': only String, Boolean and Number types are accepted "
           "as a metric tag values")
    r = c6(P + "vu_tags.js")
    assert r.code == 0, r
    assert r.console() == ['{"group":"","kind":"x","scenario":"s1","team":"a"}', bad], r
    r = c6(P + "vu_tags.js", "--tag", "t2=b")   # --tag replaces options.tags
    assert r.console() == ['{"group":"","kind":"x","scenario":"s1","t2":"b"}', bad], r


# ---- item 20: --verbose VU lines; the code after an interrupted sleep()

def test_verbose_vu_handle_lines(c6):
    # k6 lib/executor/vu_handle.go: logger.Debug("Start" / "Graceful stop" /
    # "Hard stop") with executor=ramping-vus scenario=r vuNum=N; helpers.go
    # trackProgress: "Regular duration is done, waiting for iterations to
    # gracefully finish" gracefulStop=300ms.
    r = c6(P + "verbose_ramp.js", "-v")
    assert r.code == 0, r
    lines = [(l["msg"], l.get("vuNum")) for l in r.logs(level="debug") if l.get("scenario") == "r"]
    for rec in r.logs(level="debug"):
        if rec.get("vuNum") is not None:
            assert rec["executor"] == "ramping-vus", rec
    assert sorted(l for l in lines if l[0] == "Start") == [("Start", "0"), ("Start", "1")], r
    handles = [l for l in lines if l[0] != "Start" and l[1] is not None]
    assert handles == [("Graceful stop", "1"), ("Hard stop", "1"), ("Graceful stop", "0"), ("Hard stop", "0")], r
    done = [l for l in r.logs(level="debug") if l["msg"].startswith("Regular duration is done")]
    assert [(l["msg"], l["gracefulStop"], l["executor"]) for l in done] == [
        ("Regular duration is done, waiting for iterations to gracefully finish", "300ms", "ramping-vus")], r
    # the hard-stopped sleep() ends the iteration there: the code after it never runs
    assert "after sleep" not in r.console(), r
    assert progress_counts(r) == (0, 2), r
    # without -v none of these
    r = c6(P + "verbose_ramp.js")
    assert r.logs(level="debug") == [], r


def test_verbose_scheduler_and_executor_lines(c6):
    # k6 internal/execution/scheduler.go runExecutor: "Starting executor" and
    # "Executor finished successfully" (executor=<name> startTime type), and
    # "Waiting for executor start time..." for a later startTime;
    # lib/executor/<type>.go Run: "Starting executor run..." with the
    # executor's numbers (fields sorted, as logrus prints them).
    r = c6(P + "insufficient_vus.js", "-v")
    assert r.code == 0, r
    recs = {(l["msg"], l.get("executor")): l for l in r.logs(level="debug")}
    start = recs[("Starting executor", "car")]
    assert (start["startTime"], start["type"]) == ("0s", "constant-arrival-rate"), start
    assert ("Executor finished successfully", "car") in recs, r
    run = recs[("Starting executor run...", "constant-arrival-rate")]
    assert {k: run[k] for k in ("duration", "maxVUs", "preAllocatedVUs", "scenario", "tickerPeriod", "type")} == {
        "duration": "1s", "maxVUs": "2", "preAllocatedVUs": "1", "scenario": "car", "tickerPeriod": "50ms",
        "type": "constant-arrival-rate"}, run
    line = next(l for l in r.err.splitlines() if 'msg="Starting executor run..."' in l and "scenario=car" in l)
    assert line.endswith(" duration=1s executor=constant-arrival-rate maxVUs=2 preAllocatedVUs=1 scenario=car "
                         "tickerPeriod=50ms type=constant-arrival-rate"), line
    run = recs[("Starting executor run...", "ramping-arrival-rate")]
    assert (run["numStages"], run["startTickerPeriod"], run["maxVUs"]) == ("1", "50ms", "1"), run
    # scheduler.go initVUsAndExecutors / initVU (field phase=execution-scheduler-init)
    init = [l for l in r.logs(level="debug") if l.get("phase") == "execution-scheduler-init"]
    msgs = [l["msg"] for l in init]
    msgs[1:3] = sorted(msgs[1:3])   # (the VUs are initialised in parallel)
    assert msgs == [
        "Start of initialization", "Initialized VU #1", "Initialized VU #2",
        "Finished initializing needed VUs, start initializing executors...", "Initialized executor car",
        "Initialized executor rar", "Initialization completed"], r
    assert (init[0]["neededVUs"], init[0]["executorsCount"]) == ("2", "2"), init[0]
    # constant_arrival_rate.go Run: car grows by its one unplanned VU
    assert [l["msg"] for l in r.logs(level="debug") if l.get("scenario") == "car" and "unplanned" in l["msg"]] == [
        "Starting initialization of an unplanned VU...", "The unplanned VU finished initializing successfully!"], r


def test_iteration_exception_fields(c6):
    r = c6(P + "iteration_throws.js")
    assert r.code == 0, r
    errs = r.logs(level="error")
    assert len(errs) == 1 and "Error: boom" in errs[0]["msg"], r
    assert (errs[0]["executor"], errs[0]["scenario"], errs[0]["source"]) == ("per-vu-iterations", "s", "stacktrace"), r
    assert r.err.rstrip().endswith(" executor=per-vu-iterations scenario=s source=stacktrace"), r


# ---- warnings k6 prints

def test_insufficient_vus_warning(c6):
    # k6 lib/executor/constant_arrival_rate.go / ramping_arrival_rate.go Run:
    # once per scenario, logger fields executor (type) and scenario.
    for workers in ("1", "2"):
        r = c6(P + "insufficient_vus.js", "--workers", workers)
        assert r.code == 0, r
        warns = sorted((l["msg"], l["executor"], l["scenario"]) for l in r.logs(level="warning"))
        assert warns == [
            ("Insufficient VUs, reached 1 active VUs and cannot initialize more", "ramping-arrival-rate", "rar"),
            ("Insufficient VUs, reached 2 active VUs and cannot initialize more", "constant-arrival-rate", "car"),
        ], r


def test_no_full_iteration_warning(c6):
    # k6 internal/cmd/run.go run(): after a run that ended without an error,
    # if GetFullIterationCount() == 0.
    r = c6(P + "no_full_iteration.js")
    assert r.code == 0, r
    assert [l["msg"] for l in r.logs(level="warning")] == [
        "No script iterations fully finished, consider making the test duration longer"], r
    # not after an abort (the run ended with an error): abort_setup ran no iteration
    r = c6(P + "abort_setup.js")
    assert r.logs(level="warning") == [], r


def test_marked_as_failed_line(c6):
    # k6 internal/cmd/run.go run(): "test run was marked as failed" (exit 110,
    # exitcodes.MarkedAsFailed) ends the run after the summary; the crossed
    # thresholds are then only logged at debug level (err already set).
    r = c6(P + "fail_thresholds.js")
    assert r.code == 110, r
    errors = [l["msg"] for l in r.logs(level="error")]
    assert errors == ["test marked as failed", "test run was marked as failed"], r
    assert r.err.rstrip().splitlines()[-1].endswith('msg="test run was marked as failed"'), r
