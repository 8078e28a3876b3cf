"""k6/http cookies against the built-in target: the CookieJar API (with Go's
cookie jar rules, as k6 uses them), params.jar, params.cookies, and the
cookies of Response and Response.request."""
import json

GO_ZERO_TIME_MS = -6795364578871   # k6's `expires` for a cookie without Expires


def records(r, tag):
    prefix = tag + " "
    return [json.loads(m[len(prefix):]) for m in r.console() if m.startswith(prefix)]


def one(r, tag):
    got = records(r, tag)
    assert len(got) == 1, (tag, got, r)
    return got[0]


def test_cookie_jar_api(c6):
    r = c6("http/cookie_jar_api.js", "-i", "2")
    assert r.code == 0, r
    for it in (0, 1):
        assert records(r, "start")[it] == {
            "iter": it, "cookies": {},   # the VU jar is emptied every iteration
            "initError": "TypeError: Making cookie jars in the init context is not supported",
        }, r
    s = records(r, "set")[0]
    assert s["ok"] is True
    base = {"plain": ["1"], "spaced": ["a b"], "ipdom": ["d"], "future": ["f"]}
    # path, domain, secure, max_age < 0 and past expiries as Go's jar takes them
    assert s["forRoot"] == base, r
    assert s["forCookies"] == {"dflt": ["p"], **base}, r      # longest path first
    assert list(s["forCookies"])[0] == "dflt", r
    assert s["forHeaders"] == {"scoped": ["s"], **base}, r
    assert s["expiresError"].startswith('TypeError: unable to parse "expires" date string "tomorrow"'), r
    sent = records(r, "sent")[0]
    assert sent["cookies"] == {"dflt": "p", "future": "f", "ipdom": "d", "plain": "1", "spaced": "a b"}, r
    # the Cookie header in sending order; a value with a space is quoted as Go does
    assert sent["header"] == 'scoped=s; plain=1; spaced="a b"; ipdom=d; future=f', r
    assert records(r, "server")[0] == {**base, "server": ["yes"]}, r
    # delete(url, name) removes the (host, default path of url, name) cookie only
    assert records(r, "delete")[0] == {"dflt": ["p"], "spaced": ["a b"], "ipdom": ["d"], "future": ["f"],
                                       "server": ["yes"]}, r
    assert "dflt" not in records(r, "delete2")[0], r
    # clear(url) deletes the URL's cookies kept under its default path ("/")
    assert records(r, "clear")[0] == {"scoped": ["s"]}, r
    own = records(r, "own")[0]
    assert own == {"viaOwn": {"mine": "m", "ownset": "1"}, "own": {"mine": ["m"], "ownset": ["1"]},
                   "vu": {}, "sameJar": [], "isCtor": "function"}, r
    assert len(records(r, "own")) == 2, r


def test_params_cookies_response_cookies_and_request(c6, target):
    r = c6("http/request_cookies.js")
    assert r.code == 0, r
    added = one(r, "added")
    # params cookies first, then the jar's; same name without replace: both
    assert added["header"] == "extra=e; shared=from-params; jarred=j; shared=from-jar", r
    assert added["request"] == {
        "extra": [{"name": "extra", "value": "e", "replace": False}],
        "shared": [{"name": "shared", "value": "from-params", "replace": False},
                   {"name": "shared", "value": "from-jar", "replace": False}],
        "jarred": [{"name": "jarred", "value": "j", "replace": False}],
    }, r
    assert one(r, "replaced")["header"] == "shared=replaced; jarred=j", r
    assert one(r, "notStored") == {"jarred": ["j"], "shared": ["from-jar"]}, r
    red = one(r, "redirect")
    # the script's Cookie header only on the first hop; params cookies on every hop
    assert red["firstHop"] == ["own=1; viaParams=p; jarred=j; shared=from-jar"], r
    assert red["final"] == "viaParams=p; jarred=j; shared=from-jar", r
    assert red["url"] == target + "/redirect-to?url=%2Fheaders", r
    assert red["finalUrl"] == target + "/headers", r

    resp = one(r, "response")
    assert resp == {
        "full": [
            {"name": "full", "value": "v1", "domain": "127.0.0.1", "path": "/p", "http_only": True,
             "secure": True, "max_age": 100, "expires": 2139722880000},
            {"name": "full", "value": "v2", "domain": "", "path": "", "http_only": False,
             "secure": False, "max_age": -1, "expires": GO_ZERO_TIME_MS},
        ],
        "bare": [{"name": "bare", "value": "quoted", "domain": "", "path": "", "http_only": False,
                  "secure": False, "max_age": 0, "expires": GO_ZERO_TIME_MS}],
    }, r
    after = one(r, "afterResponse")
    assert after["http"] == {"jarred": ["j"], "shared": ["from-jar"], "bare": ["quoted"]}, r
    assert after["https"]["full"] == ["v1"], r      # kept, but Secure: https only
    assert one(r, "none") == {}, r

    req = one(r, "request")
    assert req["method"] == "POST" and req["url"] == target + "/post?x=1", r
    h = req["headers"]
    assert h["X-Custom"] == ["c"], r                # canonical names, arrays of values
    assert len(h["User-Agent"]) == 1 and h["User-Agent"][0], r
    assert h["Content-Type"] == ["application/x-www-form-urlencoded"], r
    assert h["Cookie"] == ["jarred=j; shared=from-jar; bare=quoted"], r
    # k6 encodes form bodies with Go's url.Values: sorted, arrays repeated
    assert req["body"] == "a=1&a=3&b=2", r
    assert one(r, "formBody") == "a=1&a=3&b=2", r
    assert set(req["cookies"]) == {"jarred", "shared", "bare"}, r
