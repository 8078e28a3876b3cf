"""Integration tests of `c6 target`, the built-in httpbin-like server.

Most tests share the session's `target` server (conftest.py); the ones about
start-up, signals and listening addresses start their own."""
import base64
import concurrent.futures
import gzip
import hashlib
import http.client
import json
import re
import selectors
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest


# ---------------------------------------------------------------- helpers


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_plain = urllib.request.build_opener(NoRedirect)


def req(url, method="GET", data=None, headers=None, follow=False, timeout=10):
    """(status, headers, body bytes); HTTP errors are returned, not raised."""
    r = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    opener = urllib.request.build_opener() if follow else _plain
    try:
        with opener.open(r, timeout=timeout) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def get_json(url, **kw):
    status, headers, body = req(url, **kw)
    assert headers.get("Content-Type", "").startswith("application/json"), headers
    return status, json.loads(body)


def hostport(url):
    u = urllib.parse.urlsplit(url)
    return u.hostname, u.port


def raw_exchange(url, payload, timeout=5, limit=1 << 20):
    """Sends raw bytes on a fresh connection; returns what comes back until
    EOF, timeout or `limit` bytes."""
    host, port = hostport(url)
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.sendall(payload)
        chunks, total = [], 0
        try:
            while total < limit:
                b = s.recv(65536)
                if not b:
                    break
                chunks.append(b)
                total += len(b)
        except socket.timeout:
            pass
    return b"".join(chunks)


