"""Parity corpus (issue 10): the messages, warnings and exit codes of script
loading, the JS runtime, configuration, thresholds and logging, as k6 v2.2.0
prints them. Each case names the exact k6 text or value it expects and where
in k6's source that comes from."""
import json
import re

import pytest

P = "parity/messages/"


def _errors(r):
    return [rec["msg"] for rec in r.logs(level="error")]


def _warnings(r):
    return [rec["msg"] for rec in r.logs(level="warning")]


# ---- k6/metrics: metric names -------------------------------------------

# k6: metrics/registry.go, NewMetric: the name must match
# ^[a-zA-Z_][a-zA-Z0-9_]{1,128}$, else
# "Invalid metric name: 'x'. Metric names must only include up to 128 ASCII
# letters, numbers, or underscores and start with a letter or an underscore."
# The Go error is thrown into the init code as a GoError: exit 107
# (internal/cmd/test_load.go wraps init errors with exitcodes.ScriptException).
METRIC_NAME_MSG = ("Invalid metric name: 'x'. Metric names must only include up to 128 ASCII letters, "
                   "numbers, or underscores and start with a letter or an underscore.")


def test_one_letter_metric_name_is_refused(c6):
    r = c6(P + "metric_name_one_letter.js", "-i", "1")
    assert r.code == 107, r
    errs = _errors(r)
    assert len(errs) == 1 and ("GoError: " + METRIC_NAME_MSG) in errs[0], r
    assert not r.has_summary(), r


def test_two_letter_metric_name_is_accepted(c6):
    r = c6(P + "metric_name_two_letters.js")
    assert r.code == 0, r
    assert r.count("xy") == 3, r


# k6: metrics/registry.go, NewMetric: "metric '%s' already exists but with a
# value type %s, instead of %s" (a Trend declared with and without isTime).
def test_metric_redeclared_with_another_value_type(c6):
    r = c6(P + "metric_value_type.js", "-i", "1")
    assert r.code == 107, r
    assert any("GoError: metric 'my_trend' already exists but with a value type time, instead of default" in e
               for e in _errors(r)), r


# ---- k6: check() whose function throws -----------------------------------

# k6: internal/js/modules/k6/k6.go, Check: when a check's function throws, the
# check is recorded as failed (a `checks` sample of 0), then the exception goes
# on (caught by the script, or ending the iteration with its stack trace).
def test_throwing_check_is_recorded_as_failed(c6):
    r = c6(P + "check_throws.js")
    assert r.code == 0, r
    assert r.console().count("caught: boom in check") == 2, r
    assert "not reached" not in r.console(), r
    checks = r.checks()
    assert sorted(checks) == ["passes", "throws", "uncaught"], r
    assert checks["passes"]["ok"] and not checks["throws"]["ok"] and not checks["uncaught"]["ok"], r
    assert (checks["throws"]["passes"], checks["throws"]["fails"]) == (0, 2), r
    assert (checks["uncaught"]["passes"], checks["uncaught"]["fails"]) == (0, 2), r
    assert r.checks_total() == (2, 4), r
    assert len([e for e in _errors(r) if "boom again" in e]) == 2, r


# ---- script loading ---------------------------------------------------------

# k6: internal/js/bundle.go, populateExports: "no exported functions in script",
# wrapped by internal/cmd/test_load.go (initializeFirstRunner: "could not load
# JS test '<file URL>': ", loadLocalTest: "could not initialize '<arg>': ").
# No exit code is attached to it, so k6 exits with 255 (internal/cmd/root.go,
# execute: exitCode stays -1).
def test_script_with_only_options_exits_255(c6):
    r = c6(P + "only_options.js")
    path = r.args[-1]
    assert r.code == 255, r
    assert _errors(r) == [f"could not initialize '{path}': could not load JS test 'file://{path}': "
                          "no exported functions in script"], r


