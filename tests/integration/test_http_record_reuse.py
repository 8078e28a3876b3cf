"""Requests made one after another by a VU reuse the worker's request record
(k6/http's http_call, from a slab pool), which http_do clears but for its big
arrays (http.c's http_call_clear, issue 17's cost per iteration): nothing of
a request may show in the next one's Response or samples. The by-hand fast
paths of a hop (http_run.c: http_unsupported's http(s)://host check,
http_utoa's three-digit status) must say what the general code says."""
import json


UA = "c6/0.1.0 (k6-compatible; +https://k6.io/)"


def _reqs(path):
    out = []
    for line in open(path, encoding="utf-8"):
        d = json.loads(line)
        if d.get("type") == "Point" and d.get("metric") == "http_reqs":
            t = d["data"]["tags"]
            out.append((t.get("url"), t.get("status"), t.get("error_code"), t.get("t"), t.get("method")))
    return out


def test_record_reuse_and_fast_paths(c6, target, tmp_path):
    js = tmp_path / "out.json"
    r = c6("http/record_reuse.js", "--out", f"json={js}")
    assert r.code == 0, r.err
    got = json.loads(r.console()[-1])
    # the first request used every part of the record (form body and its
    # Content-Type, a header, a cookie, a tag) and failed: k6's dial error
    f = got["fail"]
    assert (f["status"], f["error"], f["code"]) == (0, "dial: connection refused", 1212), f
    assert f["req"]["headers"] == {"X-A": ["b"], "User-Agent": [UA],
                                   "Content-Type": ["application/x-www-form-urlencoded"], "Cookie": ["c=v"]}, f
    assert (f["req"]["method"], f["req"]["body"]) == ("POST", "a=1"), f
    # the GETs after it: none of that (k6's Response of a plain GET)
    for name, path, status, code in (("get", "/get", 200, 0), ("s404", "/status/404", 404, 1404),
                                     ("after", "/get", 200, 0)):
        g = got[name]
        assert (g["status"], g["error"], g["code"], g["proto"], g["tls"], g["cipher"], g["body"]) == (
            status, "", code, "HTTP/1.1", "", "", "string"), (name, g)
        assert g["url"] == g["req"]["url"] == target + path, (name, g)
        assert g["req"] == {"method": "GET", "url": target + path, "headers": {"User-Agent": [UA]}, "body": "",
                            "cookies": {}}, (name, g)
    # Go's url.Parse takes the scheme in any case
    assert got["upper"] == 200, got
    # net/http's Transport.roundTrip: a URL without a host, a scheme other
    # than http/https (Go's texts; k6's default code 1000)
    nohost = [0, "http: no Host in request URL", 1000]
    for u in ("http:///x", "http://?x", "http://#f", "http://", "http:/x"):
        assert got[u] == nohost, (u, got[u])
    assert got["httpx://127.0.0.1:1/"] == [0, 'unsupported protocol scheme "httpx"', 1000], got
    assert got["htt://a/"] == [0, 'unsupported protocol scheme "htt"', 1000], got
    # the samples' status and error_code tags (k6: status "0" and the code
    # for a failure, the status's 1000 + n from 400, no error_code below)
    reqs = _reqs(js)
    assert reqs[:3] == [("http://127.0.0.1:1/x", "0", "1212", "x", "POST"),
                        (target + "/get", "200", None, None, "GET"),
                        (target + "/status/404", "404", "1404", None, "GET")], reqs
    assert [x[1:3] for x in reqs[4:9]] == [("0", "1000")] * 5, reqs
    assert (target + "/get", "200", None, None, "GET") in reqs, reqs
    # the cached URL string: each request saw its own URL, redirects and
    # digest's credentials (cut out of a copy) as without the cache
    cache, nocache = got["cache"], got["nocache"]
    assert cache == nocache, (cache, nocache)
    host = target.replace("http://", "")
    assert [x[0] for x in cache] == [200, 201, 200, 200, 200, 200, 200, 200, 200, 200, 200], cache
    assert cache[4][1:3] == [target + "/get", target + "/redirect/2"], cache
    assert cache[9][1] == f"http://{host}/digest-auth/auth/alice/s:cret", cache
    assert got["du"] == f"http://alice:s%3Acret@{host}/digest-auth/auth/alice/s:cret", got["du"]