class Server:
    """A private `c6 target` process, for tests that stop or misconfigure it."""

    def __init__(self, c6_bin, *args):
        self.proc = subprocess.Popen([c6_bin, "target", *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        self.url = None
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and self.proc.poll() is None:
            if sel.select(timeout=0.2):
                self.first_line = self.proc.stdout.readline()
                m = re.fullmatch(r"c6 target listening on (http://\S+)\n", self.first_line)
                self.url = m.group(1) if m else None
                break
        sel.close()

    def stop(self, sig=signal.SIGTERM, timeout=10):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            self.proc.stdout.close()
            self.proc.stderr.close()


@pytest.fixture
def own_server(c6_bin):
    servers = []

    def start(*args):
        s = Server(c6_bin, *args)
        servers.append(s)
        return s

    yield start
    for s in servers:
        s.stop(signal.SIGKILL)


# ---------------------------------------------------------------- basics


def test_root_is_small_text(target):
    status, headers, body = req(target + "/")
    assert status == 200
    assert headers["Content-Type"].startswith("text/plain")
    assert 0 < len(body) < 512 and b"c6 target" in body


def test_not_found(target):
    status, body = get_json(target + "/no/such/path")
    assert status == 404 and body == {"error": "not found"}


def test_keep_alive_reuses_one_connection(target):
    conn = http.client.HTTPConnection(*hostport(target), timeout=5)
    try:
        paths = ["/", "/get?i=1", "/json", "/status/204", "/bytes/100", "/headers", "/nope"]
        sock = None
        for i, path in enumerate(paths * 3):
            conn.request("GET", path)
            resp = conn.getresponse()
            resp.read()
            assert not resp.will_close
            if sock is None:
                sock = conn.sock
            assert conn.sock is sock, f"request {i} ({path}) used a new connection"
        conn.request("POST", "/post", body=b"x" * 100000)
        resp = conn.getresponse()
        assert json.loads(resp.read())["data"] == "x" * 100000
        assert conn.sock is sock
    finally:
        conn.close()


def test_head_has_no_body(target):
    conn = http.client.HTTPConnection(*hostport(target), timeout=5)
    try:
        conn.request("HEAD", "/get")
        resp = conn.getresponse()
        assert resp.status == 200 and resp.read() == b""
        assert int(resp.headers["Content-Length"]) > 0
        conn.request("GET", "/")  # the connection is still in sync
        assert conn.getresponse().status == 200
    finally:
        conn.close()


# ---------------------------------------------------------------- echo


def test_get_echoes_args_headers_url(target):
    status, body = get_json(target + "/get?a=1&b=x%20y&a=2&e=%C3%A9&flag",
                            headers={"X-Custom": 'say "hi" \\ there', "user-agent": "c6-test"})
    assert status == 200
    assert body["args"] == {"a": ["1", "2"], "b": "x y", "e": "é", "flag": ""}
    assert body["headers"]["X-Custom"] == 'say "hi" \\ there'
    assert body["headers"]["User-Agent"] == "c6-test"
    assert body["headers"]["Host"] == "%s:%d" % hostport(target)
    assert body["origin"] == "127.0.0.1"
    assert body["url"] == target + "/get?a=1&b=x%20y&a=2&e=%C3%A9&flag"


def test_get_rejects_other_methods(target):
    status, headers, body = req(target + "/get", method="POST", data=b"x")
    assert status == 405 and "GET" in headers["Allow"]
    assert json.loads(body) == {"error": "method not allowed"}


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_body_methods_echo_json(target, method):
    doc = {"name": "c6", "list": [1, 2.5, None, True], "nested": {"k": "v"}}
    status, body = get_json(target + "/" + method.lower() + "?q=1", method=method,
                            data=json.dumps(doc).encode(),
                            headers={"Content-Type": "application/json"})
    assert status == 200
    assert body["json"] == doc
    assert json.loads(body["data"]) == doc
    assert body["args"] == {"q": "1"} and body["form"] == {}
    assert body["headers"]["Content-Type"] == "application/json"


@pytest.mark.parametrize("path,method", [("/post", "GET"), ("/put", "POST"),
                                         ("/patch", "PUT"), ("/delete", "GET")])
def test_body_methods_reject_wrong_method(target, path, method):
    status, headers, _ = req(target + path, method=method)
    assert status == 405 and headers["Allow"] == path[1:].upper()


def test_post_form(target):
    data = urllib.parse.urlencode([("a", "1"), ("b", "two words"), ("a", "3"), ("u", "é&=")]).encode()
    status, body = get_json(target + "/post", method="POST", data=data,
                            headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200
    assert body["form"] == {"a": ["1", "3"], "b": "two words", "u": "é&="}
    assert body["data"] == data.decode() and body["json"] is None


@pytest.mark.parametrize("data", [b"not json", b'{"a":}', b"123", b'"str"', b"[1,2", b"{} {}", b""])
def test_post_non_container_json_is_null(target, data):
    status, body = get_json(target + "/post", method="POST", data=data,
                            headers={"Content-Type": "application/json"})
    assert status == 200 and body["json"] is None and body["data"] == data.decode()


def test_post_binary_body_is_escaped(target):
    data = bytes(range(256)) + "€ ok".encode()
    status, body = get_json(target + "/post", method="POST", data=data,
                            headers={"Content-Type": "application/octet-stream"})
    assert status == 200
    # Each invalid UTF-8 byte comes back as the code point of the same value.
    assert body["data"] == bytes(range(128)).decode() + "".join(map(chr, range(128, 256))) + "€ ok"


def multipart_body(boundary, parts):
    """parts: (name, filename or None, content type or None, bytes)."""
    out = b""
    for name, filename, ctype, data in parts:
        out += b"--" + boundary + b"\r\n"
        disp = b'Content-Disposition: form-data; name="' + name + b'"'
        if filename is not None:
            disp += b'; filename="' + filename + b'"'
        out += disp + b"\r\n"
        if ctype:
            out += b"Content-Type: " + ctype + b"\r\n"
        out += b"\r\n" + data + b"\r\n"
    return out + b"--" + boundary + b"--\r\n"


@pytest.mark.parametrize("path,method", [("/post", "POST"), ("/anything/up", "PUT")])
def test_multipart_echo(target, path, method):
    blob = bytes(range(256)) * 4 + b"\r\n--almost\r\n"
    body = b"preamble\r\n" + multipart_body(b"XyZ-123", [
        (b"title", None, None, b"hello world"),
        (b"tag", None, None, b"a"),
        (b"tag", None, None, b"b"),
        (b"up", b'we\\"ird.bin', b"application/x-test", blob),
        (b"note", b"n.txt", b"text/plain", "caf\u00e9".encode()),
        (b"empty", b"", None, b""),
    ])
    status, doc = get_json(target + path, method=method, data=body,
                           headers={"Content-Type": 'multipart/form-data; boundary="XyZ-123"'})
    assert status == 200
    assert doc["form"] == {"title": "hello world", "tag": ["a", "b"]}
    assert doc["files"]["note"] == "caf\u00e9" and doc["files"]["empty"] == ""
    info = {i["name"]: i for i in doc["file_info"]}
    assert info["up"] == {"name": "up", "filename": 'we"ird.bin', "content_type": "application/x-test",
                          "size": len(blob), "sha256": hashlib.sha256(blob).hexdigest()}
    assert info["note"]["size"] == 5 and info["note"]["content_type"] == "text/plain"
    assert info["empty"] == {"name": "empty", "filename": "", "content_type": "", "size": 0,
                             "sha256": hashlib.sha256(b"").hexdigest()}
    assert [i["name"] for i in doc["file_info"]] == ["up", "note", "empty"]


def test_multipart_malformed_or_not_multipart(target):
    # a truncated body (no closing delimiter) shows no parts
    body = multipart_body(b"b1", [(b"a", None, None, b"1")])[:-12]
    status, doc = get_json(target + "/post", method="POST", data=body,
                           headers={"Content-Type": "multipart/form-data; boundary=b1"})
    assert status == 200 and doc["files"] == {} and doc["file_info"] == []
    status, doc = get_json(target + "/post", method="POST", data=b"x=1",
                           headers={"Content-Type": "text/plain"})
    assert doc["form"] == {} and doc["files"] == {} and doc["file_info"] == []


def test_post_too_large(target):
    status, body = get_json(target + "/post", method="POST", data=b"x" * (16 * 1024 * 1024 + 1), timeout=30)
    assert status == 413 and "error" in body


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CUSTOM"])
def test_anything(target, method):
    data = b'{"x":[1]}' if method not in ("GET", "OPTIONS") else None
    status, body = get_json(target + "/anything/a/b?z=9", method=method, data=data,
                            headers={"Content-Type": "application/json"})
    assert status == 200
    assert body["method"] == method
    assert body["url"] == target + "/anything/a/b?z=9"
    assert body["args"] == {"z": "9"}
    assert body["json"] == ({"x": [1]} if data else None)
    status, body = get_json(target + "/anything")
    assert status == 200 and body["method"] == "GET"


def test_headers(target):
    status, body = get_json(target + "/headers", headers={"x-lower-case": "1", "X-Dup": "a"})
    assert status == 200
    assert body["headers"]["X-Lower-Case"] == "1"
    assert set(body) == {"headers"}


def test_repeated_header_is_joined(target):
    out = raw_exchange(target, b"GET /headers HTTP/1.1\r\nHost: x\r\nX-Dup: a\r\nx-dup: b\r\n"
                               b"Connection: close\r\n\r\n")
    body = json.loads(out.split(b"\r\n\r\n", 1)[1])
    assert body["headers"]["X-Dup"] == "a, b"


def test_ip_user_agent_uuid(target):
    assert get_json(target + "/ip")[1] == {"origin": "127.0.0.1"}
    assert get_json(target + "/user-agent", headers={"User-Agent": "c6/1"})[1] == {"user-agent": "c6/1"}
    ids = {get_json(target + "/uuid")[1]["uuid"] for _ in range(20)}
    assert len(ids) == 20
    for s in ids:
        assert uuid.UUID(s).version == 4 and str(uuid.UUID(s)) == s


# ---------------------------------------------------------------- status, delay, bytes


@pytest.mark.parametrize("code", [200, 201, 204, 301, 304, 400, 404, 418, 500, 503, 599])
def test_status(target, code):
    status, headers, body = req(target + f"/status/{code}")
    assert status == code and body == b""


def test_status_any_method(target):
    assert req(target + "/status/201", method="POST", data=b"abc")[0] == 201
    assert req(target + "/status/202", method="DELETE")[0] == 202


@pytest.mark.parametrize("bad", ["99", "600", "abc", "", "20x", "-200", "99999999999999999999999"])
def test_status_invalid(target, bad):
    status, body = get_json(target + "/status/" + bad)
    assert status == 400 and "error" in body


@pytest.mark.parametrize("code", [100, 101, 102, 103, 199])
def test_status_1xx_closes_instead_of_hanging(target, code):
    """A 1xx cannot be a final response: it is sent, then the connection closes."""
    t0 = time.monotonic()
    out = raw_exchange(target, b"GET /status/%d HTTP/1.1\r\nHost: x\r\n\r\n" % code, timeout=5)
    assert out.startswith(b"HTTP/1.1 %d " % code)
    assert out.count(b"HTTP/1.1") == 1
    assert time.monotonic() - t0 < 2


def test_delay(target):
    t0 = time.monotonic()
    status, body = get_json(target + "/delay/300")
    assert status == 200 and body == {"delay_ms": 300}
    assert 0.29 <= time.monotonic() - t0 < 2
    assert get_json(target + "/delay/0")[1] == {"delay_ms": 0}


@pytest.mark.parametrize("bad", ["abc", "1.5", "-1", ""])
def test_delay_invalid(target, bad):
    assert get_json(target + "/delay/" + bad)[0] == 400


def test_delay_does_not_block_workers(target):
    """200 concurrent /delay/500 all finish in well under 3 s, and the server
    keeps answering other requests meanwhile."""
    n = 200
    host, port = hostport(target)

    def one(_):
        conn = http.client.HTTPConnection(host, port, timeout=10)
        try:
            conn.request("GET", "/delay/500")
            resp = conn.getresponse()
            return resp.status, json.loads(resp.read())
        finally:
            conn.close()

    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=n) as pool:
        futures = [pool.submit(one, i) for i in range(n)]
        time.sleep(0.1)
        t1 = time.monotonic()
        assert req(target + "/get")[0] == 200
        assert time.monotonic() - t1 < 0.3, "server stalled while requests were delayed"
        results = [f.result() for f in futures]
    elapsed = time.monotonic() - t0
    assert all(r == (200, {"delay_ms": 500}) for r in results)
    assert 0.5 <= elapsed < 3, elapsed


def test_bytes(target):
    status, headers, body = req(target + "/bytes/1000")
    assert status == 200 and len(body) == 1000
    assert headers["Content-Type"] == "application/octet-stream"
    assert req(target + "/bytes/1000")[2] == body, "deterministic"
    assert len(set(body)) > 200, "looks random"
    assert req(target + "/bytes/0")[2] == b""


def test_bytes_large_is_a_prefix_stream(target):
    big = req(target + "/bytes/3000000", timeout=30)[2]
    assert len(big) == 3000000
    small = req(target + "/bytes/1048576")[2]
    assert big.startswith(small)
    assert big.startswith(req(target + "/bytes/1048577")[2])


def test_bytes_clamped_and_invalid(target):
    host, port = hostport(target)
    conn = http.client.HTTPConnection(host, port, timeout=10)
    try:
        conn.request("HEAD", "/bytes/999999999999")
        resp = conn.getresponse()
        resp.read()
        assert resp.status == 200 and int(resp.headers["Content-Length"]) == 100 * 1024 * 1024
    finally:
        conn.close()
    assert get_json(target + "/bytes/ten")[0] == 400


# ---------------------------------------------------------------- fixed documents


def test_json_document(target):
    status, body = get_json(target + "/json")
    assert status == 200
    show = body["slideshow"]
    assert isinstance(show["slides"], list) and len(show["slides"]) >= 2
    assert show["slides"][1]["items"][0]
    assert show["published"] is True and show["slides"][2]["notes"] is None


def test_html(target):
    status, headers, body = req(target + "/html")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    text = body.decode()
    assert "<form" in text and 'action="/post"' in text and "<a href=" in text


def test_gzip(target):
    status, headers, body = req(target + "/gzip", headers={"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert headers["Content-Type"] == "application/json"
    doc = json.loads(gzip.decompress(body))
    assert doc["gzipped"] is True and doc["method"] == "GET"
    assert doc["headers"]["Accept-Encoding"] == "gzip"


# ---------------------------------------------------------------- cookies, redirects, auth


def test_cookies_echo(target):
    status, body = get_json(target + "/cookies", headers={"Cookie": "a=1; session=xyz"})
    assert status == 200 and body == {"cookies": {"a": "1", "session": "xyz"}}
    assert get_json(target + "/cookies")[1] == {"cookies": {}}


def test_cookies_set_and_delete(target):
    status, headers, body = req(target + "/cookies/set?a=1&b=two%20words")
    assert status == 302 and headers["Location"] == "/cookies"
    cookies = headers.get_all("Set-Cookie")
    assert "a=1; Path=/" in cookies
    assert any(c.startswith("b=two%20words;") for c in cookies)

    status, headers, _ = req(target + "/cookies/delete?a")
    assert status == 302 and headers["Location"] == "/cookies"
    (c,) = headers.get_all("Set-Cookie")
    assert c.startswith("a=;") and "Max-Age=0" in c and "1970" in c


def test_cookies_round_trip_with_jar(target):
    jar = urllib.request.HTTPCookieProcessor()
    opener = urllib.request.build_opener(jar)
    with opener.open(target + "/cookies/set?k1=v1&k2=v2", timeout=5) as r:
        assert r.geturl().endswith("/cookies")
        assert json.loads(r.read()) == {"cookies": {"k1": "v1", "k2": "v2"}}
    with opener.open(target + "/cookies/delete?k1", timeout=5) as r:
        assert json.loads(r.read()) == {"cookies": {"k2": "v2"}}


def test_response_headers(target):
    q = urllib.parse.urlencode([("Set-Cookie", "a=1; Path=/x"), ("Set-Cookie", "b=2"), ("X-Thing", "t"),
                                ("bad name", "skipped"), ("X-Bad", "no\r\nsplit")])
    status, headers, body = req(target + "/response-headers?" + q)
    assert status == 200
    assert headers.get_all("Set-Cookie") == ["a=1; Path=/x", "b=2"]
    assert headers["X-Thing"] == "t" and headers["X-Bad"] is None
    assert json.loads(body) == {"Set-Cookie": ["a=1; Path=/x", "b=2"], "X-Thing": "t",
                                "X-Bad": "no\r\nsplit", "bad name": "skipped"}


def test_redirect_chain(target):
    status, headers, _ = req(target + "/redirect/3")
    assert status == 302 and headers["Location"] == "/redirect/2"
    assert req(target + "/redirect/1")[1]["Location"] == "/get"
    status, headers, body = req(target + "/redirect/5", follow=True)
    assert status == 200 and json.loads(body)["url"] == target + "/get"


@pytest.mark.parametrize("bad", ["0", "x", ""])
def test_redirect_invalid(target, bad):
    assert req(target + "/redirect/" + bad)[0] == 400


def test_redirect_to(target):
    q = urllib.parse.urlencode({"url": "/anything?x=1", "status_code": "307"})
    status, headers, _ = req(target + "/redirect-to?" + q)
    assert status == 307 and headers["Location"] == "/anything?x=1"
    status, headers, _ = req(target + "/redirect-to?url=http%3A%2F%2Fexample.com%2F")
    assert status == 302 and headers["Location"] == "http://example.com/"
    assert req(target + "/redirect-to")[0] == 400
    assert req(target + "/redirect-to?url=/x&status_code=200")[0] == 400
    assert req(target + "/redirect-to?url=/x%0d%0aX-Evil:%201")[0] == 400


def basic(user, pw):
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{pw}".encode()).decode()}


def test_basic_auth(target):
    status, body = get_json(target + "/basic-auth/alice/s3cr:t", headers=basic("alice", "s3cr:t"))
    assert status == 200 and body == {"authenticated": True, "user": "alice"}
    for headers in (basic("alice", "wrong"), basic("bob", "s3cr:t"), {}, {"Authorization": "Basic !!!"},
                    {"Authorization": "Bearer abc"}):
        status, h, body = req(target + "/basic-auth/alice/s3cr:t", headers=headers)
        assert status == 401, headers
        assert h["WWW-Authenticate"] == 'Basic realm="c6"'
        assert json.loads(body) == {"authenticated": False}


# ---------------------------------------------------------------- robustness


BAD_REQUESTS = [
    b"\x00\x01\x02garbage\r\n\r\n",
    b"GET\r\n\r\n",
    b"GET / HTTP/9.9\r\n\r\n",
    b"GET /get HTTP/1.1\r\nHost: x\r\nBroken header line\r\n\r\n",
    b"GET /get HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 200000 + b"\r\n\r\n",
    b"POST /post HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc",
    b"POST /post HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
    b"POST /post HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n",
    b"GET /get?" + b"a&" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /%ff%fe%00/get HTTP/1.1\r\nHost: \xff\xfe\r\n\r\n",
    b"GET /basic-auth/a/b HTTP/1.1\r\nHost: x\r\nAuthorization: Basic " + b"A" * 5000 + b"\r\n\r\n",
    b"GET /cookies HTTP/1.1\r\nHost: x\r\nCookie: ;;=;a;=b;\"\r\n\r\n",
    b"GET /delay/100 HTTP/1.1\r\nHost: x\r\n\r\n",  # then hang up while delayed
]


@pytest.mark.parametrize("payload", BAD_REQUESTS, ids=range(len(BAD_REQUESTS)))
def test_bad_input_does_not_hurt(target, payload):
    host, port = hostport(target)
    with socket.create_connection((host, port), timeout=2) as s:
        try:
            s.sendall(payload)
            s.recv(100)
        except OSError:
            pass
    status, body = get_json(target + "/get")
    assert status == 200


def test_header_size_limit(target):
    status, body = get_json(target + "/headers", headers={"X-Big": "b" * 8000})
    assert status == 200 and body["headers"]["X-Big"] == "b" * 8000
    out = raw_exchange(target, b"GET /headers HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 65536 + b"\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 431 ")


def test_form_edge_cases(target):
    status, body = get_json(target + "/anything", method="POST", data=b"&&a=1&&b&=c&d==e&+x+=%zz%41&",
                            headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    assert status == 200
    assert body["form"] == {"a": "1", "b": "", "": "c", "d": "=e", " x ": "%zzA"}


def test_chunked_upload(target):
    out = raw_exchange(target, b"POST /anything HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                               b"Content-Type: application/json\r\nConnection: close\r\n\r\n"
                               b"4\r\n[1,2\r\n2\r\n,3\r\n1\r\n]\r\n0\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 200")
    assert json.loads(out.split(b"\r\n\r\n", 1)[1])["json"] == [1, 2, 3]


def test_many_connections(target):
    """Hundreds of simultaneous keep-alive connections are all served."""
    host, port = hostport(target)
    socks = [socket.create_connection((host, port), timeout=10) for _ in range(500)]
    try:
        for s in socks:
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        for s in socks:
            assert s.recv(4096).startswith(b"HTTP/1.1 200")
    finally:
        for s in socks:
            s.close()


# ---------------------------------------------------------------- process behaviour


def test_announce_line_and_sigterm_exit_0(own_server):
    s = own_server("--listen", "127.0.0.1:0")
    assert s.url and re.fullmatch(r"http://127\.0\.0\.1:\d+", s.url), s.first_line
    assert req(s.url + "/")[0] == 200
    assert s.stop(signal.SIGTERM) == 0


def test_sigint_exit_0(own_server):
    s = own_server("--listen", "127.0.0.1:0", "--threads", "4")
    assert req(s.url + "/get")[0] == 200
    assert s.stop(signal.SIGINT) == 0


def test_sigterm_with_delayed_requests_pending(own_server):
    s = own_server("--listen", "127.0.0.1:0")
    host, port = hostport(s.url)
    conns = []
    for _ in range(20):
        c = socket.create_connection((host, port), timeout=5)
        c.sendall(b"GET /delay/30000 HTTP/1.1\r\nHost: x\r\n\r\n")
        conns.append(c)
    time.sleep(0.3)
    t0 = time.monotonic()
    assert s.stop(signal.SIGTERM) == 0
    assert time.monotonic() - t0 < 5
    for c in conns:
        c.close()


def test_bind_failure_exits_1(own_server, c6_bin):
    s = own_server("--listen", "127.0.0.1:0")
    p = subprocess.run([c6_bin, "target", "--listen", s.url[len("http://"):]],
                       capture_output=True, text=True, timeout=10)
    assert p.returncode == 1
    assert "cannot listen" in p.stderr and p.stdout == ""


@pytest.mark.parametrize("args", [["--listen", "nonsense"], ["--listen", "127.0.0.1:99999"],
                                  ["--threads", "0"], ["--threads", "x"], ["--bogus"], ["--listen"]])
def test_bad_arguments_exit_1(c6_bin, args):
    p = subprocess.run([c6_bin, "target", *args], capture_output=True, text=True, timeout=10)
    assert p.returncode == 1 and p.stderr and p.stdout == ""


def test_ipv6(own_server):
    try:
        socket.socket(socket.AF_INET6).bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback")
    s = own_server("--listen", "[::1]:0")
    assert s.url and s.url.startswith("http://[::1]:"), s.first_line
    status, headers, body = req(s.url + "/ip")
    assert status == 200 and json.loads(body) == {"origin": "::1"}
    assert s.stop() == 0


def test_threads_option(own_server):
    s = own_server("--listen", "127.0.0.1:0", "--threads", "1")
    assert get_json(s.url + "/get")[0] == 200
    assert s.stop() == 0