# k6: internal/cmd/config.go, validateConfig / validateScenarioConfig /
# consolidateErrorMessage: "There were problems with the specified script
# configuration:\n\t- executor default: function 'default' not found in
# exports" (exit 104, exitcodes.InvalidConfig in deriveAndValidateConfig).
def test_script_without_default_function_exits_104(c6):
    r = c6(P + "setup_no_default.js")
    assert r.code == 104, r
    assert _errors(r) == ["There were problems with the specified script configuration:\n"
                          "\t- executor default: function 'default' not found in exports"], r


# k6: internal/loader/loader.go, Load: fileSchemeCouldntBeLoadedMsg with the
# specifier as the script wrote it; wrapped as above; exit 107
# (test_load.go: errext.WithExitCodeIfNone(..., exitcodes.ScriptException)).
def test_missing_module_message(c6):
    r = c6(P + "missing_module.js")
    path = r.args[-1]
    assert r.code == 107, r
    assert _errors(r) == [
        f"could not initialize '{path}': could not load JS test 'file://{path}': "
        "The moduleSpecifier \"./no_such_module_here.js\" couldn't be found on local disk. "
        "Make sure that you've specified the right path to the file. If you're running k6 using the Docker "
        "image make sure you have mounted the local directory (-v /local/path/:/inside/docker/path) containing "
        "your script and modules so that they're accessible by k6 from inside of the container, see "
        "https://grafana.com/docs/k6/latest/using-k6/modules/#use-modules-with-docker"], r


# k6: internal/js/bundle.go, open -> internal/js/initcontext.go, openImpl ->
# readFile, which stats the path first (fsext.IsDir): Go's *PathError text
# "stat <abs path>: no such file or directory" (not "open ...", as the issue
# guessed; k6 runs show "GoError: stat /tmp/.../data.txt: no such file or
# directory" with hint="script exception"), thrown into the init code as a
# GoError: exit 107 (scriptExceptionError, internal/js/runner.go).
def test_open_missing_file_message(c6):
    r = c6(P + "open_missing.js")
    assert r.code == 107, r
    want = "stat " + r.args[-1].rsplit("/", 1)[0] + "/no_such_file_here.txt: no such file or directory"
    errs = r.logs(level="error")
    assert len(errs) == 1 and ("GoError: " + want) in errs[0]["msg"], r
    assert errs[0]["hint"] == "script exception", r


# ---- configuration errors (exit 104) ----------------------------------------

# k6: lib/executors.go, GetParsedExecutorConfig: "unknown executor type 'foo'";
# the script's options are read while the script loads (internal/js/bundle.go,
# populateExports, exitcodes.InvalidConfig), so the text gets test_load.go's
# wrapping.
def test_unknown_executor(c6):
    r = c6(P + "unknown_executor.js")
    path = r.args[-1]
    assert r.code == 104, r
    assert _errors(r) == [f"could not initialize '{path}': could not load JS test 'file://{path}': "
                          "unknown executor type 'foo'"], r


# k6: lib/executor/shared_iterations.go, Validate: "the number of iterations
# (2) can't be less than the number of VUs (5)"; lib/executors.go,
# ScenarioConfigs.Validate: "scenario s has configuration errors: ..."; inside
# internal/cmd/config.go's block (exit 104).
def test_iterations_below_vus_in_scenario(c6):
    r = c6(P + "scenario_iterations_below_vus.js")
    assert r.code == 104, r
    assert _errors(r) == ["There were problems with the specified script configuration:\n"
                          "\t- scenario s has configuration errors: the number of iterations (2) can't be less "
                          "than the number of VUs (5)"], r


# The same check on the scenario k6 derives from -u/-i
# (lib/executor/execution_config_shortcuts.go names it "default").
def test_iterations_below_vus_from_flags(c6):
    r = c6("basic_get.js", "-u", "10", "-i", "1")
    assert r.code == 104, r
    assert _errors(r) == ["There were problems with the specified script configuration:\n"
                          "\t- scenario default has configuration errors: the number of iterations (1) can't be "
                          "less than the number of VUs (10)"], r


