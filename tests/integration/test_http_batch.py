"""http.batch against the built-in target: request forms, array and object
results, errors that do not stop the other requests, samples per request
and hop, and parallelism within k6's default limits."""
import json
import signal

from test_run_signals import _interrupt


def records(r, tag):
    prefix = tag + " "
    return [json.loads(m[len(prefix):]) for m in r.console() if m.startswith(prefix)]


def test_batch_forms_results_and_errors(c6, target, tmp_path):
    out = tmp_path / "samples.json"
    r = c6("http/batch.js", "-o", f"json={out}")
    assert r.code == 0, r
    arr = records(r, "array")[0]
    T = target
    assert arr == [
        {"status": 200, "method": "GET", "url": T + "/get?n=1", "error_code": 0},
        {"status": 200, "method": "POST", "url": T + "/post", "error_code": 0},
        {"status": 200, "method": "PUT", "url": T + "/put", "error_code": 0},
        {"status": 200, "method": "GET", "url": T + "/anything", "error_code": 0},
        {"status": 200, "method": "GET", "url": T + "/get?n=5", "error_code": 0},
        {"status": 404, "method": "GET", "url": T + "/status/404", "error_code": 1404},
        {"status": 200, "method": "GET", "url": T + "/anything/7", "error_code": 0},
        {"status": 0, "method": "GET", "url": "http://127.0.0.1:1/refused", "error_code": 1212},
        {"status": 200, "method": "GET", "url": T + "/get", "error_code": 0},
    ], r
    d = records(r, "details")[0]
    assert d["postHeader"] == "yes" and d["postData"] == "raw body", r
    assert d["putForm"] == {"k": "v"}, r
    assert d["getBody"] == "", r                       # an object request's GET body is dropped
    assert "connection refused" in d["refused"], r
    obj = records(r, "object")[0]
    assert obj == {
        "first": {"status": 200, "method": "GET", "url": T + "/get?o=1", "error_code": 0},
        "second": {"status": 200, "method": "DELETE", "url": T + "/delete", "error_code": 0},
        "third": {"status": 200, "method": "PATCH", "url": T + "/patch", "error_code": 0},
        "viaCurl": {"status": 200, "method": "GET", "url": T.replace("://", "://u:pw@") + "/basic-auth/u/pw",
                    "error_code": 0},
    }, r
    assert records(r, "empty")[0] == {"array": [], "object": {}}, r
    # k6 (js/modules/k6/http/request.go Batch): a request that does not parse
    # is logged as "A batch request failed" and the batch returns without
    # throwing; an argument that is no array/object throws
    errors = records(r, "errors")[0]
    assert errors == [None, None, None, "GoError: invalid http.batch() argument type string"], r
    failed = [x["error"] for x in r.logs(level="warning") if x["msg"] == "A batch request failed"]
    assert failed == ["invalid batch request '[]interface {}{\"GET\"}'",
                      "batch request 0 doesn't have a url key", "invalid method type '1'"], r

    # 9 requests + 2 redirect hops + 4 = 15, each with its own samples
    assert r.count("http_reqs") == 15, r
    reqs = [json.loads(l) for l in out.read_text().splitlines()]
    reqs = [s["data"]["tags"] for s in reqs if s.get("type") == "Point" and s["metric"] == "http_reqs"]
    assert len(reqs) == 15, reqs
    names = [t.get("name") for t in reqs]
    assert names.count("batched-post") == 1, names
    assert sum(1 for t in reqs if t.get("url", "").startswith(T + "/redirect/")) == 2, reqs
    assert "${}/anything/${}" in names, names   # http.url's name tag (the target is a value too)


def test_batch_runs_requests_in_parallel_within_limits(c6):
    delay = 400
    r = c6("http/batch_parallel.js", "-e", f"DELAY={delay}", timeout=60)
    assert r.code == 0, r
    t = json.loads(r.console()[0])
    assert all(v["ok"] for v in t.values()), t
    # one wave takes one delay; a second wave can only start after the first
    # request of the first is done, so it takes at least two
    assert delay <= t["six"]["ms"] < 1.75 * delay, t
    assert t["seven"]["ms"] >= 2 * delay, t          # batchPerHost: 6
    assert delay <= t["twenty"]["ms"] < 1.75 * delay, t
    assert t["twentyFour"]["ms"] >= 2 * delay, t     # batch: 20
    assert r.count("http_reqs") == 6 + 7 + 20 + 24, r


def test_interrupt_during_a_batch(c6_bin, target):
    # requests in flight on both clients (h1, and libcurl for the URL with
    # credentials) are abandoned when the test stops
    r, stopped = _interrupt(c6_bin, target, signal.SIGINT, script="http/batch_interrupt.js")
    assert r.code == 105, r
    assert stopped < 5.0, (stopped, r)
    assert "batch done" not in r.console(), r


def test_interrupt_during_a_single_request(c6_bin, target, c6):
    # http.get & co. run their one call outside the batch queue (http_run's
    # single-call path): a signal abandons it as it does a batch's requests
    r, stopped = _interrupt(c6_bin, target, signal.SIGINT, script="http/get_interrupt.js")
    assert r.code == 105, r
    assert stopped < 5.0, (stopped, r)
    assert not any(m.startswith("get done") for m in r.console()), r
    # ... and so does the scenario's end with gracefulStop 0s: k6 counts the
    # iteration as interrupted (lib/executor/helpers.go, getIterationRunner:
    # its context is done) and the cancelled request makes no http_reqs sample
    r = c6("http/get_interrupt.js", "-e", "STOP=end", timeout=20)
    assert r.code == 0, r
    assert r.elapsed < 8.0, r
    assert not any(m.startswith("get done") for m in r.console()), r
    assert "0 complete and 1 interrupted iterations" in r.out, r
    assert "http_reqs" not in r.out, r
