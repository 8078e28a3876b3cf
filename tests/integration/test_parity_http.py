"""Parity corpus for k6/http (issue 10): each case names the k6 value or
line expected and where in k6's source (grafana/k6) it comes from."""
import json
import re

import pytest


def _console(r, prefix):
    return [json.loads(m[len(prefix) + 1:]) for m in r.console() if m.startswith(prefix + " ")]


def _points(path, metric):
    out = []
    with open(path) as f:
        for line in f:
            d = json.loads(line)
            if d.get("type") == "Point" and d["metric"] == metric:
                out.append(d["data"])
    return out


# ---- item 1: http.setResponseCallback ------------------------------------

def test_global_response_callback_counts_404_as_expected(c6):
    # k6: js/modules/k6/http/response_callback.go Client.SetResponseCallback;
    # parseRequest copies c.responseCallback into every request. With
    # expectedStatuses(200, 404) a 404 is expected: http_req_failed 0.00%
    # 0 out of 4, the rate==0 threshold passes and k6 exits 0.
    r = c6("parity/http/response_callback_global.js")
    assert r.code == 0, r
    assert r.rate("http_req_failed")[1:] == (0, 4), r
    assert r.threshold("http_req_failed", "rate==0") is True, r
    assert r.threshold("http_reqs{expected_response:true}", "count==4") is True, r


def test_null_response_callback_drops_tag_and_metric(c6, tmp_path):
    # k6: lib/netext/httpext/transport.go measureAndEmitMetrics: the
    # expected_response tag and the http_req_failed sample exist only when
    # the request's responseCallback is not nil; params.responseCallback
    # replaces the global one (js/modules/k6/http/request.go parseRequest).
    out = tmp_path / "m.json"
    r = c6("parity/http/response_callback_null.js", "-o", f"json={out}")
    assert r.code == 0, r
    reqs = [(p["tags"]["status"], p["tags"].get("expected_response")) for p in _points(out, "http_reqs")]
    assert reqs == [("500", None), ("503", "true"), ("302", "false"), ("302", None)], reqs
    failed = [(p["tags"]["status"], p["value"]) for p in _points(out, "http_req_failed")]
    assert failed == [("503", 0), ("302", 1)], failed


# ---- items 5 and 13: timings --------------------------------------------

def test_failed_request_timings_and_looking_up(c6):
    r = c6("parity/http/timings_failed.js", timeout=60)
    assert r.code == 0, r
    tmo = {x["client"]: x for x in _console(r, "timeout")}
    for client in ("h1", "curl"):
        x = tmo[client]
        # k6: status 0, error_code 1050; lib/netext/httpext/tracer.go
        # Tracer.Done: sent and never answered -> waiting = now - wroteRequest,
        # duration = sending + waiting + receiving: ~1000 ms for timeout '1s'.
        assert (x["status"], x["code"]) == (0, 1050), (client, x)
        t = x["t"]
        assert 950 <= t["duration"] <= 2500, (client, t)
        assert 950 <= t["waiting"] <= 2500, (client, t)
        assert t["receiving"] == 0, (client, t)
        assert abs(t["duration"] - (t["sending"] + t["waiting"] + t["receiving"])) < 0.01, (client, t)
    # k6 Tracer.Done: a refused dial never gets a connection (GotConn) nor
    # ConnectDone nor WroteRequest: every phase is 0.
    ref = _console(r, "refused")[0]
    assert (ref["status"], ref["code"]) == (0, 1212), ref
    assert set(ref["t"].values()) == {0}, ref
    # k6: lib/netext/httpext/response.go ResponseTimings field order; the
    # LookingUp field is never set by updateK6Response (request.go): 0 for
    # an IP literal and for a name alike.
    assert _console(r, "keys")[0] == ["duration", "blocked", "looking_up", "connecting",
                                      "tls_handshaking", "sending", "waiting", "receiving"], r
    assert _console(r, "lookup")[0] == [0, 0], r
    # the summary's http_req_duration holds the timeouts' ~1 s (k6: the
    # Trail's Duration is what http_req_duration gets, tracer.go SaveSamples)
    assert r.trend("http_req_duration")["max"] >= 950, r


# ---- item 14: Response.json() -------------------------------------------