# Every invalid scenario gets its line, all its errors joined with ", "
# (ScenarioConfigs.Validate, ConcatErrors), then one line per scenario whose
# function is not exported (validateScenarioConfig). k6 walks Go maps, so its
# order varies; c6 keeps k6's scenario order (startTime, then name).
def test_configuration_block_lists_every_problem(c6):
    r = c6(P + "two_bad_scenarios.js")
    assert r.code == 104, r
    assert _errors(r) == ["There were problems with the specified script configuration:\n"
                          "\t- scenario b has configuration errors: the number of VUs must be more than 0, "
                          "the maxDuration must be at least 1s, but is 10ms\n"
                          "\t- scenario c has configuration errors: the duration is unspecified\n"
                          "\t- executor a: function 'nope' not found in exports"], r


# k6: lib/executor/execution_config_shortcuts.go: "using `duration` and
# `stages` options simultaneously is not allowed" (ExecutionConflictError,
# exit 104, not in the block).
def test_shortcut_conflict_message(c6):
    r = c6("basic_get.js", "-d", "2s", "-s", "1s:2")
    assert r.code == 104, r
    assert _errors(r) == ["using `duration` and `stages` options simultaneously is not allowed"], r


# ---- "overrode scenarios configuration entirely" ---------------------------

# k6: internal/cmd/config.go, warnOnShortHandOverride:
# `"cli" level configuration overrode scenarios configuration entirely` when
# a layer sets duration, iterations, stages or scenarios over lower layers'
# scenarios (the "env" level for K6_* variables). vus alone does not.
@pytest.mark.parametrize("flags,env,level", [
    (["-d", "1s"], None, "cli"),
    (["-i", "1"], None, "cli"),
    (["-s", "1s:1"], None, "cli"),
    ([], {"K6_ITERATIONS": "1"}, "env"),
    ([], {"K6_DURATION": "1s"}, "env"),
])
def test_scenarios_overridden_warning(c6, flags, env, level):
    r = c6(P + "scenarios_and_default.js", *flags, env=env)
    assert r.code == 0, r
    assert _warnings(r).count(f'"{level}" level configuration overrode scenarios configuration entirely') == 1, r
    assert "* default:" in r.out and "* api:" not in r.out, r


def test_vus_alone_does_not_warn(c6):
    r = c6(P + "scenarios_and_default.js", "-u", "2", env={"K6_VUS": "2"})
    assert r.code == 0, r
    assert not [w for w in _warnings(r) if "overrode" in w], r


# ---- thresholds (exit 104) ---------------------------------------------------

# k6: metrics/thresholds.go, Validate: "invalid threshold defined on M; reason:
# no metric name \"M\" found" with M the threshold's key as written.
def test_threshold_on_unknown_metric(c6):
    r = c6(P + "threshold_unknown_metric.js")
    assert r.code == 104, r
    assert _errors(r) == ['invalid threshold defined on nope{kind:x}; reason: no metric name "nope{kind:x}" found'], r


# k6: metrics/thresholds.go, Validate, with metrics/metric_type.go's
# supportedAggregationMethods: "invalid threshold \"count>0\" applied on metric
# http_req_duration; reason: unsupported aggregation method count on metric of
# type trend. supported aggregation methods for this metric are: avg, min,
# max, med, p"
def test_threshold_with_wrong_aggregation(c6):
    r = c6(P + "threshold_wrong_aggregation.js")
    assert r.code == 104, r
    assert _errors(r) == ['invalid threshold "count>0" applied on metric http_req_duration; reason: unsupported '
                          'aggregation method count on metric of type trend. supported aggregation methods for '
                          'this metric are: avg, min, max, med, p'], r


