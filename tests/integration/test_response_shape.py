"""What a script sees of a Response object, pinned before issue 17's rework
of how one is made (snapshot memory, lazy fields, defining properties):
own keys and their order as fields are read (Object.keys: body, then each
lazy field when first read), descriptors (plain writable, enumerable,
configurable data properties), lazy fields read after later requests (each
Response keeps its own request, URL, headers), JSON.stringify's order (k6's
field order, through toJSON), responseType binary/none, a failed request,
writes and deletes. The expected values are c6's at be40b61; the k6 facts
behind them are in lib/netext/httpext/response.go (Response's fields and
their JSON names, in this order) and request.go (MakeRequest)."""
import json

UA = "c6/0.1.0 (k6-compatible; +https://k6.io/)"
# k6's Response struct order (response.go), as JSON.stringify shows it
K6_ORDER = ["remote_ip", "remote_port", "url", "status", "status_text", "proto", "headers", "cookies",
            "timings", "tls_version", "tls_cipher_suite", "ocsp", "error", "error_code", "request"]
# ResponseTimings' order (response.go)
TIMINGS = ["duration:number", "blocked:number", "looking_up:number", "connecting:number",
           "tls_handshaking:number", "sending:number", "waiting:number", "receiving:number"]
NO_OCSP = {"produced_at": 0, "this_update": 0, "next_update": 0, "revocation_reason": "", "revoked_at": 0,
           "status": ""}
PLAIN = {"writable": True, "enumerable": True, "configurable": True}


def _lines(r):
    out = {}
    for m in r.console():
        tag, _, rest = m.partition(" ")
        out[tag] = json.loads(rest)
    return out


def test_response_keys_descriptors_and_late_reads(c6, target):
    r = c6("http/response_shape.js", "-i", "1")
    assert r.code == 0, r
    got = _lines(r)
    a = got["a"]
    # body is defined with the Response; each lazy field joins the own keys when read
    assert a["k0"] == ["body"], a
    assert a["k1"] == ["body", "status"], a
    assert a["k2"] == ["body", "status", "url"], a          # getOwnPropertyDescriptor builds it too
    assert a["dStatus"] == dict(PLAIN, value=200), a
    assert a["dUrl"] == dict(PLAIN, value=f"{target}/get?x=1"), a
    assert a["dBody"]["writable"] and a["dBody"]["enumerable"] and a["dBody"]["configurable"], a
    assert json.loads(a["dBody"]["value"])["headers"]["X-Probe"] == "p1", a
    assert a["dNone"] is True and a["has"] == [True, True, True], a
    late = a["late"]
    # read after four other requests: still this request's values
    assert late["url"] == f"{target}/get?x=1" and late["status"] == 200, late
    assert late["status_text"] == "200 OK" and late["proto"] == "HTTP/1.1", late
    assert late["remote_ip"] == "127.0.0.1" and late["port"] == "number", late
    assert late["error"] == "" and late["error_code"] == 0, late
    assert late["tls"] == ["", "", json.dumps(NO_OCSP, separators=(",", ":"))], late
    assert late["req"][:3] == ["GET", f"{target}/get?x=1", ""], late
    assert json.loads(late["req"][3]) == {"X-Probe": ["p1"], "User-Agent": [UA], "Cookie": ["c1=v1"]}, late
    assert list(json.loads(late["req"][3])) == ["X-Probe", "User-Agent", "Cookie"], late
    assert json.loads(late["req"][4]) == {"c1": [{"name": "c1", "value": "v1", "replace": False}]}, late
    assert late["ctype"] == "application/json" and late["cookies"] == "{}" and late["body"] == "p1", late
    assert late["keys"] == ["body", "status", "url", "headers", "timings", "status_text", "proto", "remote_ip",
                            "remote_port", "error", "error_code", "tls_version", "tls_cipher_suite", "ocsp",
                            "request", "cookies"], late

    # JSON.stringify: toJSON builds the rest in k6's order, after body
    b = got["b"]
    assert b["keys"] == ["body"] + K6_ORDER, b
    j = b["j"]
    assert list(j) == K6_ORDER, j
    assert j["url"] == f"{target}/get" and j["status"] == 200 and j["status_text"] == "200 OK", j
    assert j["headers"] == {"Date": "string", "Content-Type": "application/json", "Content-Length": "176"}, j
    assert j["timings"] == TIMINGS and j["ocsp"] == NO_OCSP and j["cookies"] == {}, j
    assert j["request"] == {"method": "POST", "url": f"{target}/redirect-to?url=/get",
                            "headers": {"X-Other": ["o"], "User-Agent": [UA]}, "body": "payload",
                            "cookies": {}}, j

    assert got["c"] == {"body": True, "len": 0, "st": 404, "stext": "404 Not Found", "err": "", "code": 1404,
                        "keys": ["body", "status", "status_text", "error", "error_code"]}, got["c"]
    assert got["n"] == {"body": None, "st": 200, "keys": ["body", "status"]}, got["n"]

    e = got["e"]
    assert list(e) == ["body"] + K6_ORDER, e
    assert e["body"] is None and e["status"] == 0 and e["status_text"] == "" and e["proto"] == "", e
    assert e["error"] == "dial: connection refused" and e["error_code"] == 1212, e
    assert e["url"] == "http://127.0.0.1:1/x" and e["headers"] == {} and e["timings"] == TIMINGS, e
    assert e["request"] == {"method": "GET", "url": "http://127.0.0.1:1/x", "headers": {"User-Agent": [UA]},
                            "body": "", "cookies": {}}, e
    assert got["e2"] == ["body"] + K6_ORDER, got

    # Responses share the shapes their VU keeps (made with {body}'s, {body, status}'s taken when status is
    # read first): one Response's additions, deletes, preventExtensions, defineProperty stay its own, and
    # the next Response starts from {body} again (c6's values at 0181a8a, before the shapes were shared)
    assert got["s"] == {
        "s1": [200, ["body", "status", "extra"], "string"],
        "s2": [[], 200, ["status"], None],
        "s3": [["body"], 200, ["body"], False],  # not extensible: status read, not added
        "s4": [7, ["body"], json.dumps({"value": 7, "writable": False, "enumerable": False,
                                        "configurable": False}, separators=(",", ":"))],
        "s5": ["object", 200, ["body", "headers", "status"]],
        "s6": [404, None, False, ["body"]],  # deleted after it was built: gone
        "s7": [[["body"], 200, ["body", "status"]], 3, ["body", "status"]],
        "s1again": ["body", "status", "extra"],
    }, got["s"]

    # a lazy field once built is a plain property: deleted stays deleted, written keeps the value
    assert got["w"] == [None, "mine", False, ["body", "status", "url", "headers", "timings", "proto", "remote_ip",
                                              "remote_port", "error", "error_code", "tls_version",
                                              "tls_cipher_suite", "ocsp", "request", "cookies"]], got["w"]
