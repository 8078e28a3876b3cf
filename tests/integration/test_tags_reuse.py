"""The tags of samples that c6 makes again and again without packing them
(metrics/tags.h, "Memos": a set found by its parts): whatever changes
between two samples of a VU (URL, name, status, method, group, params.tags,
check tags, exec.vu.tags set mid-iteration) shows in their tags, as k6 tags
each sample with what holds when it is made (k6 lib/netext/httpext
request.go: the request's tags are the VU's tags then, plus method, url,
name, status, proto, expected_response, error_code; k6.go Check: the VU's
tags plus check and the call's tags)."""
import json

import pytest


def points(path, metric):
    out = []
    for line in open(path):
        d = json.loads(line)
        if d.get("type") == "Point" and d["metric"] == metric:
            out.append(d["data"]["tags"])
    return out


def expected_reuse(target):
    """What tags/reuse.js's samples carry, iteration by iteration (1 VU)."""
    reqs, checks, iters, groups = [], [], [], []
    last = {}
    for i in range(4):
        base = {"scenario": "default", "group": "", **last}

        def req(url, name=None, method="GET", status="200", **extra):
            t = {**base, "method": method, "url": name or url, "name": name or url, "status": status,
                 "proto": "HTTP/1.1", "expected_response": "true" if status == "200" else "false"}
            if status != "200":
                t["error_code"] = "1" + status   # k6: 1000 + status for 4xx
            t.update(extra)
            return t

        reqs.append(req(f"{target}/get"))
        reqs.append(req(f"{target}/get?i={i}"))
        reqs.append(req(f"{target}/get?i={i}", name="named"))
        reqs.append(req(f"{target}/status/{404 if i % 2 else 200}", name="st", status="404" if i % 2 else "200"))
        reqs.append({**req(f"{target}/get"), "group": "::g"})
        groups.append({**base, "group": "::g"})
        base["phase"] = f"p{i}"
        reqs.append(req(f"{target}/get"))
        reqs.append(req(f"{target}/anything"))
        reqs.append(req(f"{target}/anything", method="POST"))
        reqs.append(req(f"{target}/get", k=f"v{i % 2}"))
        reqs.append(req(f"{target}/get", **{f"k{i % 2}": "v"}))
        reqs.append({**req(f"{target}/get"), "method": "mine", "phase": "q"})   # params.tags win
        checks.append({**base, "check": "c1", "ct": f"x{i % 2}"})
        checks.append({**base, "check": "c2", "ct": f"x{i % 2}"})
        checks.append({**base, "check": "c1", "group": "::g"})
        groups.append({**base, "group": "::g"})
        if i == 2:
            last = {"last": "yes"}
        iters.append({**base, **last})
    return reqs, checks, iters, groups


@pytest.mark.parametrize("flags", [
    [],
    # with the iter tag every set is made anew (the memo is not used): the same tags
    ["--system-tags", "proto,subproto,status,method,url,name,group,check,error,error_code,tls_version,"
                      "scenario,service,expected_response,iter"],
], ids=["memo", "iter-tag"])
def test_changes_between_samples_show_in_their_tags(c6, target, tmp_path, flags):
    out = tmp_path / "o.json"
    r = c6("tags/reuse.js", "-o", f"json={out}", *flags)
    assert r.code == 0, r
    want_reqs, want_checks, want_iters, want_groups = expected_reuse(target.rstrip("/"))
    got = points(out, "http_reqs")
    assert len(got) == len(want_reqs), got
    for n, (g, w) in enumerate(zip(got, want_reqs)):
        assert g == w, (n, g, w)
    # every http_* sample of a request carries the request's set
    assert points(out, "http_req_duration") == got
    assert points(out, "checks") == want_checks
    assert points(out, "iterations") == want_iters
    assert points(out, "group_duration") == want_groups


def test_vus_keep_their_own_tags(c6, tmp_path):
    """VUs with tags of their own making the same requests (c6 shares what
    it remembers between the VUs of a worker): each sample has its VU's."""
    out = tmp_path / "o.json"
    r = c6("tags/reuse_vus.js", "-o", f"json={out}", "--workers", "1")   # one worker: one memo
    assert r.code == 0, r
    # the vu tag is off: each VU's samples are told apart by their who tag
    # (set before its first request), five of each
    for metric in ("http_reqs", "checks", "iterations"):
        whos = [t.get("who") for t in points(out, metric)]
        assert sorted(whos, key=str) == ["w1"] * 5 + ["w2"] * 5, (metric, whos)


SYSTEM_TAGS = "proto,subproto,status,method,url,name,group,check,error,error_code,tls_version,scenario,service,expected_response"