def test_json_errors_as_k6(c6):
    # k6: js/modules/k6/http/response.go Response.JSON and checkErrorInJSON;
    # errors are Go errors, which sobek throws as GoError.
    r = c6("parity/http/json_errors.js")
    assert r.code == 0, r
    got = {m.split(" ", 1)[0]: json.loads(m.split(" ", 1)[1]) for m in r.console()}
    null_msg = ("GoError: the body is null so we can't transform it to JSON - "
                "this likely was because of a request error getting the response")
    assert got == {
        # a selector on a body that is not JSON: gjson.ValidBytes fails -> undefined
        "sel": "undefined",
        # no selector: json.Unmarshal's SyntaxError (Offset 1) at "line 1, character 2"
        "nosel": "GoError: cannot parse json due to an error at line 1, character 2 , "
                 "error: invalid character '<' looking for beginning of value",
        "drip": "GoError: cannot parse json due to an error at line 1, character 2 , "
                "error: invalid character '*' looking for beginning of value",
        # responseType 'none' and a failed request have a null body: thrown, selector or not
        "null": null_msg, "nullsel": null_msg, "failed": null_msg,
        # an ArrayBuffer body is parsed too (common.ToBytes)
        "binary": '"object"',
        # a path that matches nothing: undefined
        "missing": "undefined",
    }, r.console()


# ---- item 9: one URL resolver, RFC 3986 as Go's ResolveReference ---------

def test_relative_urls_resolve_as_go(c6, target):
    # k6: a redirect's Location is resolved by net/http (req.URL.Parse(loc),
    # i.e. url.ResolveReference); Response.clickLink/submitForm
    # (js/modules/k6/http/response.go) and k6/html's href()/action()
    # (js/modules/k6/html, attrAsURLString) call ResolveReference too.
    r = c6("parity/http/url_resolution.js")
    assert r.code == 0, r
    got = {m.split(" ", 1)[0]: json.loads(m.split(" ", 1)[1]) for m in r.console()}
    T = target
    assert got["redirect"] == {"status": 200, "url": T + "/get"}, got          # not /../get
    assert got["redirect2"] == {"status": 200, "url": T + "/anything/"}, got
    assert got["click"] == {"status": 200, "url": T + "/anything/x/y"}, got    # not /a/b/../../x/./y
    assert got["submit"] == {"status": 200, "url": T + "/anything/a/"}, got
    # attr() is the raw attribute; href()/action() are resolved
    assert got["href"] == [T + "/anything/x/y", T + "/anything/a/", "../q/../r"], got


# ---- item 19: http.batch's first request reuses the VU's connection ------

def test_batch_first_request_reuses_vu_connection(c6):
    # k6: every VU has its own http.Transport (js/runner.go newVU); the
    # keep-alive connection of the VU's GET is idle in that transport when
    # lib/netext/httpext/batch.go MakeBatchRequests starts the batch, so the
    # first request reuses it: timings.connecting == 0 for 50 of 50 VUs.
    for _ in range(2):
        r = c6("parity/http/batch_reuse.js")
        assert r.code == 0, r
        assert r.count("batch_first_reused") == 50, r
        assert "batch_first_connected" not in r.metrics or r.count("batch_first_connected") == 0, r


# ---- messages: "Request Failed", thrown errors, Response.error -----------

def test_request_failed_warnings_and_errors(c6, target):
    r = c6("parity/http/request_failed.js")
    assert r.code == 0, r
    warn = [x["error"] for x in r.logs(level="warning") if x["msg"] == "Request Failed"]
    # k6: lib/netext/httpext/request.go MakeRequest logs
    #   level=warning msg="Request Failed" error="<net/http's url.Error>"
    # (Op "Get"/"Post", the URL with its password as "***" (stripPassword),
    # then Go's dial error or k6's K6Error "request timeout");
    # js/modules/k6/http/request.go Request logs parse errors unwrapped.
    assert warn == [
        'Get "http://127.0.0.1:1/": dial tcp 127.0.0.1:1: connect: connection refused',
        'Post "http://u:***@127.0.0.1:1/x": dial tcp 127.0.0.1:1: connect: connection refused',
        f'Get "{target}/delay/3000": request timeout',
        'Get "ftp://x/": unsupported protocol scheme "ftp"',
        "invalid URL: parse \"http://[::1\": missing ']' in host",
    ], r.err
    got = {m.split(" ", 1)[0]: json.loads(m.split(" ", 1)[1]) for m in r.console()}
    # Response.error: k6's errorCodeForError (lib/netext/httpext/error_codes.go):
    # tcpDialRefusedErrorCodeMsg for ECONNREFUSED; Go's text for the rest;
    # httpext.NewURL's K6Error "invalid URL: ..." with code 1020
    assert got["refused"] == [0, 1212, "dial: connection refused"], got
    assert got["scheme"] == [0, 1000, 'unsupported protocol scheme "ftp"'], got
    assert got["parse"] == [0, 1020, "invalid URL: parse \"http://[::1\": missing ']' in host"], got
    # params.throw (request.go parseRequest "throw"): the url.Error is thrown
    # (sobek: GoError) and not logged
    assert got["thrown"] == 'GoError: Delete "http://127.0.0.1:1/t": dial tcp 127.0.0.1:1: connect: connection refused', got
    # a URL that does not parse makes no request: 4 samples, not 5 (+1 thrown)
    assert r.count("http_reqs") == 5, r