# k6: metrics/thresholds_parser.go, parseThresholdExpression: "failed parsing
# threshold expresion's \"p(95)<abc\" right hand side; reason:
# strconv.ParseFloat: parsing \"abc\": invalid syntax" (k6's spelling);
# Thresholds.Parse runs before Validate looks the metric up.
def test_threshold_parse_error_comes_first(c6):
    r = c6(P + "threshold_parse_before_metric.js")
    assert r.code == 104, r
    assert _errors(r) == ['failed parsing threshold expresion\'s "p(95)<abc" right hand side; reason: '
                          'strconv.ParseFloat: parsing "abc": invalid syntax'], r


# k6 (internal/cmd/test_load.go, consolidateDeriveAndValidateConfig) checks
# the thresholds before deriveAndValidateConfig's block.
def test_threshold_error_before_scenario_block(c6):
    r = c6(P + "threshold_and_scenario_errors.js")
    assert r.code == 104, r
    assert _errors(r) == ['invalid threshold "avg>0" applied on metric checks; reason: unsupported aggregation '
                          'method avg on metric of type rate. supported aggregation methods for this metric '
                          'are: rate'], r


# ---- log lines ------------------------------------------------------------------

# k6 logs with logrus's TextFormatter (internal/cmd/root.go, setupLogFormat):
# `time=... level=... msg=... source=console`, a value quoted with Go's %q only
# when it holds a character other than letters, digits and -._/@^+
# (TextFormatter.needsQuoting), an empty message left out, and the time in
# time.RFC3339 of the local zone ("Z" in UTC).
def test_log_lines_quote_as_logrus(c6):
    r = c6(P + "log_quoting.js", env={"TZ": "UTC"})
    assert r.code == 0, r
    lines = [ln for ln in r.err.splitlines() if "source=console" in ln]
    tail = [re.sub(r'^time="[^"]+" ', "", ln) for ln in lines]
    assert tail == [
        "level=info msg=cache-miss source=console",
        "level=info msg=/path/to.file@v1^2+3_x source=console",
        'level=info msg="two words" source=console',
        'level=info msg="key=value" source=console',
        'level=info msg="tab\\there \\"quoted\\" back\\\\slash é" source=console',
        'level=info msg="bell\\a nbsp\\u00a0" source=console',
        "level=info source=console",
        "level=warning msg=done source=console",
    ], r
    assert all(re.match(r'^time="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ" ', ln) for ln in lines), r


def test_log_time_carries_the_local_offset(c6):
    r = c6(P + "log_quoting.js", env={"TZ": "Asia/Tokyo"})
    assert r.code == 0, r
    line = next(ln for ln in r.err.splitlines() if "msg=done" in ln)
    assert re.match(r'^time="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00" level=warning', line), line


# k6: internal/js/console.go, valueString / traverseValue: objects as
# `{ key: value }`, arrays element by element up to length, strings inside
# quoted, undefined and null (and array holes) as null, functions as
# [object Function], a parent seen again as [Circular], errors as their
# text, dates as their quoted ISO text, binary data with its type and bytes;
# top-level primitives as their plain text.
def test_console_prints_values_as_k6(c6):
    r = c6(P + "console_values.js")
    assert r.code == 0, r
    assert r.console() == [
        '{ a: 1, b: null, c: null, s: "x", f: [object Function], arr: [ 1, null, "y", null ], '
        'n: { deep: [ {} ] }, self: [Circular] }',
        "undefined null top string [object Function] Error: top",
        '"1970-01-01T00:00:00.000Z" { when: "1970-01-01T00:00:00.000Z" } [] {} { e: Error: inner }',
        "Uint8Array(3) [ 1, 2, 3 ] Uint8Array(0) [] ArrayBuffer { [Uint8Contents]: <00 00>, byteLength: 2 } "
        "Float64Array(1) [ 1.5 ]",
    ], r


# ---- command line --------------------------------------------------------------

