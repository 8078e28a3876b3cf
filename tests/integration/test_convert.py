"""`c6 convert recording.har` (README "Converting recordings"): a HAR 1.2
recording as a k6 script. k6 v2.2.0 has no convert command (k6 removed its
own, converter/har, in v0.48); the flags follow the ones k6's had
(internal/cmd/convert.go of k6 v0.47: -O/--output, --only, --skip,
--batch-threshold, --no-batch, --enable-status-code-checks,
--return-on-failed-check) and its errors exit 255 as k6's command errors do.

A recording made by a real headless Chromium (tests/integration/chromium.py,
Network.* events of the DevTools protocol written as HAR 1.2) of pages of
c6's target is converted and run against the target; hand-written HAR files
(following the HAR 1.2 spec) cover the bodies, filters, think time and
malformed input."""
import copy
import json
import os
import re
import subprocess
import time

import pytest

from chromium import Chromium, chromium_path
from conftest import parse_logfmt


def convert(c6_bin, tmp_path, har, *flags, raw=None):
    """Runs `c6 convert` on har (a dict, or raw bytes); returns (rc, script, stderr)."""
    src = tmp_path / "in.har"
    src.write_bytes(raw if raw is not None else json.dumps(har).encode())
    out = tmp_path / "out.js"
    if out.exists():
        out.unlink()
    p = subprocess.run([c6_bin, "convert", *flags, "-O", str(out), str(src)], capture_output=True, text=True,
                       timeout=30, stdin=subprocess.DEVNULL)
    return p.returncode, out.read_text() if out.exists() else None, p.stderr


def entry(url, method="GET", start="2026-01-01T00:00:00.000Z", time_ms=10, status=200, headers=(),
          post=None, page="p1", redirect=""):
    e = {"startedDateTime": start, "time": time_ms,
         "request": {"method": method, "url": url, "httpVersion": "HTTP/1.1",
                     "headers": [{"name": n, "value": v} for n, v in headers], "queryString": [], "cookies": [],
                     "headersSize": -1, "bodySize": -1},
         "response": {"status": status, "statusText": "", "httpVersion": "HTTP/1.1", "headers": [],
                      "cookies": [], "content": {"size": 0, "mimeType": "text/plain"}, "redirectURL": redirect,
                      "headersSize": -1, "bodySize": -1},
         "cache": {}, "timings": {"send": 0, "wait": time_ms, "receive": 0}}
    if post is not None:
        e["request"]["postData"] = post
    if page:
        e["pageref"] = page
    return e


def har(entries, pages=(("p1", "Home", "2026-01-01T00:00:00.000Z"),)):
    return {"log": {"version": "1.2", "creator": {"name": "hand-written", "version": "1"},
                    "pages": [{"startedDateTime": s, "id": i, "title": t, "pageTimings": {}} for i, t, s in pages],
                    "entries": entries}}


