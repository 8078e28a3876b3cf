"""Hostile input to the REST API and to the run's special functions.

- PATCH /v1/status with VU numbers c6 cannot hold, and vus-max as reported;
- /v1/setup and /v1/teardown (k6 api/v1/setup_teardown_routes.go);
- setup() data Go's json.Marshal refuses (k6 js/runner.go Setup);
- Ctrl-C in a busy setup(), teardown() and handleSummary().

Every c6 started here is bounded: waits poll with deadlines, signals are sent
only once a marker line is seen (robust on a loaded machine), and a c6 still
alive at the end is killed.
"""
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

import pytest

from conftest import script_path


def _free_addr():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"127.0.0.1:{port}"


def _env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("K6_")}
    env.update(extra)
    return env


class C6:
    """c6 run in the background, its output in files read while it runs."""

    def __init__(self, c6_bin, *args, env=None):
        self.out = tempfile.TemporaryFile()
        self.err = tempfile.TemporaryFile()
        self.p = subprocess.Popen([c6_bin, "run", *args], stdout=self.out, stderr=self.err,
                                  stdin=subprocess.DEVNULL, env=env or _env())

    def text(self):
        self.out.seek(0)
        self.err.seek(0)
        return (self.out.read().decode("utf-8", "replace"), self.err.read().decode("utf-8", "replace"))

    def wait_for(self, marker, timeout=30):
        """Until marker shows in stdout or stderr (False if c6 ended or time ran out)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            out, err = self.text()
            if marker in out or marker in err:
                return True
            if self.p.poll() is not None:
                return False
            time.sleep(0.05)
        return False

    def finish(self, timeout=30):
        try:
            code = self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait(timeout=10)
            pytest.fail(f"c6 did not end within {timeout} s: {self.text()}")
        out, err = self.text()
        return code, out, err

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait(timeout=10)
        self.out.close()
        self.err.close()


def _http(addr, method, path, body=None):
    """(status, Content-Type, body text) of one request to the API."""
    data = body.encode() if isinstance(body, str) else body
    req = urllib.request.Request(f"http://{addr}{path}", data=data, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers.get("Content-Type"), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), e.read().decode()


def _status(addr):
    return json.loads(_http(addr, "GET", "/v1/status")[2])["data"]["attributes"]


def _until(pred, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if pred():
                return True
        except OSError:
            pass
        time.sleep(0.05)
    return False


def _patch(addr, attrs):
    return _http(addr, "PATCH", "/v1/status", json.dumps({"data": {"attributes": attrs}}))


def _error(body):
    e = json.loads(body)["errors"][0]
    return e["status"], e["title"], e["detail"]


# ---------------------------------------------------------------- PATCH /v1/status


def test_patch_vus_out_of_range_and_vus_max_reported(c6_bin):
    addr = _free_addr()
    c = C6(c6_bin, "-q", "-a", addr, "--paused", script_path("hostile_api/ext_scale.js"))
    try:
        assert _until(lambda: _status(addr)["status"] == 4), c.text()
        # 3000000000 and 4294967297 are valid int64s (null.Int): k6's executor
        # refuses them against maxVUs (lib/executor/externally_controlled.go
        # UpdateConfig + Validate), a 400 "Config update error"; c6 used to
        # store them truncated to int (0 or 1 VU).
        for vus in (3000000000, 4294967297):
            code, ctype, body = _patch(addr, {"vus": vus})
            assert code == 400, body
            assert _error(body) == ("400", "Config update error",
                                    "invalid configuration supplied: the number of active VUs (%d) must be less "
                                    "than or equal to the number of maxVUs (4)" % vus), body
        # a vus-max the machine cannot hold is refused (k6 would try to
        # initialize 4 billion VUs); then a vus above the unchanged max is too
        code, _, body = _patch(addr, {"vus-max": 4294967297})
        assert code == 400 and _error(body)[:2] == ("400", "Config update error"), body
        assert "the new number of max VUs (4294967297) is more than this machine can initialize" in body, body
        code, _, body = _patch(addr, {"vus": 4294967297, "vus-max": 4294967297})
        assert code == 400, body
        # beyond int64: Go's decoder error (api/v1/status_routes.go "Invalid data")
        code, _, body = _http(addr, "PATCH", "/v1/status", '{"data":{"attributes":{"vus":9223372036854775808}}}')
        assert code == 400 and _error(body) == (
            "400", "Invalid data",
            "json: cannot unmarshal number 9223372036854775808 into Go struct field "
            "Status.data.attributes.vus of type int64"), body
        st = _status(addr)
        assert st["vus-max"] == 4 and st["vus"] == 0, st
        code, _, body = _patch(addr, {"paused": False})
        assert code == 200, body
        assert _until(lambda: _status(addr)["running"] and _status(addr)["vus"] == 1), _status(addr)
        # a running externally-controlled executor initializes the new VUs
        # before answering (handleConfigChange), so the answer and every
        # status after it report the patched vus-max
        code, _, body = _patch(addr, {"vus-max": 7})
        assert code == 200, body
        assert json.loads(body)["data"]["attributes"]["vus-max"] == 7, body
        assert _status(addr)["vus-max"] == 7
        code, _, body = _patch(addr, {"vus": 6})
        assert code == 200, body
        assert _until(lambda: _status(addr)["vus"] == 6), _status(addr)
        code, _, body = _patch(addr, {"vus": 8})
        assert code == 400 and "number of active VUs (8) must be less than or equal to the number of maxVUs (7)" \
            in body, body
        code, _, body = _patch(addr, {"stopped": True})
        assert code == 200, body
        code, out, err = c.finish()
        assert code == 103, err   # k6: "test run stopped from REST API"
    finally:
        c.kill()


# ---------------------------------------------------------------- /v1/setup, /v1/teardown

SETUP_TYPE = "application/json"   # k6 sets exactly this on the setup answers


def _setup_doc(body):
    doc = json.loads(body)
    assert doc["data"]["type"] == "setupData" and doc["data"]["id"] == "default", body
    return doc["data"]["attributes"]


def test_setup_and_teardown_routes(c6_bin):
    addr = _free_addr()
    c = C6(c6_bin, "-q", "-a", addr, "--paused", "--no-setup", "--no-teardown",
           script_path("hostile_api/setup_data.js"))
    try:
        assert _until(lambda: _status(addr)["status"] == 4), c.text()
        # k6 TestSetupData "setupReturns": GET {} / POST runs setup() / GET /
        # PUT replaces / an empty PUT clears
        code, ctype, body = _http(addr, "GET", "/v1/setup")
        assert (code, ctype) == (200, SETUP_TYPE) and _setup_doc(body) == {}, body
        code, ctype, body = _http(addr, "POST", "/v1/setup")
        assert (code, ctype) == (200, SETUP_TYPE), body
        # the data as Go writes a json.RawMessage: compact, <>& escaped
        assert body == ('{"data":{"type":"setupData","id":"default","attributes":'
                        '{"data":{"s":"\\u003c\\u0026\\u003e","v":1}}}}'), body
        assert c.wait_for("setup ran"), c.text()
        code, _, body = _http(addr, "GET", "/v1/setup")
        assert _setup_doc(body) == {"data": {"v": 1, "s": "<&>"}}, body
        code, _, body = _http(addr, "PUT", "/v1/setup", '{"v":2, "test":"mest"}')
        assert code == 200 and _setup_doc(body) == {"data": {"v": 2, "test": "mest"}}, body
        code, _, body = _http(addr, "PUT", "/v1/setup", "")
        assert code == 200 and _setup_doc(body) == {}, body
        code, _, body = _http(addr, "PUT", "/v1/setup", '""')
        assert code == 200 and _setup_doc(body) == {"data": ""}, body
        # a body that is not JSON: Go's json.Unmarshal error, 400
        code, _, body = _http(addr, "PUT", "/v1/setup", '{"v":')
        assert code == 400 and _error(body) == ("400", "Error parsing request body",
                                                "unexpected end of JSON input"), body
        code, _, body = _http(addr, "PUT", "/v1/setup", '{"v":3}')
        assert code == 200, body
        # teardown() gets that data; k6 answers an empty 200
        code, _, body = _http(addr, "POST", "/v1/teardown")
        assert (code, body) == (200, ""), body
        assert c.wait_for('teardown data {\\"v\\":3}'), c.text()
        # other methods: 405 with no body (the ServeMux handlers)
        assert _http(addr, "DELETE", "/v1/setup")[0] == 405
        assert _http(addr, "GET", "/v1/teardown")[0] == 405
        # the VUs start with the data set over the API
        assert _patch(addr, {"paused": False})[0] == 200
        code, out, err = c.finish()
        assert code == 0, err
        assert 'default data {\\"v\\":3}' in err, err
        assert err.count("setup ran") == 1, err   # --no-setup: only the API ran it
    finally:
        c.kill()


def test_setup_routes_without_setup_and_with_errors(c6_bin):
    addr = _free_addr()
    c = C6(c6_bin, "-q", "-a", addr, "--paused", script_path("hostile_api/no_setup.js"))
    try:
        assert _until(lambda: _status(addr)["status"] == 4), c.text()
        # k6 TestSetupData "noSetup": POST with no setup() keeps the data
        code, _, body = _http(addr, "PUT", "/v1/setup", '{"v":2}')
        assert code == 200, body
        code, _, body = _http(addr, "POST", "/v1/setup")
        assert code == 200 and _setup_doc(body) == {"data": {"v": 2}}, body
        assert _http(addr, "POST", "/v1/teardown")[:1] == (200,)
        assert _patch(addr, {"paused": False})[0] == 200
        code, out, err = c.finish()
        assert code == 0 and 'default data {\\"v\\":2}' in err, err
    finally:
        c.kill()

    addr = _free_addr()
    c = C6(c6_bin, "-q", "-a", addr, "--paused", "--no-setup", "--no-teardown",
           script_path("hostile_api/setup_throws.js"))
    try:
        assert _until(lambda: _status(addr)["status"] == 4), c.text()
        # the runner's error: 500 "Error executing setup" / "... teardown"
        code, _, body = _http(addr, "POST", "/v1/setup")
        status, title, detail = _error(body)
        assert (code, status, title) == (500, "500", "Error executing setup"), body
        assert "setup boom" in detail, body
        code, _, body = _http(addr, "POST", "/v1/teardown")
        status, title, detail = _error(body)
        assert (code, title) == (500, "Error executing teardown") and "teardown boom" in detail, body
        assert _patch(addr, {"stopped": True})[0] == 200
        c.finish()
    finally:
        c.kill()


# ---------------------------------------------------------------- setup() data


@pytest.mark.parametrize("kind,why", [
    # Go's json.Marshal of sobek's export (k6 js/runner.go Setup wraps it:
    # "error marshaling setup() data to JSON: %w"); internal/cmd/run.go
    # returns Scheduler.Run's error as is and cmd/root.go execute() logs it
    # and exits with -1 (255): the error has no exit code of its own
    ("cycle", "json: unsupported value: encountered a cycle via map[string]interface {}"),
    ("array_cycle", "json: unsupported value: encountered a cycle via []interface {}"),
    # sobek exports the object, toJSON included, as a map: a function value
    ("tojson", "json: unsupported type: func(sobek.FunctionCall) sobek.Value"),
    ("nan", "json: unsupported value: NaN"),
    ("inf", "json: unsupported value: -Inf"),
])
def test_setup_data_that_cannot_be_marshalled(c6, kind, why):
    r = c6("hostile_api/setup_marshal.js", "-e", f"K={kind}", with_target=False, timeout=60)
    assert r.code == 255, r
    assert f'msg="error marshaling setup() data to JSON: {why}"' in r.err, r.err
    assert "default data" not in r.err, r.err
    assert "TOTAL RESULTS" in r.out, r.out   # the summary is still written


def test_setup_data_as_go_marshals_it(c6):
    # a BigInt is a *big.Int (its digits), keys come sorted (a Go map),
    # undefined in an array is null
    r = c6("hostile_api/setup_marshal.js", "-e", "K=bigint", with_target=False, timeout=60)
    assert r.code == 0, r
    assert 'default data {\\"a\\":[1,null],\\"b\\":12345678901234567000,\\"z\\":1}' in r.err, r.err


# ---------------------------------------------------------------- Ctrl-C


def test_first_sigint_ends_a_busy_setup(c6_bin):
    c = C6(c6_bin, script_path("hostile_api/busy_setup.js"))
    try:
        assert c.wait_for("setup busy"), c.text()
        c.p.send_signal(signal.SIGINT)
        sent = time.monotonic()
        code, out, err = c.finish(timeout=30)
        # k6 runs setup() in the run's context, which the first signal
        # cancels: exit 105 (ExternalAbort), no default() nor teardown()
        assert code == 105, err
        assert time.monotonic() - sent < 15, err
        assert "Aborting k6 in response to signal" not in err, err
        assert "default ran" not in err and "teardown ran" not in err, err
        assert "script exception" not in err, err
        # internal/cmd/run.go defers the end-of-test summary before the run:
        # it is written whatever Scheduler.Run returned
        assert "TOTAL RESULTS" in out, out
    finally:
        c.kill()


def test_busy_teardown_needs_a_second_sigint_as_in_k6(c6_bin):
    # k6 internal/execution/scheduler.go: "We run teardown() with the global
    # context, so it isn't interrupted by thresholds or test.abort() or even
    # Ctrl+C (unless used twice)"; the second signal exits 105 at once
    c = C6(c6_bin, script_path("hostile_api/busy_teardown.js"))
    try:
        assert c.wait_for("teardown busy"), c.text()
        c.p.send_signal(signal.SIGINT)
        assert c.wait_for("SIGINT received"), c.text()
        time.sleep(1.0)
        assert c.p.poll() is None, c.text()   # still in teardown()
        c.p.send_signal(signal.SIGINT)
        code, out, err = c.finish(timeout=30)
        assert code == 105, err
        # k6 internal/cmd/run.go onHardStop
        assert 'level=error msg="Aborting k6 in response to signal" sig=interrupt' in err, err
    finally:
        c.kill()


def test_busy_handle_summary_is_cut_off(c6_bin):
    # k6 js/runner.go getTimeoutFor(handleSummary): 2 minutes; then
    # internal/cmd/run.go logs the error and writes no summary, the exit
    # code stays. C6_TEST_SUMMARY_TIMEOUT_MS shortens the limit for tests.
    c = C6(c6_bin, script_path("hostile_api/busy_summary.js"), env=_env(C6_TEST_SUMMARY_TIMEOUT_MS="1000"))
    try:
        code, out, err = c.finish(timeout=60)
        assert code == 0, err
        assert ('msg="failed to handle the end-of-test summary" '
                'error="handleSummary() execution timed out after 1 seconds"') in err, err
        assert "iteration_duration" not in out, out   # no summary at all
    finally:
        c.kill()


def test_second_sigint_ends_a_busy_handle_summary(c6_bin):
    c = C6(c6_bin, script_path("hostile_api/busy_summary.js"))
    try:
        assert c.wait_for("summary busy"), c.text()
        c.p.send_signal(signal.SIGINT)
        assert c.wait_for("SIGINT received"), c.text()
        c.p.send_signal(signal.SIGINT)
        code, out, err = c.finish(timeout=30)
        assert code == 105, err
    finally:
        c.kill()