# k6 logs command-line errors as any error (internal/cmd/root.go, execute:
# `level=error msg="..."` on stderr) and, with no exit code attached, exits
# 255. The texts are cobra's and pflag's, with Go's strconv.ParseInt and
# time.ParseDuration errors inside.
@pytest.mark.parametrize("flags,want", [
    (["--no-such-flag"], "unknown flag: --no-such-flag"),
    (["-u", "abc"], 'invalid argument "abc" for "-u, --vus" flag: strconv.ParseInt: parsing "abc": invalid syntax'),
    (["-d", "1x"], 'invalid argument "1x" for "-d, --duration" flag: time: unknown unit "x" in duration "1x"'),
    (["-d", "10"], 'invalid argument "10" for "-d, --duration" flag: time: missing unit in duration "10"'),
])
def test_bad_flags_are_logged_with_exit_255(c6, flags, want):
    r = c6(P + "metric_name_two_letters.js", *flags)
    assert r.code == 255, r
    assert _errors(r) == [want], r
    assert not r.has_summary(), r


# k6: internal/cmd/run.go, Args: exactArgsWithMsg(1, "arg should either be
# \"-\", if reading script from stdin, or a path to a script file").
def test_run_without_a_script(c6):
    r = c6(None)
    assert r.code == 255, r
    assert _errors(r) == ['accepts 1 arg(s), received 0: arg should either be "-", if reading script from stdin, '
                          'or a path to a script file'], r


# k6: internal/cmd/root.go, setupLogFormat: "unsupported log format \"xml\",
# must be one of: text, json, raw" with exitcodes.InvalidConfig (104), for
# the flag and for K6_LOG_FORMAT alike.
def test_unknown_log_format(c6):
    for flags, env in ((["--log-format", "xml"], None), ([], {"K6_LOG_FORMAT": "xml"})):
        r = c6(P + "metric_name_two_letters.js", *flags, env=env)
        assert r.code == 104, r
        assert _errors(r) == ['unsupported log format "xml", must be one of: text, json, raw'], r


# k6: internal/loader/readsource.go -> loader.go: the main script's
# fileSchemeCouldntBeLoadedMsg, with the path as given. The exit code is the
# one ../shared/k6-facts.md lists for a missing file (107).
def test_missing_script_message(c6):
    r = c6("no_such_script_here.js", with_target=False, cwd="/tmp")
    assert r.code == 107, r
    assert _errors(r) == [
        f'The moduleSpecifier "{r.args[-1]}" couldn\'t be found on local disk. Make sure that you\'ve specified '
        "the right path to the file. If you're running k6 using the Docker image make sure you have mounted the "
        "local directory (-v /local/path/:/inside/docker/path) containing your script and modules so that "
        "they're accessible by k6 from inside of the container, see "
        "https://grafana.com/docs/k6/latest/using-k6/modules/#use-modules-with-docker"], r


# ---- the script's exports -----------------------------------------------------

# k6: internal/js/bundle.go, populateExports: the options are decoded with
# DisallowUnknownFields (Go's JSON of them sorts the keys; keys match without
# regard to case; `ext` is k6's), then
# logger.WithError(err).Warn("There were unknown fields in the options exported in the script")
# with err = `json: unknown field "banana"`; the run goes on.
def test_unknown_option_warns(c6):
    r = c6(P + "unknown_option.js")
    assert r.code == 0, r
    warn = [rec for rec in r.logs(level="warning") if rec["msg"].startswith("There were unknown fields")]
    assert len(warn) == 1, r
    assert warn[0] == {"time": warn[0]["time"], "level": "warning",
                       "msg": "There were unknown fields in the options exported in the script",
                       "error": 'json: unknown field "banana"'}, r
    assert r.count("iterations") == 1, r


# k6: internal/js/bundle.go, populateExports: "exported 'setup' must be a
# function", wrapped as the other loading errors; no exit code, so 255.
def test_setup_that_is_not_a_function(c6):
    r = c6(P + "setup_not_function.js")
    path = r.args[-1]
    assert r.code == 255, r
    assert _errors(r) == [f"could not initialize '{path}': could not load JS test 'file://{path}': "
                          "exported 'setup' must be a function"], r