@pytest.mark.parametrize("tags", [SYSTEM_TAGS, "status,method,url,name,check,proto,expected_response,error,error_code"],
                         ids=["default", "no-group"])
def test_same_request_changed_between(c6, target, tmp_path, tags):
    """Requests and checks made again with one thing changed in between
    (tags/reuse_same.js: a VU tag set and deleted, an equal URL in another
    string, a URL a byte shorter, longer or changed, the group, a status as
    long, an error, params.tags, check names): each sample carries the
    tags of when it was made, as the same run with the iter tag on (where
    c6 makes every set anew, without its memos) shows. k6 tags each sample
    with what holds when it is made (lib/netext/httpext/request.go,
    internal/js/modules/k6/k6.go Check)."""
    runs = {}
    for memo in (True, False):
        out = tmp_path / f"o{memo}.json"
        r = c6("tags/reuse_same.js", "-o", f"json={out}", "--system-tags", tags + ("" if memo else ",iter"))
        assert r.code == 0, r
        runs[memo] = {m: [{k: v for k, v in t.items() if k != "iter"} for t in points(out, m)]
                      for m in ("http_reqs", "checks", "http_req_duration")}
    assert runs[True] == runs[False]
    reqs, checks = runs[True]["http_reqs"], runs[True]["checks"]
    assert len(reqs) == 3 * 20 and len(checks) == 3 * 10
    assert runs[True]["http_req_duration"] == reqs
    get = target.rstrip("/") + "/get"
    for i in range(3):
        r = reqs[20 * i:20 * i + 20]
        assert [t.get("x") for t in r[:4]] == [None, f"x{i}", "a longer value than before", None]
        assert r[0] == r[3] == r[4] == r[12]
        assert [t["url"] for t in r[5:9]] == [get + "?q=1", get + "?q=2", get + "?q=22", get + "?q="]
        assert [t["status"] for t in r[13:15]] == ["200", "201"]
        assert r[15] == r[16] and r[15]["status"] == "0" and r[15]["error_code"] == "1212"
        assert [t.get("t") for t in r[17:20]] == ["a", "b", "ab"]
        c = checks[10 * i:10 * i + 10]
        assert [t["check"] for t in c[:5]] == ["status is 200", "status is 200", "status is 201", "status is 2000",
                                               "status is 20"]
        assert c[0] == c[1] == c[6] == c[9] and c[5]["y"] == "y" and "y" not in c[6]
        assert c[8]["t"] == "u"
        if "group" in tags:
            assert [t["group"] for t in r[9:13]] == ["::a", "::b", "::a::b", ""]
            assert c[7]["group"] == "::g" and c[6]["group"] == ""
        else:
            assert all("group" not in t for t in r + c)


def test_many_own_tags(c6, target, tmp_path):
    """Requests with up to 4 tags of their own and with more, checks with
    and without tags of their own (tags/reuse_many.js), each made again with
    one tag changed: every sample carries its own, with c6's memos as
    without them (the iter tag on)."""
    runs = {}
    for memo in (True, False):
        out = tmp_path / f"o{memo}.json"
        r = c6("tags/reuse_many.js", "-o", f"json={out}", "--system-tags", SYSTEM_TAGS + ("" if memo else ",iter"))
        assert r.code == 0, r
        runs[memo] = {m: [{k: v for k, v in t.items() if k != "iter"} for t in points(out, m)]
                      for m in ("http_reqs", "checks", "http_req_duration")}
    assert runs[True] == runs[False]
    reqs, checks = runs[True]["http_reqs"], runs[True]["checks"]
    assert len(reqs) == 2 * 9 and len(checks) == 2 * 5
    assert runs[True]["http_req_duration"] == reqs

    def own(t):
        return {k: v for k, v in t.items() if k.startswith("k")}

    def want(n, last=None):
        t = {f"k{j}": f"v{j}" for j in range(n)}
        if last is not None:
            t[f"k{n - 1}"] = last
        return t

    for i in range(2):
        r = reqs[9 * i:9 * i + 9]
        assert [own(t) for t in r] == [want(4), want(4, f"w{i}"), want(5), want(5, f"w{i}"), want(5), want(12),
                                       want(12, "x"), want(6), {}]
        assert [t["group"] for t in r] == [""] * 7 + ["::g", ""]
        assert all(t["status"] == "200" and t["method"] == "GET" for t in r)
        c = checks[5 * i:5 * i + 5]
        assert [t.get("t") for t in c] == [None, f"a{i}", None, None, "b"]
        assert own(c[2]) == want(3) and all(not own(t) for t in c[:2] + c[3:])
        assert [t["group"] for t in c] == ["", "", "", "", "::g"]
        assert all(t["check"] == "c" for t in c)
