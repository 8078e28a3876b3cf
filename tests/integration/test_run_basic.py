"""`c6 run` basics: iteration counts, durations, stages, defaults, and the
precedence of options (flag > env > script options > config file > defaults)."""
import json
import re
import subprocess

from conftest import script_path

import pytest


def test_shared_iterations_exact_counts(c6):
    r = c6("basic_get.js", "-u", "2", "-i", "100")
    assert r.code == 0, r
    assert r.count("http_reqs") == 100, r
    assert r.count("iterations") == 100, r
    _, failed, total = r.rate("http_req_failed")
    assert (failed, total) == (0, 100), r


def test_summary_has_k6_metric_names(c6):
    r = c6("basic_get.js", "-i", "3")
    assert r.code == 0, r
    # Compact mode (the default) shows these...
    for name in ("http_reqs", "http_req_duration", "http_req_failed", "iterations",
                 "iteration_duration", "data_sent", "data_received"):
        assert name in r.metrics, f"{name} missing from the summary\n{r!r}"
    # ...and hides the request phase timings.
    assert "http_req_waiting" not in r.metrics, r
    # Every trend line carries the default stats.
    stats = r.trend("http_req_duration")
    for k in ("avg", "min", "med", "max", "p(90)", "p(95)"):
        assert k in stats, (k, stats, r)
    assert 0 < stats["min"] <= stats["med"] <= stats["max"], stats
    assert r.count("data_sent") > 0 and r.count("data_received") > 0, r


def test_summary_mode_full_shows_phase_timings(c6):
    r = c6("basic_get.js", "-i", "3", "--summary-mode=full")
    assert r.code == 0, r
    for name in ("http_req_blocked", "http_req_connecting", "http_req_tls_handshaking",
                 "http_req_sending", "http_req_waiting", "http_req_receiving"):
        assert name in r.metrics, f"{name} missing from the full summary\n{r!r}"
    assert r.trend("http_req_tls_handshaking")["max"] == 0, r


def test_summary_trend_stats_flag(c6):
    r = c6("basic_get.js", "-i", "3", "--summary-trend-stats", "min,max,p(99)")
    assert r.code == 0, r
    assert sorted(r.trend("http_req_duration")) == ["max", "min", "p(99)"], r


def test_constant_vus_for_duration(c6):
    r = c6("sleep_get.js", "-u", "5", "-d", "2s")
    assert r.code == 0, r
    # 2 s of test plus start-up and a short graceful stop: not less, not much more.
    assert 2.0 <= r.elapsed < 6.0, r
    assert r.count("vus_max") == 5, r
    # 5 VUs * ~2 s / ~0.1 s per iteration: clearly more than a handful.
    iters = r.count("iterations")
    assert 30 <= iters <= 110, r
    assert r.count("http_reqs") >= iters, r


def test_stages_ramp_up_and_down(c6):
    r = c6("sleep_get.js", "-s", "1s:4", "-s", "1s:0")
    assert r.code == 0, r
    assert 2.0 <= r.elapsed < 6.0, r
    assert r.count("vus_max") == 4, r
    assert r.count("iterations") > 0, r
    # Banner names the ramping scenario with its stage count.
    assert re.search(r"4 max VUs", r.out), r


def test_default_is_one_vu_one_iteration(c6):
    r = c6("log_iter.js")
    assert r.code == 0, r
    assert r.console() == ["iter vu=1 iter=0"], r
    assert r.count("iterations") == 1, r


def test_quiet_hides_banner_and_progress(c6):
    r = c6("basic_get.js", "-q", "-i", "2")
    assert r.code == 0, r
    assert "running (" not in r.out, r
    assert r.count("iterations") == 2, r


