"""Duration texts (issue 12, "Smaller": duration 1e309): c6's refusals of a
bad duration say what k6 v2.2.0 says, wherever the duration comes from.

k6 parses option durations with types.ParseExtendedDuration (lib/types/
types.go): a text strconv.ParseFloat takes is milliseconds ("10" = 10ms; not
"1e309", out of float64's range), a text with a 'd' is days, anything else
goes to Go's time.ParseDuration (time/format.go), whose errors are
`time: invalid duration "X"` (also when the value overflows int64),
`time: missing unit in duration "X"` and `time: unknown unit "U" in duration
"X"`. A JSON number is milliseconds (Duration.UnmarshalJSON), and one that
ParseFloat refuses is `'1e309' is not a valid duration value`."""
import pytest

from conftest import script_path

D = "durations/"

# (text, Go's error for it)
CASES = [
    ("1e309", 'time: unknown unit "e" in duration "1e309"'),
    ("5x", 'time: unknown unit "x" in duration "5x"'),
    ("-", 'time: invalid duration "-"'),
    ("", 'time: invalid duration ""'),
    ("1.5.5s", 'time: missing unit in duration "1.5.5s"'),
    ("9999999999h", 'time: invalid duration "9999999999h"'),   # over int64 nanoseconds
]


def _errors(r):
    return [rec["msg"] for rec in r.logs(level="error")]


# Exported options: internal/js/bundle.go, populateExports decodes them with
# encoding/json, which passes the Unmarshaler's error on as it is, with exit
# code InvalidConfig (104); internal/cmd/test_load.go wraps it as
# "could not initialize '%s': could not load JS test '%s': %w".
@pytest.mark.parametrize("text,why", CASES)
@pytest.mark.parametrize("script", ["option.js", "stage.js"])
def test_script_option(c6, script, text, why):
    path = script_path(D + script)
    r = c6(D + script, "-e", f"D={text}", with_target=False, timeout=30)
    assert r.code == 104, r
    assert _errors(r) == [f"could not initialize '{path}': could not load JS test 'file://{path}': {why}"], r
    assert not r.has_summary(), r


# -d is a pflag Duration (internal/cmd/options.go, optionFlagSet): Go's
# time.ParseDuration alone, in pflag's "invalid argument" text; cobra's error
# has no exit code of its own: 255 (internal/cmd/root.go).
@pytest.mark.parametrize("text,why", CASES + [("10", 'time: missing unit in duration "10"')])
def test_duration_flag(c6, text, why):
    r = c6(D + "plain.js", "-d", text, with_target=False, timeout=30)
    assert r.code == 255, r
    assert _errors(r) == [f'invalid argument "{text}" for "-d, --duration" flag: {why}'], r


# The config file: internal/cmd/config.go, readDiskConfig: "couldn't parse the
# configuration from %q: %w" around encoding/json's error (the Unmarshaler's
# as it is), exit 104.
@pytest.mark.parametrize("text,why", CASES + [(1e309, "'1e309' is not a valid duration value")])
def test_config_file(c6, tmp_path, text, why):
    cfg = tmp_path / "k6.json"
    value = '"%s"' % text if isinstance(text, str) else "1e309"   # a JSON number as written
    cfg.write_text('{"vus": 1, "duration": %s}' % value)
    r = c6(D + "plain.js", "--config", str(cfg), with_target=False, timeout=30)
    assert r.code == 104, r
    assert _errors(r) == ["failed to load the configuration file from the local file system: couldn't parse the "
                          f'configuration from "{cfg}": {why}'], r


# K6_DURATION: envconfig's ParseError around ParseExtendedDuration's error
# (internal/cmd/config.go, readEnvConfig), exit 104. ("" is unset.)
@pytest.mark.parametrize("text,why", [c for c in CASES if c[0]])
def test_env(c6, text, why):
    r = c6(D + "plain.js", env={"K6_DURATION": text}, with_target=False, timeout=30)
    assert r.code == 104, r
    assert _errors(r) == [f"envconfig.Process: assigning K6_DURATION to Duration: converting '{text}' to type "
                          f"types.NullDuration. details: {why}"], r


# "10" in an option string is 10 milliseconds (ParseFloat takes it): refused
# only by the executor's own check (lib/executor/constant_vus.go, Validate:
# "the duration must be at least 1s, but is 10ms"), exit 104.
def test_ten_is_ten_milliseconds(c6):
    r = c6(D + "option.js", "-e", "D=10", with_target=False, timeout=30)
    assert r.code == 104, r
    assert any("the duration must be at least 1s, but is 10ms" in e for e in _errors(r)), r
