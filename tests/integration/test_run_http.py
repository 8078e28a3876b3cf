"""k6/http against the built-in target: methods, bodies, headers, errors,
redirects, gzip, json() and connection reuse."""
import json


def _records(r, prefix=None):
    out = []
    for m in r.console():
        if prefix is None:
            out.append(json.loads(m))
        elif m.startswith(prefix + " "):
            out.append(json.loads(m[len(prefix) + 1:]))
    return out


def test_methods_are_sent(c6):
    r = c6("http/methods.js")
    assert r.code == 0, r
    got = {x["name"]: x for x in _records(r)}
    for name, method in [("get", "GET"), ("post", "POST"), ("put", "PUT"), ("patch", "PATCH"),
                         ("del", "DELETE"), ("request-delete", "DELETE"), ("options", "OPTIONS")]:
        assert got[name]["status"] == 200, (name, got[name], r)
        assert got[name]["echoed"] == method, (name, got[name], r)
    for name in ("route-post", "route-put", "route-patch", "route-delete"):
        assert got[name]["status"] == 200, (name, got[name], r)
    assert got["head"]["status"] == 200, r
    assert got["head"]["bodyLen"] == 0, r
    assert got["wrong-method"]["status"] == 405, r
    assert r.count("http_reqs") == 13, r


def test_request_bodies(c6):
    r = c6("http/bodies.js")
    assert r.code == 0, r
    assert _records(r, "string") == [{"status": 200, "data": "hello body"}], r
    form = _records(r, "form")
    assert len(form) == 1, r
    assert form[0]["status"] == 200, r
    assert form[0]["form"] == {"a": "1", "b": "x y&z"}, r
    assert form[0]["ct"].startswith("application/x-www-form-urlencoded"), r
    assert _records(r, "binary") == [{"status": 200, "data": "hi!"}], r
    assert _records(r, "view") == [{"status": 200, "data": "ok"}], r
    assert _records(r, "json") == [{"status": 200, "json": {"k": [1, 2]}}], r


def test_request_headers_and_tags(c6):
    r = c6("http/headers_tags.js")
    assert r.code == 0, r
    assert _records(r, "headers") == [{"status": 200, "custom": "value-1", "accept": "text/plain"}], r


def test_default_request_headers(c6):
    # k6 sends a User-Agent and no Accept-Encoding by default.
    r = c6("http/headers_tags.js")
    assert r.code == 0, r
    d = _records(r, "defaults")
    assert len(d) == 1, r
    assert d[0]["ua"], r
    assert d[0]["acceptEncoding"] is None, r


def test_timeout_gives_status_0_and_code_1050(c6):
    r = c6("http/timeout.js")
    assert r.code == 0, r
    rec = _records(r)
    assert len(rec) == 1, r
    assert rec[0]["status"] == 0, r
    assert rec[0]["error_code"] == 1050, r
    assert rec[0]["hasError"] is True, r
    assert 400 <= rec[0]["ms"] < 1800, r
    assert r.rate("http_req_failed")[1:] == (1, 1), r


def test_connection_refused_code_1212(c6):
    r = c6("http/refused.js", "-i", "2")
    assert r.code == 0, r
    assert _records(r) == [{"status": 0, "error_code": 1212, "hasError": True}] * 2, r
    pct, failed, total = r.rate("http_req_failed")
    assert (pct, failed, total) == (100.0, 2, 2), r
    assert r.count("http_reqs") == 2, r


def test_http_error_status_codes(c6):
    r = c6("http/status404.js")
    assert r.code == 0, r
    assert _records(r) == [
        {"status": 404, "error_code": 1404, "error": ""},
        {"status": 503, "error_code": 1503, "error": ""},
        {"status": 200, "error_code": 0, "error": ""},
    ], r
    assert r.rate("http_req_failed")[1:] == (2, 3), r