@pytest.mark.parametrize(
    "script,flags,env,expected",
    [
        ("options_iters.js", [], {}, 3),                                   # script options
        ("options_iters.js", [], {"K6_ITERATIONS": "5"}, 5),               # env > script
        ("options_iters.js", ["-i", "7"], {"K6_ITERATIONS": "5"}, 7),      # flag > env
        ("options_iters.js", ["-c", "config_iters2.json"], {}, 3),         # script > config
        ("no_options_iters.js", ["-c", "config_iters2.json"], {}, 2),      # config > default
        ("no_options_iters.js", ["--config", "config_iters2.json", "-i", "4"], {}, 4),
    ],
    ids=["script", "env>script", "flag>env", "script>config", "config>default", "flag>config"],
)
def test_option_precedence(c6, script, flags, env, expected):
    r = c6(script, *flags, env=env)
    assert r.code == 0, r
    assert len(r.console()) == expected, r
    assert r.count("iterations") == expected, r


def test_env_vus_and_duration(c6):
    r = c6("js/vu_iter.js", env={"K6_VUS": "3", "K6_DURATION": "1s"})
    assert r.code == 0, r
    vus = {re.match(r"vu=(\d+) ", m).group(1) for m in r.console()}
    assert vus == {"1", "2", "3"}, r
    assert 1.0 <= r.elapsed < 5.0, r


def test_env_stages(c6):
    r = c6("sleep_get.js", env={"K6_STAGES": "1s:3,1s:0"})
    assert r.code == 0, r
    assert r.count("vus_max") == 3, r
    assert 2.0 <= r.elapsed < 6.0, r


def test_workers_flag_keeps_counts(c6):
    r = c6("basic_get.js", "--workers", "2", "-u", "4", "-i", "40")
    assert r.code == 0, r
    assert r.count("iterations") == 40, r
    assert r.count("http_reqs") == 40, r


def test_iterations_with_duration_cap(c6):
    # -i with -d: the iterations are shared, the duration only caps the run.
    r = c6("basic_get.js", "-i", "5", "-d", "10s")
    assert r.code == 0, r
    assert r.count("iterations") == 5, r
    assert r.elapsed < 5.0, r


def test_sleep_counts_in_iteration_duration(c6):
    r = c6("sleep_only.js", "-i", "2")
    assert r.code == 0, r
    stats = r.trend("iteration_duration")
    assert 300 <= stats["min"] < 600, (stats, r)
    assert 0.6 <= r.elapsed < 5.0, r


def test_log_format_output_and_console_output(c6, tmp_path):
    r = c6("log_formats.js", "-i", "1", "--log-format", "json", "--no-usage-report")
    assert r.code == 0, r
    lines = [json.loads(l) for l in r.err.splitlines() if l.startswith("{")]
    cons = [x for x in lines if x.get("source") == "console"]
    assert [(x["level"], x["msg"]) for x in cons] == [("info", 'hello "you"\nline'), ("warning", "w")], r.err
    assert list(cons[0]) == sorted(cons[0]), cons[0]                 # keys sorted, as k6's JSON logs
    assert any(x.get("source") == "stacktrace" and "boom" in x["msg"] for x in lines), r.err
    r = c6("log_formats.js", "-i", "1", env={"K6_LOG_FORMAT": "raw"})
    assert r.err.splitlines()[:3] == ['hello "you"', "line", "w"], r.err
    cons, logs = tmp_path / "console.txt", tmp_path / "logs.txt"
    r = c6("log_formats.js", "-i", "1", "--console-output", str(cons), "--log-output", f"file={logs}")
    assert r.code == 0 and "boom" not in r.err and "hello" not in r.err, r
    assert cons.read_text().count("source=console") == 2, cons.read_text()
    assert "source=stacktrace" in logs.read_text() and "source=console" not in logs.read_text()
    r = c6("log_formats.js", "-i", "1", "--log-output", "none")
    assert "boom" not in r.err and "hello" not in r.err, r
    # k6: internal/cmd/root.go, setupLogFormat (exitcodes.InvalidConfig)
    r = c6("log_formats.js", "--log-format", "xml")
    assert r.code == 104 and 'unsupported log format \\"xml\\", must be one of: text, json, raw' in r.err, r