# k6: internal/js/initcontext.go, cantBeUsedOutsideInitContextMsg: `the "open"
# function is only available in the init stage (i.e. the global scope), see
# https://grafana.com/docs/k6/latest/using-k6/test-lifecycle/ for more
# information`; in an iteration it ends the iteration only (exit 0).
def test_open_outside_init(c6):
    r = c6(P + "open_in_iteration.js")
    assert r.code == 0, r
    errs = _errors(r)
    assert len(errs) == 1 and (
        'GoError: the "open" function is only available in the init stage (i.e. the global scope), see '
        "https://grafana.com/docs/k6/latest/using-k6/test-lifecycle/ for more information") in errs[0], r


# k6: internal/js/initcontext.go, readFile: "open() can't be used with
# directories, path: \"<abs>\"".
def test_open_directory(c6):
    r = c6(P + "open_directory.js")
    assert r.code == 107, r
    folder = r.args[-1].rsplit("/", 1)[0] + "/a_directory"
    errs = r.logs(level="error")
    assert len(errs) == 1 and f"GoError: open() can't be used with directories, path: \"{folder}\"" in errs[0]["msg"], r
    assert errs[0]["hint"] == "script exception", r


# k6: lib/executor/execution_config_shortcuts.go, DeriveScenariosFromShortcuts:
# "`stages` was explicitly set to an empty value, running the script with 1
# iteration in 1 VU" (a warning; the run goes on with 1 iteration).
def test_empty_stages_warning(c6):
    r = c6(P + "empty_stages.js")
    assert r.code == 0, r
    assert _warnings(r) == ["`stages` was explicitly set to an empty value, running the script with 1 iteration "
                            "in 1 VU"], r
    assert r.count("iterations") == 1, r


# ---- fields of error lines --------------------------------------------------------

# k6: internal/js/runner.go, scriptExceptionError (Hint "script exception",
# exit 107), formatted by errext.Format (source=stacktrace for exceptions).
def test_setup_exception_fields(c6):
    r = c6(P + "setup_throws.js")
    assert r.code == 107, r
    errs = r.logs(level="error")
    assert len(errs) == 1 and "boom in setup" in errs[0]["msg"], r
    assert (errs[0]["hint"], errs[0]["source"]) == ("script exception", "stacktrace"), r


# k6: internal/js/timeout_error.go: "setup() execution timed out after 1
# seconds" with hint "You can increase the time limit via the setupTimeout
# option", exit 100.
def test_setup_timeout_hint(c6):
    r = c6(P + "setup_timeout.js")
    assert r.code == 100, r
    errs = r.logs(level="error")
    assert [(e["msg"], e.get("hint")) for e in errs] == [
        ("setup() execution timed out after 1 seconds", "You can increase the time limit via the setupTimeout option")], r


# ---- the config file (-c) -----------------------------------------------------

# k6: internal/cmd/config.go, readDiskConfig (Stat of a path the user gave)
# wrapped by getConsolidatedConfig: "failed to load the configuration file
# from the local file system: stat <path>: no such file or directory", exit
# 104; a file that does not parse: "...: couldn't parse the configuration
# from \"<path>\": <why>" (the reason itself is c6's, not Go's JSON text).
def test_missing_config_file(c6, tmp_path):
    missing = tmp_path / "nope.json"
    r = c6(P + "metric_name_two_letters.js", "-c", str(missing))
    assert r.code == 104, r
    assert _errors(r) == [f"failed to load the configuration file from the local file system: stat {missing}: "
                          "no such file or directory"], r
    bad = tmp_path / "bad.json"
    bad.write_text('{"vus": "x"}')
    r = c6(P + "metric_name_two_letters.js", "-c", str(bad))
    assert r.code == 104, r
    errs = _errors(r)
    assert len(errs) == 1 and errs[0].startswith(
        "failed to load the configuration file from the local file system: couldn't parse the configuration "
        f'from "{bad}": '), r