def test_redirects_are_followed_and_each_hop_counted(c6):
    r = c6("http/redirects.js")
    assert r.code == 0, r
    rec = _records(r)
    assert len(rec) == 1, r
    assert rec[0]["status"] == 200, r
    assert rec[0]["url"].endswith("/get"), r
    assert r.count("http_reqs") == 4, r


def test_redirects_zero_returns_first_hop(c6):
    r = c6("http/redirects_off.js")
    assert r.code == 0, r
    assert _records(r) == [{"status": 302, "location": "/redirect/2"}], r
    assert r.count("http_reqs") == 1, r


def test_gzip_body_is_decoded(c6):
    r = c6("http/gzip.js")
    assert r.code == 0, r
    rec = _records(r)
    assert len(rec) == 1, r
    assert rec[0]["status"] == 200 and rec[0]["gzipped"] is True and rec[0]["method"] == "GET", r
    assert rec[0]["encoding"] == "gzip", r


def test_json_selectors(c6, target):
    r = c6("http/json.js")
    assert r.code == 0, r
    assert _records(r) == [{
        "status": 200,
        "title": "Load testing with c6",
        "tag1": "load",
        "nslides": 3,
        "item": "checks assert on responses",
        "rating": 4.5,
        "missing": "undefined",
        "whole": "c6 team",
        "titles": ["Virtual users", "Checks and thresholds", "Scenarios"],
        "itemCounts": [0, 2, 2],
        "lists": ["Checks and thresholds", "Scenarios"],
        "long": "Scenarios",
        "like": "list",
        "wild": "c6 team",
        "noMatch": "undefined",
        "contentType": "application/json",
        "url": f"{target}/json",
        "proto": "HTTP/1.1",
    }], r


def test_keep_alive_reuses_connection(c6):
    r = c6("http/keepalive.js", "-i", "2", "--summary-mode=full")
    assert r.code == 0, r
    rec = _records(r)
    assert len(rec) == 2, r
    for reqs in rec:
        assert [x["status"] for x in reqs] == [200] * 6, r
        # After the first request of the VU, the connection is reused.
        assert [x["connecting"] for x in reqs[1:]] == [0] * 5, r
    # The summary agrees: connecting is 0 for most requests.
    assert r.trend("http_req_connecting")["med"] == 0, r


def test_timings_fields(c6):
    r = c6("http/timings.js")
    assert r.code == 0, r
    rec = _records(r)
    assert len(rec) == 1, r
    t = rec[0]
    for k in ("blocked", "connecting", "tls_handshaking", "sending", "waiting", "receiving", "duration"):
        assert isinstance(t.get(k), (int, float)) and t[k] >= 0, (k, t)
    # /delay/100: the server waited ~100 ms before answering.
    assert 90 <= t["waiting"] < 1000, t
    assert abs(t["duration"] - (t["sending"] + t["waiting"] + t["receiving"])) < 1.0, t
    assert t["tls_handshaking"] == 0, t


def test_cookie_jar_kept_within_and_reset_between_iterations(c6):
    r = c6("http/cookies.js", "-i", "2")
    assert r.code == 0, r
    rec = sorted(_records(r), key=lambda x: x["iter"])
    assert rec == [
        {"iter": 0, "before": {}, "viaRedirect": {"flavour": "choc"}, "after": {"flavour": "choc"}},
        {"iter": 1, "before": {}, "viaRedirect": {"flavour": "choc"}, "after": {"flavour": "choc"}},
    ], r


def test_basic_auth_from_url_credentials(c6):
    r = c6("http/basic_auth.js")
    assert r.code == 0, r
    assert _records(r) == [{"ok": 200, "user": "alice", "bad": 401, "none": 401}], r


def test_expected_response_submetric_in_summary(c6):
    # k6 always shows http_req_duration{expected_response:true} under http_req_duration.
    r = c6("http/status404.js")
    assert r.code == 0, r
    assert "http_req_duration{expected_response:true}" in r.metrics, r


