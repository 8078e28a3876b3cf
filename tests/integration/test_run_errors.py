"""Errors and exit codes: 107 for script errors in init/setup, 0 for an
exception inside an iteration, 104 for invalid config (a missing default
function included, as in k6), 255 for bad flags."""
import re


def _errors(r):
    return "\n".join(rec["msg"] for rec in r.logs(level="error"))


def test_syntax_error_exit_107_with_location(c6):
    r = c6("errors/syntax_error.js")
    assert r.code == 107, r
    assert re.search(r"syntax_error\.js:3:\d+", r.err), r
    assert not r.has_summary(), r


def test_exception_in_init_exit_107(c6):
    r = c6("errors/init_throw.js")
    assert r.code == 107, r
    assert "boom in init" in r.err, r
    assert re.search(r"init_throw\.js:4:\d+", r.err), r


def test_exception_in_setup_exit_107(c6):
    r = c6("errors/setup_throw.js", "-i", "2")
    assert r.code == 107, r
    assert "boom in setup" in r.err, r
    assert re.search(r"setup_throw\.js:3:\d+", r.err), r
    assert "default ran" not in r.console(), r


def test_exception_in_iteration_is_logged_and_counted(c6):
    r = c6("errors/iter_throw.js", "-i", "4")
    assert r.code == 0, r
    msgs = r.console()
    assert sorted(m for m in msgs if m.startswith("start")) == ["start 0", "start 1", "start 2", "start 3"], r
    assert sorted(m for m in msgs if m.startswith("end")) == ["end 1", "end 3"], r
    errs = [rec for rec in r.logs(level="error") if "boom in iteration" in rec["msg"]]
    assert len(errs) == 2, r
    assert all(re.search(r"iter_throw\.js:5:\d+", e["msg"] + " " + str(e)) for e in errs), r
    # Iterations that threw still count.
    assert r.count("iterations") == 4, r


def test_missing_script_file_exit_107(c6):
    r = c6("errors/does_not_exist.js")
    assert r.code == 107, r
    assert "does_not_exist.js" in r.err, r


def test_missing_module_exit_107(c6):
    r = c6("errors/missing_module.js")
    assert r.code == 107, r
    assert "no_such_module.js" in r.err, r


def test_no_default_function_exit_104(c6):
    # k6: internal/cmd/config.go, validateScenarioConfig (exit 104, InvalidConfig)
    r = c6("errors/no_default.js")
    assert r.code == 104, r
    assert "executor default: function 'default' not found in exports" in _errors(r), r


def test_open_missing_file_exit_107(c6):
    r = c6("errors/open_missing.js")
    assert r.code == 107, r
    assert "no_such_file.txt" in r.err, r


def test_unknown_flag_exit_255(c6):
    r = c6("basic_get.js", "--no-such-flag")
    assert r.code == 255, r
    assert "no-such-flag" in r.err, r


def test_bad_duration_flag_names_the_value(c6):
    r = c6("basic_get.js", "-d", "1x")
    assert r.code not in (0, 99), r
    assert '1x' in r.err, r
    assert not r.has_summary(), r


# k6 (lib/types/types.go, ParseExtendedDuration): "ten seconds" has a 'd', so
# the part after it ("s") goes to time.ParseDuration first: its error, as is.
def test_bad_duration_in_options_exit_104(c6):
    r = c6("errors/bad_option.js")
    assert r.code == 104, r
    assert r.err.rstrip().endswith(': time: invalid duration \\"s\\""'), r


def test_iterations_below_vus_exit_104_flags(c6):
    r = c6("basic_get.js", "-u", "5", "-i", "2")
    assert r.code == 104, r


def test_iterations_below_vus_exit_104_options(c6):
    r = c6("errors/vus_over_iterations.js")
    assert r.code == 104, r


def test_threshold_on_unknown_metric_exit_104(c6):
    r = c6("errors/unknown_threshold.js")
    assert r.code == 104, r
    assert "no_such_metric" in r.err, r


def test_bad_vus_flag_exit_255(c6):
    r = c6("basic_get.js", "-u", "abc")
    assert r.code == 255, r
    assert "abc" in r.err, r


def test_fail_in_iteration_is_logged_and_counted(c6):
    r = c6("errors/iter_fail.js", "-i", "3")
    assert r.code == 0, r
    msgs = r.console()
    assert msgs.count("before fail") == 3, r
    assert "after fail" not in msgs, r
    assert len([e for e in r.logs(level="error") if "failing on purpose" in e["msg"]]) == 3, r
    assert r.count("iterations") == 3, r


def test_json_of_non_json_body_throws_in_iteration(c6):
    r = c6("errors/json_not_json.js", "-i", "2")
    assert r.code == 0, r
    msgs = r.console()
    assert msgs.count("status 200") == 2, r
    assert "after json" not in msgs, r
    errs = [e for e in r.logs(level="error")]
    assert len(errs) == 2, r
    assert all(re.search(r"json_not_json\.js:7:\d+", e["msg"]) for e in errs), r
    assert r.count("iterations") == 2, r