def wait_rusage(p, timeout=60):
    """(exit code, rusage) of a child, bounded in time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pid, status, ru = os.wait4(p.pid, os.WNOHANG)
        if pid:
            p.returncode = os.waitstatus_to_exitcode(status)
            return p.returncode, ru
        time.sleep(0.05)
    p.kill()
    p.wait()
    pytest.fail("c6 convert did not finish in time")


def requests_sent(res):
    """(request line, headers, body) of each request an --http-debug=full run sent."""
    out = []
    for rec in res.logs(source="http-debug"):
        m = rec["msg"]
        if not m.startswith("Request:\n"):
            continue
        head, _, body = m[len("Request:\n"):].partition("\n\n")
        lines = head.split("\n")
        out.append((lines[0], [tuple(x.split(": ", 1)) for x in lines[1:]], body[:-1] if body.endswith("\n") else body))
    return out


# ---- a recording made by a real browser -------------------------------------

@pytest.fixture(scope="module")
def browser():
    if not chromium_path():
        pytest.fail("chromium is not installed (scripts/bootstrap.sh test)")
    c = Chromium(timeout=60)
    yield c
    c.close()


def test_chromium_recording_converts_and_runs(browser, target, c6_bin, c6, tmp_path):
    c = browser
    sid = c.open(f"{target}/forms/post", network=True)
    c.wait(sid, "document.readyState === 'complete' && location.pathname === '/forms/post'", "the form page")
    # what a page's scripts fetch: JSON, a JSON POST, a cookie set by a redirect
    assert c.eval(sid, "fetch('/json').then(r => r.status)") == 200
    assert c.eval(sid, "fetch('/post', {method: 'POST', headers: {'Content-Type': 'application/json'}, "
                       "body: JSON.stringify({item: 'pizza', n: 2})}).then(r => r.status)") == 200
    assert c.eval(sid, "fetch('/cookies/set?flavor=choc').then(r => r.status)") == 200
    time.sleep(0.6)  # the user reads: think time
    c.eval(sid, "document.querySelector('input[name=custname]').value = 'Ann & Bob';"
                "document.querySelector('form').requestSubmit(); 1")
    c.wait(sid, "location.pathname === '/post' && document.readyState === 'complete'", "the form's answer")
    deadline = time.time() + 10  # until the last load has finished (bounded)
    while time.time() < deadline and "response" not in c.har(sid)["log"]["entries"][-1]:
        time.sleep(0.1)
    recording = c.har(sid)
    (tmp_path / "recording.har").write_text(json.dumps(recording, indent=1))
    entries = recording["log"]["entries"]
    http_entries = [e for e in entries if e["request"]["url"].startswith("http")]
    assert len(recording["log"]["pages"]) == 2
    assert [e["response"]["status"] for e in http_entries if "/cookies" in e["request"]["url"]] == [302, 200]

    rc, script, err = convert(c6_bin, tmp_path, recording)
    assert rc == 0, err
    # one group per page, titled by the page
    assert script.count("group(") == 2
    assert f'group("{target}/forms/post", function' in script and f'group("{target}/post", function' in script
    # the form's body as an object of decoded values, the fetch's JSON re-printed
    assert '"custname": "Ann & Bob"' in script and '"delivery": "18:00"' in script
    assert 'JSON.stringify({\n' in script and '"item": "pizza"' in script
    # the redirect's hops are steps of their own; checks on the recorded statuses
    # (in a batch when the browser sent it while the fetch before it was in
    # flight: the converter batches requests that overlap in the recording)
    assert re.search(r'check\((res|responses\[\d+\]), \{ "status is 302": \(r\) => r\.status === 302 \}\);', script), script
    assert "maxRedirects: 0" in script
    # the 0.6 s pause before the form was sent, as think time
    sleeps = [float(x) for x in re.findall(r"sleep\(([0-9.]+)\);", script)]
    assert any(0.5 <= s <= 1.5 for s in sleeps), script
    # no cookie, host or length header from the recording
    assert not re.search(r'"(Cookie|Host|Content-Length)":', script, re.I)

    res = c6(str(tmp_path / "out.js"), "-q", with_target=False, timeout=60)
    assert res.code == 0, res.err
    checks = res.checks()
    assert checks and all(c["ok"] for c in checks.values()), res.out
    assert res.count("http_reqs") == len(http_entries)


# ---- hand-written recordings --------------------------------------------------

def test_bodies_headers_and_checks(c6_bin, c6, target, tmp_path):
    boundary = "----c6boundary"
    multipart = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nhello\r\n"
                 f"--{boundary}--\r\n")
    entries = [
        # a form with params: an object of decoded values (k6's converter QueryUnescape'd them)
        entry(f"{target}/anything/form", "POST", headers=[("Content-Type", "application/x-www-form-urlencoded"),
                                                          ("Content-Length", "999"), ("Cookie", "a=b"),
                                                          (":authority", "x"), ("Connection", "keep-alive"),
                                                          ("X-Rec", "1"), ("x-rec", "2")],
              post={"mimeType": "application/x-www-form-urlencoded", "text": "a=1&b=x+y%21",
                    "params": [{"name": "a", "value": "1"}, {"name": "b", "value": "x+y%21"}]}),
        # JSON: JSON.stringify of the value
        entry(f"{target}/anything/json", "PUT", start="2026-01-01T00:00:01.000Z",
              headers=[("Content-Type", "application/json")],
              post={"mimeType": "application/json", "text": '{ "n": 1.5, "s": "a\\"b", "l": [true, null, {}], "o": {"x": []} }'}),
        # multipart with its text: sent as recorded, with its boundary
        entry(f"{target}/anything/multi", "POST", start="2026-01-01T00:00:02.000Z",
              headers=[("Content-Type", f"multipart/form-data; boundary={boundary}")],
              post={"mimeType": f"multipart/form-data; boundary={boundary}", "text": multipart}),
        # multipart without text: an object, its file through http.file (k6 picks the boundary)
        entry(f"{target}/anything/file", "POST", start="2026-01-01T00:00:03.000Z",
              headers=[("Content-Type", "multipart/form-data; boundary=zzz")],
              post={"mimeType": "multipart/form-data; boundary=zzz",
                    "params": [{"name": "note", "value": "n1"},
                               {"name": "up", "value": "file body", "fileName": "f.txt", "contentType": "text/plain"}]}),
        # a repeated form name cannot be an object: the text as it is
        entry(f"{target}/anything/dup", "POST", start="2026-01-01T00:00:04.000Z",
              headers=[("Content-Type", "application/x-www-form-urlencoded")],
              post={"mimeType": "application/x-www-form-urlencoded", "text": "t=1&t=2",
                    "params": [{"name": "t", "value": "1"}, {"name": "t", "value": "2"}]}),
        # ... and without text: its params joined as sent
        entry(f"{target}/anything/dup2", "POST", start="2026-01-01T00:00:04.500Z",
              headers=[("Content-Type", "application/x-www-form-urlencoded")],
              post={"mimeType": "application/x-www-form-urlencoded",
                    "params": [{"name": "t", "value": "3"}, {"name": "t", "value": "a%20b"}]}),
        entry(f"{target}/status/404", "DELETE", start="2026-01-01T00:00:05.000Z", status=404),
    ]
    rc, script, err = convert(c6_bin, tmp_path, har(entries))
    assert rc == 0, err
    assert '"a": "1",\n' in script and '"b": "x y!"\n' in script
    assert 'http.file("file body", "f.txt", "text/plain")' in script
    assert '"X-Rec": "1, 2"' in script  # repeated headers joined (RFC 9110 5.3)
    res = c6(str(tmp_path / "out.js"), "-q", "--http-debug=full", with_target=False)
    assert res.code == 0, res.err
    assert res.checks() == {"status is 200": {"ok": True, "passes": None, "fails": None},
                            "status is 404": {"ok": True, "passes": None, "fails": None}}
    sent = requests_sent(res)
    assert [s[0].split(" ")[0] for s in sent] == ["POST", "PUT", "POST", "POST", "POST", "POST", "DELETE"]
    names = [[h[0].lower() for h in s[1]] for s in sent]
    for n in names:  # dropped: the jar's, the client's, pseudo and hop-by-hop headers; one Content-Type
        assert "cookie" not in n and ":authority" not in n and "connection" not in n
        assert n.count("content-length") <= 1 and n.count("content-type") <= 1
    assert ("Content-Length", "999") not in sent[0][1]
    assert sent[0][2] == "a=1&b=x+y%21"
    assert json.loads(sent[1][2]) == {"n": 1.5, "s": 'a"b', "l": [True, None, {}], "o": {"x": []}}
    assert sent[2][2].replace("\n", "\r\n") == multipart or sent[2][2] == multipart
    assert ("Content-Type", f"multipart/form-data; boundary={boundary}") in sent[2][1]
    ct = dict(sent[3][1])["Content-Type"]
    assert ct.startswith("multipart/form-data; boundary=") and "zzz" not in ct
    assert 'filename="f.txt"' in sent[3][2] and "file body" in sent[3][2] and "n1" in sent[3][2]
    assert sent[4][2] == "t=1&t=2"
    assert sent[5][2] == "t=3&t=a%20b"


def test_large_forms_and_header_lists_are_bounded(c6_bin, tmp_path):
    # params are compared pairwise only up to 1024 (an object); more: the text
    many = [{"name": f"f{i}", "value": "v"} for i in range(50000)]
    text = "&".join(f"f{i}=v" for i in range(50000))
    h = har([entry("http://a.test/", "POST", post={"mimeType": "application/x-www-form-urlencoded", "text": text,
                                                   "params": many})])
    t0 = time.monotonic()
    rc, script, err = convert(c6_bin, tmp_path, h)
    assert rc == 0, err
    assert time.monotonic() - t0 < 10
    assert '"f0=v&f1=v&' in script and '"f0": "v"' not in script
    # 100,000 entries (20 MB): walked as lists, in linear time and bounded memory
    # (measured: 0.4 s, 195 MB peak RSS; an indexed walk of cJSON's lists is quadratic)
    ents = [{"startedDateTime": "2026-01-01T00:00:%02d.%03dZ" % (i // 1000 % 60, i % 1000), "time": 1,
             "request": {"method": "GET", "url": f"http://a.test/{i}", "headers": [{"name": "A", "value": "b"}]},
             "response": {"status": 200}} for i in range(100000)]
    src = tmp_path / "many.har"
    src.write_text(json.dumps({"log": {"version": "1.2", "entries": ents}}))
    t0 = time.monotonic()
    p = subprocess.Popen([c6_bin, "convert", "-O", str(tmp_path / "many.js"), str(src)],
                         stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    rc, ru = wait_rusage(p)
    assert rc == 0
    assert time.monotonic() - t0 < 20
    assert ru.ru_maxrss < 400 * 1024, ru.ru_maxrss  # KiB
    assert (tmp_path / "many.js").read_text().count("http.request(") == 100000
    # 1025 headers on one request: refused, named
    h = har([entry("http://a.test/", headers=[(f"X-{i}", "v") for i in range(1025)])])
    rc, script, err = convert(c6_bin, tmp_path, h)
    assert rc == 255 and "log.entries[0].request.headers: more than 1024 headers" in err


def test_think_time_batches_and_groups(c6_bin, tmp_path):
    t = "2026-01-01T00:00:%06.3fZ"
    entries = [
        entry("http://a.test/", start=t % 0, time_ms=100),
        # sent while the page loaded: one http.batch with the next
        entry("http://a.test/app.js", start=t % 0.05, time_ms=100),
        entry("http://a.test/app.css", start=t % 0.06, time_ms=100),
        # 2.24 s idle after the batch ended (at 0.16 s): sleep(2.2), rounded to 0.1 s
        entry("http://a.test/next", start=t % 2.4, time_ms=50),
        # started 20 ms after, but after /next ended (a dependent request): no batch; idle 0.05 s: no sleep
        entry("http://a.test/after", start=t % 2.5, time_ms=10),
        # the next page, 5.49 s later; an offset date
        entry("http://a.test/p2", start="2026-01-01T01:00:08.000+01:00", time_ms=10, page="p2"),
        # no page: after the groups
        entry("http://a.test/orphan", start=t % 9, page=None, status=0),
    ]
    pages = (("p2", "Second", "2026-01-01T00:00:08.000Z"), ("p1", "First", "2026-01-01T00:00:00.000Z"))
    rc, script, err = convert(c6_bin, tmp_path, har(entries, pages))
    assert rc == 0, err
    body = script[script.index("export default"):]
    steps = re.findall(r'group\("(\w+)"|(http\.batch)|http\.request\("GET", "http://a\.test(/\w*)"|sleep\(([\d.]+)\)',
                       body)
    flat = [next(x for x in s if x) for s in steps]
    assert flat == ["First", "http.batch", "2.2", "/next", "/after", "5.5", "Second", "/p2", "1.0", "/orphan"], flat
    # 0.99 s from /p2 (ended 8.01 s) to /orphan (9 s): sleep(1.0)
    assert re.findall(r"sleep\(([\d.]+)\)", body) == ["2.2", "5.5", "1.0"]
    assert body.index("sleep(2.2)") < body.index('"http://a.test/next"')
    assert "check(responses[2]" in body and "check(responses[3]" not in body
    assert 'http://a.test/orphan' in body and body.count("status is 0") == 0  # a failed load: no check
    # --no-batch: one request a step; --max-think-time caps the pauses
    rc, script, err = convert(c6_bin, tmp_path, har(entries, pages), "--no-batch", "--max-think-time", "1")
    assert rc == 0, err
    assert "http.batch" not in script
    assert re.findall(r"sleep\(([\d.]+)\)", script) == ["1.0", "1.0", "1.0"]
    # --return-on-failed-check
    rc, script, err = convert(c6_bin, tmp_path, har(entries, pages), "--return-on-failed-check")
    assert rc == 0, err
    assert 'if (!check(res, { "status is 200": (r) => r.status === 200 })) {\n      return;' in script


def test_host_filters(c6_bin, tmp_path):
    entries = [entry("http://app.test/"), entry("https://cdn.test:8443/x.js", start="2026-01-01T00:00:00.010Z"),
               entry("http://fonts.other.test/f.woff", start="2026-01-01T00:00:00.020Z"),
               entry("data:image/png;base64,AAAA", start="2026-01-01T00:00:00.030Z")]

    def urls(*flags):
        rc, script, err = convert(c6_bin, tmp_path, har(entries), *flags)
        assert rc == 0, err
        return re.findall(r'"GET", "([^"]+)"', script)

    assert urls() == ["http://app.test/", "https://cdn.test:8443/x.js", "http://fonts.other.test/f.woff"]
    assert urls("--only", "app.test") == ["http://app.test/"]
    assert urls("--only", "app.test,cdn.test:8443") == ["http://app.test/", "https://cdn.test:8443/x.js"]
    assert urls("--skip", "cdn.test", "--skip", "other") == ["http://app.test/"]
    assert urls("--only", "test", "--skip", "fonts") == ["http://app.test/", "https://cdn.test:8443/x.js"]
    rc, script, _ = convert(c6_bin, tmp_path, har(entries), "--only", "nothing.test")
    assert rc == 0 and "http.request" not in script and "// Requests: 0 of 4 recorded" in script


GOOD = har([entry("http://a.test/")])


def broken(path, value):
    """GOOD with the member at path (a list of keys) set to value (None: removed)."""
    h = copy.deepcopy(GOOD)
    obj = h
    for k in path[:-1]:
        obj = obj[k]
    if value is None:
        del obj[path[-1]]
    else:
        obj[path[-1]] = value
    return h


@pytest.mark.parametrize("doc,raw,message", [
    (None, b"", "not JSON: the file is empty"),
    (None, b'{"log": {"entries": [}}', "not JSON: a syntax error at line 1, column 22"),
    (None, b'{"log": {"entries": []}}\n{"x"', "not JSON: a syntax error at line 2, column 1"),
    (None, b'{"log": {"entries": []}}\0 junk', "not JSON: a syntax error at line 1, column 25"),
    (None, b"[1, 2]", "not a HAR file: the top level is not an object"),
    ({"version": "1.2"}, None, "not a HAR file: log: missing"),
    (broken(["log", "entries"], None), None, "log.entries: missing"),
    (broken(["log", "entries"], {}), None, "log.entries: not an array"),
    (broken(["log", "entries", 0, "request", "url"], None), None, "log.entries[0].request.url: missing"),
    (broken(["log", "entries", 0, "request", "url"], 5), None, "log.entries[0].request.url: not a string"),
    (broken(["log", "entries", 0, "request", "url"], "/relative"), None,
     'log.entries[0].request.url: not an http or https URL: "/relative"'),
    (broken(["log", "entries", 0, "request", "method"], "GE T"), None,
     "log.entries[0].request.method: not an HTTP method"),
    (broken(["log", "entries", 0, "request"], None), None, "log.entries[0].request: missing"),
    (broken(["log", "entries", 0, "startedDateTime"], "yesterday"), None,
     'log.entries[0].startedDateTime: not an ISO 8601 date: "yesterday"'),
    (broken(["log", "entries", 0, "request", "headers"], [{"name": "A"}]), None,
     "log.entries[0].request.headers[0].value: missing"),
    (broken(["log", "entries", 0, "request", "postData"], {"params": [{"value": "v"}]}), None,
     "log.entries[0].request.postData.params[0].name: missing"),
    (broken(["log", "entries", 0, "response", "status"], "200"), None,
     "log.entries[0].response.status: not an HTTP status"),
    (broken(["log", "pages", 0, "id"], None), None, "log.pages[0].id: missing"),
])
def test_malformed(c6_bin, tmp_path, doc, raw, message):
    # exit 255: k6's code for a command's error (cmd.ExitCode -1 as a byte)
    rc, script, err = convert(c6_bin, tmp_path, doc, raw=raw)
    assert rc == 255 and script is None, err
    assert [parse_logfmt(line).get("msg") for line in err.splitlines()] == [f'{tmp_path / "in.har"}: {message}'], err


def test_usage_and_limits(c6_bin, tmp_path):
    def run(*args):
        return subprocess.run([c6_bin, "convert", *args], capture_output=True, text=True, timeout=30,
                              stdin=subprocess.DEVNULL)
    p = run()
    assert p.returncode == 255 and "accepts 1 arg(s), received 0" in p.stderr  # cobra.ExactArgs(1)
    p = run("--bogus", "x.har")
    assert p.returncode == 255 and "unknown flag: --bogus" in p.stderr
    p = run("--correlate", "x.har")
    assert p.returncode == 255 and "--correlate is not implemented" in p.stderr
    p = run("--enable-status-code-checks=false", "--return-on-failed-check", "x.har")
    assert p.returncode == 255 and "return on failed check requires --enable-status-code-checks" in p.stderr
    p = run("--help")
    assert p.returncode == 0 and "--batch-threshold" in p.stdout
    p = run(str(tmp_path / "missing.har"))
    assert p.returncode == 255 and "No such file or directory" in p.stderr
    # to standard output without -O
    (tmp_path / "ok.har").write_text(json.dumps(GOOD))
    p = run(str(tmp_path / "ok.har"))
    assert p.returncode == 0 and p.stdout.startswith("// A k6 script converted") and 'http.request("GET"' in p.stdout
    # bounded input: a recording over 64 MiB is refused without reading it all into a tree
    big = tmp_path / "big.har"
    with open(big, "wb") as f:
        f.write(b'{"log": {"entries": [], "comment": "')
        f.write(b"x" * (65 << 20))
        f.write(b'"}}')
    p = run(str(big))
    assert p.returncode == 255 and "larger than 64 MiB" in p.stderr


def test_strings_from_the_recording_stay_data(c6_bin, c6, tmp_path):
    # a title, header and URL written to break out of their literals or comments
    evil = '"); globalThis.pwned = 1; ("\u2028globalThis.pwned = 1;//*/'
    h = har([entry("http://127.0.0.1:9/?q=" + evil.replace(" ", "%20").replace("\u2028", "%E2%80%A8"),
                   headers=[("X-Evil", evil)])], pages=(("p1", evil, "2026-01-01T00:00:00.000Z"),))
    h["log"]["creator"]["name"] = "x\nglobalThis.pwned = 1;\u2028globalThis.pwned = 1;"
    rc, script, err = convert(c6_bin, tmp_path, h)
    assert rc == 0, err
    assert "\u2028" not in script  # JavaScript line terminators are escaped
    script += "\nexport function teardown() { if (globalThis.pwned) throw new Error('pwned'); }\n"
    (tmp_path / "out.js").write_text(script)
    res = c6(str(tmp_path / "out.js"), "-q", with_target=False)
    assert res.code == 0, res.err  # it ran (a request error is not a failure), nothing of the HAR was run
    assert not [r for r in res.logs() if "Error: pwned" in r["msg"]], res.err