def test_large_bodies_arrive_whole(c6):
    r = c6("http/large_body.js")
    assert r.code == 0, r
    assert _records(r) == [{"status": 200, "isBuffer": True, "length": 1000000, "echoed": 100000}], r
    # data_received counts at least the 1 MB body (summary shows it in MB).
    assert r.metric("data_received").split()[1] in ("MB", "GB"), r
    assert r.count("data_received") >= 1.0, r
    assert r.count("data_sent") >= 100, r  # 100 kB body, shown in kB


def test_numeric_timeout_is_milliseconds(c6):
    r = c6("http/timeout_number.js")
    assert r.code == 0, r
    assert _records(r) == [{"status": 0, "error_code": 1050}], r
    assert r.elapsed < 1.9, r


def test_expected_statuses_and_response_callbacks(c6):
    r = c6("http/expected_statuses.js")
    assert r.code == 0, r
    assert r.count("http_reqs") == 6, r
    # 5 requests had a callback (default or set); the last one has none
    assert r.rate("http_req_failed")[1:] == (2, 5), r
    assert r.threshold("http_reqs{expected_response:true}", "count==3") is True, r
    assert r.threshold("http_reqs{expected_response:false}", "count==2") is True, r


def test_dns_failure_is_1101_for_both_clients(c6):
    r = c6("http/dns_fail.js")
    assert r.code == 0, r
    recs = [json.loads(m) for m in r.console()]
    assert recs == [{"status": 0, "code": 1101, "error": "lookup nohost.invalid: no such host"}] * 2, r
    assert r.rate("http_req_failed")[1:] == (2, 2), r


def test_status_text(c6):
    r = c6("http/status_text.js")
    assert r.code == 0, r
    assert json.loads(r.console()[0]) == ["404 Not Found", ""], r


def test_response_lazy_fields_serialise_and_assign(c6):
    import json as _json
    r = c6("http/lazy_response.js")
    assert r.code == 0, r
    got = _json.loads(r.console()[0])
    assert got["keys"] == sorted(["body", "cookies", "error", "error_code", "headers", "proto", "remote_ip",
                                  "remote_port", "request", "status", "status_text", "timings", "url",
                                  "tls_version", "tls_cipher_suite", "ocsp"]), got
    assert got["probe"] == ["p1"] and got["ua"] == "string", got
    assert got["ctype"].startswith("application/json") and got["timing"] and got["again"], got
    assert r.console()[1] == "replaced", r


def test_http_debug_logs_each_hop(c6):
    r = c6("http/debug.js", "-i", "1", "--http-debug")
    assert r.code == 0, r
    dbg = [l for l in r.err.splitlines() if "source=http-debug" in l]
    assert len(dbg) == 6, r.err                      # 3 hops, request and response each
    assert 'msg="Request:\\nPOST /post HTTP/1.1\\nHost: ' in dbg[0] and "X-A: 1" in dbg[0], dbg[0]
    assert "secret-body" not in r.err, r.err          # headers only
    assert 'msg="Response:\\nHTTP/1.1 302 Found' in dbg[3] and "iter=0" in dbg[3] and "vu=1" in dbg[3], dbg[3]
    r = c6("http/debug.js", "-i", "1", env={"K6_HTTP_DEBUG": "full"})
    assert "secret-body" in r.err and '\\"data\\":\\"secret-body\\"' in r.err, r.err
    r = c6("http/debug.js", "-i", "1")
    assert "http-debug" not in r.err, r.err


def test_async_request_runs_in_parallel_and_chains(c6):
    r = c6("http/async.js")
    assert r.code == 0, r
    rec = _records(r)[0]
    assert rec["a"] == 200 and rec["b"] == 200, rec
    assert 250 <= rec["together"] < 550, rec          # two 300 ms requests at once, not 600 ms
    assert rec["chained"] == "hi", rec
    assert rec["refused"] == {"status": 0, "code": 1212}, rec
    assert r.count("http_reqs") == 5, r
    r = c6("http/async.js", "-e", "THROW=1")
    assert r.code == 0, r
    assert "connection refused" in _records(r)[0]["refused"]["thrown"], r