def test_script_from_stdin(c6_bin, tmp_path):
    src = "import { sleep } from 'k6';\nexport default function () { console.log('from stdin ' + __ITER); }\n"
    p = subprocess.run([c6_bin, "run", "-q", "-i", "2", "-a", "", "-"], input=src, capture_output=True,
                       text=True, timeout=30, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert "from stdin 0" in p.stderr and "from stdin 1" in p.stderr, p.stderr


def test_inspect_prints_consolidated_options(c6_bin):
    p = subprocess.run([c6_bin, "inspect", "-u", "3", "-d", "5s", "--execution-requirements",
                        script_path("sleep_only.js")], capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    o = json.loads(p.stdout)
    assert o["scenarios"]["default"]["executor"] == "constant-vus" and o["scenarios"]["default"]["vus"] == 3, o
    assert o["maxVUs"] == 3 and o["totalDuration"] == "35s", o
    assert p.stdout.startswith('{\n  "'), p.stdout[:40]        # two-space indentation
    p = subprocess.run([c6_bin, "inspect", script_path("nope.js")], capture_output=True, text=True, timeout=30)
    assert p.returncode == 107 and "couldn't be found" in p.stderr, p


def test_new_writes_a_runnable_script(c6_bin, tmp_path):
    p = subprocess.run([c6_bin, "new"], capture_output=True, text=True, timeout=30, cwd=tmp_path)
    assert p.returncode == 0 and (tmp_path / "script.js").exists(), p
    p = subprocess.run([c6_bin, "new"], capture_output=True, text=True, timeout=30, cwd=tmp_path)
    assert p.returncode == 255 and "already exists" in p.stderr, p
    p = subprocess.run([c6_bin, "inspect", "script.js"], capture_output=True, text=True, timeout=30, cwd=tmp_path)
    assert p.returncode == 0 and json.loads(p.stdout)["scenarios"]["default"]["vus"] == 10, p


def test_run_help_lists_every_flag(c6_bin):
    p = subprocess.run([c6_bin, "run", "--help"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 0 and p.stdout.startswith("usage: c6 run"), p
    for flag in ("-u, --vus", "--http-debug", "-w, --throw", "--execution-segment", "--log-format"):
        assert flag in p.stdout, flag
    assert all(len(l.split(None, 2)) >= 2 for l in p.stdout.splitlines()[3:]), p.stdout   # each has a description


def test_sleeps_on_the_timing_wheel(c6):
    # Sleeps of 40-163 ms from 8 VUs at once wake no earlier than asked and
    # within 150 ms (k6's sleep is a timer: never early); a VU in sleep(30)
    # is cut off at its scenario's end (gracefulStop 0s), as k6 interrupts it.
    r = c6("sleep_wheel.js")
    assert r.code == 0, r
    pct, hits, total = r.rate("checks_succeeded")
    assert pct == 100 and hits == total, r.out
    assert hits >= 2 * 8 * 5, r.out  # each VU: at least 5 sleeps in 1.5 s
    assert r.elapsed < 10, r


def test_sleep_never_returns_early_below_a_millisecond(c6):
    # Sub-millisecond ends: the shortest iteration_duration of each scenario
    # is at least its sleep (thresholds in the script; 99 if one fails).
    r = c6("sleep_submillisecond.js")
    assert r.code == 0, r
    assert r.count("iterations") >= 3 * 3 * 50, r.out


def test_a_vu_that_never_waits_leaves_room_for_the_others(c6):
    # A VU whose iterations never wait yields after each one (a VU that
    # waited in its iteration goes on without; src/vu/vu.c vu_run_loop): on
    # one worker, a sleeper next to it keeps iterating every ~20 ms, as in
    # k6 where each VU is a goroutine. Thresholds in the script: 99 if the
    # sleeper was starved (gap >= 400 ms, fewer than 15 iterations in 1.5 s).
    r = c6("busy_and_sleeper.js", "--workers", "1")
    assert r.code == 0, r
    assert r.count("busy_iters") >= 200, r.out
    assert r.count("sleeper_iters") >= 15, r.out