# k6: metrics/thresholds.go, Validate -> metrics/metric.go, ParseMetricName:
# "unable to validate threshold expressions; reason: parsing metric name
# failed, metric \"http_reqs{status:200\" has unmatched opening/close curly
# brace" (exit 104).
def test_threshold_metric_key_malformed(c6):
    r = c6(P + "threshold_bad_metric_key.js")
    assert r.code == 104, r
    assert _errors(r) == ['unable to validate threshold expressions; reason: parsing metric name failed, metric '
                          '"http_reqs{status:200" has unmatched opening/close curly brace'], r


# k6: internal/cmd/config.go, readEnvConfig (envconfig.Process, exit 104):
# "envconfig.Process: assigning K6_VUS to VUs: converting 'abc' to type
# null.Int. details: strconv.ParseInt: parsing \"abc\": invalid syntax".
def test_bad_env_value(c6):
    r = c6(P + "metric_name_two_letters.js", env={"K6_VUS": "abc"})
    assert r.code == 104, r
    assert _errors(r) == ["envconfig.Process: assigning K6_VUS to VUs: converting 'abc' to type null.Int. details: "
                          'strconv.ParseInt: parsing "abc": invalid syntax'], r


# cobra's errors for the root command, logged by k6's execute (exit 255); the
# command name is the binary's (k6 uses filepath.Base(os.Args[0])).
def test_unknown_command(c6_bin):
    import subprocess
    p = subprocess.run([c6_bin, "frobnicate"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 255, p
    assert re.fullmatch(r'time="[^"]+" level=error msg="unknown command \\"frobnicate\\" for \\"c6\\""\n', p.stderr), p
    assert p.stdout == "", p


# k6: internal/js/modules/k6/k6.go: fail() returns errors.New(msg) (the
# script sees "GoError: <msg>"); check()/group() in the init code return
# ErrCheckInInitContext / ErrGroupInInitContext ("Using check() in the init
# context is not supported"); a check name with "::" is
# lib.ErrNameContainsGroupSeparator ("group and check names may not contain '::'").
def test_k6_module_errors(c6):
    r = c6(P + "fail_and_names.js")
    assert r.code == 0, r
    assert r.console() == ["GoError: Using check() in the init context is not supported",
                           "GoError: Using group() in the init context is not supported",
                           "GoError: group and check names may not contain '::'"], r
    errs = _errors(r)
    assert len(errs) == 1 and "GoError: failing on purpose" in errs[0], r


# k6: internal/cmd/root.go, --log-ns-timestamps: TimestampFormat
# time.RFC3339Nano (the fraction without trailing zeros).
def test_log_ns_timestamps(c6):
    r = c6(P + "log_quoting.js", "--log-ns-timestamps", env={"TZ": "UTC"})
    assert r.code == 0, r
    lines = [ln for ln in r.err.splitlines() if "source=console" in ln]
    assert len(lines) == 8, r
    assert all(re.match(r'^time="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d*[1-9])?Z" ', ln) for ln in lines), r
    assert any(re.match(r'^time="[^"]+\.\d+Z"', ln) for ln in lines), r


# k6: lib/options.go, Validate: "provided segment 1/3:2/3 can't be found in
# sequence 0,1/4,1/2,1", one line of internal/cmd/config.go's block (104).
def test_segment_not_in_sequence(c6):
    r = c6(P + "metric_name_two_letters.js", "--execution-segment", "1/3:2/3",
           "--execution-segment-sequence", "0,1/4,1/2,1")
    assert r.code == 104, r
    assert _errors(r) == ["There were problems with the specified script configuration:\n"
                          "\t- provided segment 1/3:2/3 can't be found in sequence 0,1/4,1/2,1"], r