# ---- messages: --http-debug ----------------------------------------------

def test_http_debug_dump_format(c6, target):
    # k6: lib/netext/httpext/httpdebug_transport.go: Infof("Request:\n%s\n") of
    # httputil.DumpRequestOut with "\r\n" replaced by "\n" (Host, User-Agent,
    # Content-Length, the other headers sorted, then the Accept-Encoding: gzip
    # the dump's transport adds), the same for DumpResponse (Content-Length
    # first, then sorted); request_id a UUID v4 (gouuid NewV4) for the pair.
    r = c6("http/debug.js", "-i", "1", "--http-debug", "--user-agent", "ua-test")
    assert r.code == 0, r
    recs = r.logs(source="http-debug")
    assert len(recs) == 6, r.err
    host = target.split("://", 1)[1]
    assert recs[0]["msg"] == (f"Request:\nPOST /post HTTP/1.1\nHost: {host}\nUser-Agent: ua-test\n"
                              "Content-Length: 11\nX-A: 1\nAccept-Encoding: gzip\n\n\n"), recs[0]
    assert recs[2]["msg"] == (f"Request:\nGET /redirect/1 HTTP/1.1\nHost: {host}\nUser-Agent: ua-test\n"
                              "Accept-Encoding: gzip\n\n\n"), recs[2]
    resp = recs[3]["msg"]
    assert re.fullmatch(r"Response:\nHTTP/1\.1 302 Found\nContent-Length: 0\nDate: [^\n]+\nLocation: /get\n\n\n", resp), resp
    assert "\r" not in r.err, r.err
    ids = [x["request_id"] for x in recs]
    assert all(re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", i) for i in ids), ids
    assert ids[0] == ids[1] and ids[2] == ids[3] and ids[0] != ids[2], ids


def test_http_debug_dump_url_userinfo(c6, target):
    # Go's Client.send sets "Authorization: Basic base64(user:pass)" from the URL's
    # user info (percent-decoded) before the transport k6 dumps from
    # (httpdebug_transport.go), so the dump shows it, sorted among the other
    # headers; Host has no user info; the fragment is not sent.
    r = c6("http/debug_userinfo.js", "-i", "1", "--http-debug", "--user-agent", "ua-test")
    assert r.code == 0, r
    recs = r.logs(source="http-debug")
    host = target.split("://", 1)[1]
    assert recs[0]["msg"] == (f"Request:\nGET /get?x=1 HTTP/1.1\nHost: {host}\nUser-Agent: ua-test\n"
                              "Authorization: Basic dXNAZXI6cDpzcw==\nAccept-Encoding: gzip\n\n\n"), recs[0]


# ---- audit: k6/http's other user-visible errors --------------------------

def test_audit_messages(c6, target):
    r = c6("parity/http/audit_messages.js")
    assert r.code == 0, r
    got = {m.split(" ", 1)[0]: json.loads(m.split(" ", 1)[1]) for m in r.console()}
    neither = "argument number {} to expectedStatuses was neither an integer nor an object like {{min:100, max:329}}"
    assert got["es"] == [
        # js/modules/k6/http/response_callback.go expectedStatuses (common.Throw: GoError)
        "GoError: no arguments",
        "GoError: " + neither.format(2),
        "GoError: " + neither.format(1),
        "GoError: both min and max need to be integers for argument number 1",
        "GoError: " + neither.format(1),           # 200.5 fails Number.isInteger
        # response_callback.go Client.SetResponseCallback
        "GoError: unsupported argument, expected http.expectedStatuses",
        # request.go Batch
        "GoError: invalid http.batch() argument type int64",
        "GoError: http.batch() accepts only an array or an object of requests",
    ], got
    # request.go parseRequest errors: logged "Request Failed", the Response
    # carries them (status 0, error_code 0: no K6Error)
    parse = [
        'invalid timeout value: time: unknown unit "x" in duration "5x"',   # types.ParseExtendedDuration
        "blob does not belong to ResponseType values",                      # enumer's ResponseTypeString
        "unknown request body type bool",
        "unknown request body type []interface {}",
        "unsupported responseCallback",
        # lib/netext/httpext/url.go ToURL: neither a string nor http.url`...`: K6Error 1020
        "invalid URL: '#<nil>'",
        "invalid URL: '#42'",
    ]
    assert got["parse"] == [[0, 1020 if p.startswith("invalid URL") else 0, p] for p in parse], got
    assert [x["error"] for x in r.logs(level="warning") if x["msg"] == "Request Failed"] == parse, r.err
    assert got["auth"] == 200, got       # httpext MakeRequest acts on "digest"/"ntlm" only
    # js/modules/k6/http/response.go HTML, SubmitForm, ClickLink
    page = target + "/html"
    assert got["html"] == [
        "GoError: the body is null so we can't transform it to HTML - this likely was because of a request error getting the response",
        f"GoError: no form found for selector '#nope' in response '{page}'",
        f"GoError: no valid href attribute value found on element 'p.intro' in response '{page}'",
        f"GoError: no element found for selector 'a.nope' in response '{page}'",
    ], got
    # no request was made for the seven: only the GETs after them have samples
    assert r.count("http_reqs") == 3, r


def test_request_in_init_context(c6):
    # js/modules/k6/http/request.go ErrHTTPForbiddenInInitContext; an init
    # error is a script error (exit 107)
    r = c6("parity/http/init_request.js", with_target=False)
    assert r.code == 107, r
    assert "GoError: Making http requests in the init context is not supported" in r.err, r


def test_redirect_limit_warning(c6, target):
    # k6 (lib/netext/httpext/request.go CheckRedirect): len(via) > Redirects
    # returns the redirection; when neither params.redirects nor the
    # maxRedirects option was given it warns with len(via) (11 requests
    # made for the default 10) and the first request's URL
    msg = ("Stopped after 11 redirects and returned the redirection; pass { redirects: n } "
           "in request params or set global maxRedirects to silence this")
    r = c6("parity/http/redirect_limit.js")
    assert r.code == 0, r
    warn = [x for x in r.logs(level="warning") if x["msg"].startswith("Stopped after")]
    assert [(x["msg"], x["url"]) for x in warn] == [(msg, target + "/redirect/12")], r.err
    assert r.console() == ["default " + json.dumps([302, target + "/redirect/2"], separators=(",", ":"))], r
    r = c6("parity/http/redirect_limit.js", "--max-redirects", "10")
    assert "Stopped after" not in r.err, r.err


def test_content_length_header_is_replaced(c6, target):
    r = c6("parity/http/content_length.js")
    assert r.code == 0, r
    assert r.console() == ['sent [200,"hello","5"]'], r
    warn = [x["msg"] for x in r.logs(level="warning") if "Content-Length" in x["msg"]]
    assert warn == [f'The specified Content-Length header "3" in the POST request for {target}/post '
                    "doesn't match the actual request body length of 5, so it will be ignored!"], r.err


def test_compression_with_own_content_encoding(c6, target):
    r = c6("parity/http/compression_header.js")
    assert r.code == 0, r
    assert r.console() == ['sent ["br"]'], r          # one header, the script's
    warn = [x["msg"] for x in r.logs(level="warning") if "mismatch" in x["msg"]]
    assert warn == ["There's a mismatch between the desired `compression` the manually set `Content-Encoding` "
                    f"header in the POST request for '{target}/post', the custom header has precedence and "
                    "won't be overwritten. This may result in invalid data being sent to the server."], r.err
