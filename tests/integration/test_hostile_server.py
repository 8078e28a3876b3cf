"""c6 against a hostile HTTP/1.1 and WebSocket server (tests/integration/hostile.py).

Each case is one misbehaviour of the server and what a k6 script sees of it:
res.status, res.error and res.error_code (k6 v2.2.0's values; the comment on
each case says where in k6's or Go's source the value comes from), plus two
limits on c6 itself: its peak RSS stays under a bound, and it does not stall
(the run ends within the request timeout plus a margin).

All the runs are started at once from a module fixture (threads; each c6 is a
separate process against its own server) so the whole file takes about as
long as its slowest case; the tests then check one case each.

Where k6's text comes from Go, the path is Go's: net/http/response.go
(ReadResponse), net/http/transfer.go (fixLength, parseContentLength),
net/http/internal/chunked.go (the chunked reader), net/http/transport.go
(persistConn.readResponse/readLoop), net/http/client.go (Client.do: redirects).
k6's own: lib/netext/httpext/error_codes.go (codes), transport.go (status and
1000+status), request.go (MakeRequest: the redirect limit and its warning).
"""
import concurrent.futures
import hashlib
import base64
import json
import os
import pathlib
import select
import socket
import struct
import time

import pytest

from hostile import HostileServer, feed, run_c6

HERE = pathlib.Path(__file__).resolve().parent
HTTP_JS = HERE / "scripts" / "hostile" / "http.js"
WS_JS = HERE / "scripts" / "hostile" / "ws.js"

MB = 1024            # peak RSS is in KB
RSS_BOUND_KB = 96 * MB   # c6 idles at ~15 MB; the floods below must not add more than this
STALL_MARGIN_S = 8.0     # a loaded 2-core machine: start-up and teardown of c6 take time


# ------------------------------------------------------------ server behaviours


def wait_peer(conn, seconds):
    """Hold the connection open, reading and dropping what comes, until the
    peer closes it, `seconds` pass or the server stops."""
    end = time.monotonic() + seconds
    while conn.server.alive() and time.monotonic() < end:
        r, _, _ = select.select([conn.sock], [], [], 0.05)
        if r:
            try:
                if not conn.sock.recv(65536):
                    return
            except OSError:
                return


def rst(conn):
    """Close with a TCP reset (SO_LINGER 0) instead of a FIN."""
    conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.sock.close()


def answer(raw):
    """Send `raw`, then close normally (FIN)."""
    def behave(conn, request):
        feed(conn, raw)
    return behave


def answer_rst(raw):
    """Send `raw`, give the client time to read it, then reset the connection."""
    def behave(conn, request):
        feed(conn, raw)
        time.sleep(0.2)
        rst(conn)
    return behave


def request_path(request):
    line = request.split(b"\r\n", 1)[0].decode("latin-1")
    parts = line.split(" ")
    return parts[1] if len(parts) > 1 else "/"


def ok(body=b"ok", extra=b""):
    return (b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n" % len(body)) + extra + b"\r\n" + body


def stall(conn, request):
    """Read the request, answer nothing."""
    wait_peer(conn, 15)


def slowloris_head(conn, request):
    """A response head one byte every 100 ms, never ending."""
    head = b"HTTP/1.1 200 OK\r\n" + b"X-Slow: " + b"a" * 1000
    for b in head:
        if not feed(conn, bytes([b])):
            return
        time.sleep(0.1)


def slowloris_body(conn, request):
    """A whole head, then the body one byte every 100 ms."""
    if not feed(conn, b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"):
        return
    for _ in range(1000):
        if not feed(conn, b"x"):
            return
        time.sleep(0.1)


def flood_1xx(n, final=True):
    def behave(conn, request):
        for i in range(n):
            code = b"100 Continue" if i % 2 else b"103 Early Hints"
            if not feed(conn, b"HTTP/1.1 " + code + b"\r\nLink: </style.css>; rel=preload\r\n\r\n"):
                return
        if final:
            feed(conn, ok())
    return behave


def endless_1xx(conn, request):
    block = b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n" * 256
    while feed(conn, block):
        pass


def redirect_loop(conn, request):
    feed(conn, b"HTTP/1.1 302 Found\r\nLocation: /loop\r\nContent-Length: 0\r\n\r\n")


def redirect_to(location, first="/a/b"):
    """First request (path `first`): 302 to `location`; any other: 200 with the path as body."""
    def behave(conn, request):
        path = request_path(request)
        if path == first:
            feed(conn, b"HTTP/1.1 302 Found\r\nLocation: " + location + b"\r\nContent-Length: 0\r\n\r\n")
        else:
            feed(conn, ok(path.encode()))
    return behave


def redirect_to_self_host(path):
    """302 to //127.0.0.1:<port><path> (a scheme-relative Location)."""
    def behave(conn, request):
        if request_path(request) == "/a/b":
            port = conn.server.port
            loc = b"//127.0.0.1:%d%s" % (port, path)
            feed(conn, b"HTTP/1.1 302 Found\r\nLocation: " + loc + b"\r\nContent-Length: 0\r\n\r\n")
        else:
            feed(conn, ok(request_path(request).encode()))
    return behave


def trailer_flood(conn, request):
    """A chunked body whose trailer section is 8 MB of fields."""
    if not feed(conn, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n"):
        return
    block = b"".join(b"X-Trailer-%d: value\r\n" % i for i in range(4096))
    for _ in range(8 * 1024 * 1024 // len(block)):
        if not feed(conn, block):
            return
    feed(conn, b"\r\n")


def chunk_ext_flood(conn, request):
    """Many one-byte chunks, each with a long extension: more than 16 KB of framing."""
    if not feed(conn, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"):
        return
    for _ in range(200):
        if not feed(conn, b"1;ext=" + b"e" * 1000 + b"\r\nx\r\n"):
            return
    feed(conn, b"0\r\n\r\n")


def cookies(lines):
    return answer(b"HTTP/1.1 200 OK\r\n" + b"".join(b"Set-Cookie: " + ln + b"\r\n" for ln in lines)
                  + b"Content-Length: 2\r\n\r\nok")


# ------------------------------------------------------------ WebSocket server

WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def ws_upgrade(conn, request):
    key = b""
    for line in request.split(b"\r\n"):
        if line.lower().startswith(b"sec-websocket-key:"):
            key = line.split(b":", 1)[1].strip()
    accept = base64.b64encode(hashlib.sha1(key + WS_GUID).digest())
    return feed(conn, b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                      b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n")


def ws_frame(opcode, payload, fin=True, mask=False, rsv=0, length=None):
    b0 = (0x80 if fin else 0) | rsv | opcode
    n = len(payload) if length is None else length
    if n < 126:
        head = bytes([b0, (0x80 if mask else 0) | n])
    elif n < 65536:
        head = bytes([b0, (0x80 if mask else 0) | 126]) + struct.pack(">H", n)
    else:
        head = bytes([b0, (0x80 if mask else 0) | 127]) + struct.pack(">Q", n)
    if mask:
        key = b"\x01\x02\x03\x04"
        payload = bytes(c ^ key[i % 4] for i, c in enumerate(payload))
        head += key
    return head + payload


def ws_then(*frames, hold=5):
    """Upgrade, send `frames`, then keep the connection until the client ends it."""
    def behave(conn, request):
        if not ws_upgrade(conn, request):
            return
        for f in frames:
            if not feed(conn, f):
                return
        wait_peer(conn, hold)
    return behave


# ------------------------------------------------------------ the table

class Case:
    def __init__(self, name, behave, status=0, error="", error_code=0, script=HTTP_JS,
                 env=None, timeout_s=None, rss_kb=RSS_BOUND_KB, check=None, max_bytes=64 << 20):
        self.name, self.behave, self.script = name, behave, script
        self.status, self.error, self.error_code = status, error, error_code
        self.env, self.timeout_s, self.rss_kb = env or {}, timeout_s, rss_kb
        self.check, self.max_bytes = check, max_bytes


def body_is(text):
    def check(seen, srv):
        assert seen["body"] == text, seen
    return check


def requests_made(n):
    def check(seen, srv):
        assert len(srv.requests) == n, [request_path(r) for r in srv.requests]
    return check


HUGE_LINE = 11 * 1024 * 1024    # above Go's 10 MB response-header limit

CASES = [
    # ---- status lines: net/http/response.go ReadResponse; badStringError is
    # fmt.Errorf("%s %q", what, val); k6's errorCodeForError unwraps to it: 1000
    Case("status_garbage", answer(b"garbage\r\n\r\n"),
         error='malformed HTTP response "garbage"', error_code=1000),
    # an HTTP/0.9-style answer (a body without a status line): the same first check
    Case("status_http09", answer(b"<html>hello</html>\n"),
         error='malformed HTTP response "<html>hello</html>"', error_code=1000),
    Case("status_short_code", answer(b"HTTP/1.1 20 OK\r\nContent-Length: 0\r\n\r\n"),
         error='malformed HTTP status code "20"', error_code=1000),
    Case("status_not_digits", answer(b"HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n"),
         error='malformed HTTP status code "2x0"', error_code=1000),
    Case("status_bad_version", answer(b"ICY 200 OK\r\nContent-Length: 0\r\n\r\n"),
         error='malformed HTTP version "ICY"', error_code=1000),
    # no reason phrase: Go takes "200" as the whole status
    Case("status_no_reason", answer(b"HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok"),
         status=200, check=body_is("ok")),
    # 000: strconv.Atoi gives 0, which is not < 0, so Go accepts it; k6's
    # transport.go sets error_code only for status >= 400
    Case("status_000", answer(b"HTTP/1.1 000 Zero\r\nContent-Length: 2\r\n\r\nok"),
         status=0, check=body_is("ok")),
    # 999: accepted; transport.go: error_code = 1000 + status for status >= 400
    Case("status_999", answer(b"HTTP/1.1 999 Odd\r\nContent-Length: 2\r\n\r\nok"),
         status=999, error_code=1999, check=body_is("ok")),
    # a long (32 KB) reason phrase is within every limit
    Case("status_long_reason", answer(b"HTTP/1.1 200 " + b"r" * 32768 + b"\r\nContent-Length: 2\r\n\r\nok"),
         status=200, check=body_is("ok")),

    # ---- Content-Length: net/http/transfer.go fixLength / parseContentLength
    Case("cl_negative", answer(b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nok"),
         error='bad Content-Length "-1"', error_code=1000),
    Case("cl_not_a_number", answer(b"HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\nok"),
         error='bad Content-Length "abc"', error_code=1000),
    Case("cl_two_values", answer(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"),
         error='http: message cannot contain multiple Content-Length headers; got ["5" "6"]',
         error_code=1000),
    # the same value twice is deduplicated, not refused
    Case("cl_same_twice", answer(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok"),
         status=200, check=body_is("ok")),
    # the body ends before Content-Length: io.ErrUnexpectedEOF from the body
    # reader; MakeRequest keeps status 0 when reading the body failed
    Case("cl_longer_than_body", answer(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten!!"),
         error="unexpected EOF", error_code=1000),
    # more body than Content-Length: the rest is not part of the response
    Case("cl_shorter_than_body", answer(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokAND MORE"),
         status=200, check=body_is("ok")),

    # ---- chunked bodies: net/http/internal/chunked.go
    Case("chunk_bad_hex", answer(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"),
         error="invalid byte in chunk length", error_code=1000),
    Case("chunk_missing_crlf", answer(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n"),
         error="malformed chunked encoding", error_code=1000),
    # parseHexUint: a 17th digit
    Case("chunk_size_17_digits", answer(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                        b"10000000000000000\r\nhello\r\n0\r\n\r\n"),
         error="http chunk length too large", error_code=1000),
    # a size that fits, then the peer closes: the body reader's io.ErrUnexpectedEOF
    Case("chunk_size_huge_then_close", answer(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                              b"7fffffffffffffff\r\nhello"),
         error="unexpected EOF", error_code=1000),
    # removeChunkExtension drops everything after ';' unchecked
    Case("chunk_extension_garbage", answer(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                           b"2;\x01\x7f=\"unterminated\r\nok\r\n0\r\n\r\n"),
         status=200, check=body_is("ok")),
    # chunkedReader.beginChunk: more than 16 KiB of framing beyond 16+2n per chunk
    Case("chunk_extension_flood", chunk_ext_flood,
         error="chunked encoding contains too much non-data", error_code=1000),
    # readChunkLine: a chunk line longer than bufio's 4096-byte buffer
    Case("chunk_line_too_long", answer(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                       b"2;" + b"e" * 5000 + b"\r\nok\r\n0\r\n\r\n"),
         error="header line too long", error_code=1000),
    # body.readTrailer reads the trailer with textproto's ReadMIMEHeader, no
    # limit: the response is fine; c6 must not keep the 8 MB
    Case("chunk_trailer_flood", trailer_flood, status=200, check=body_is("ok")),

    # ---- resets: error_codes.go errorCodeForNetOpError: ECONNRESET on a read
    # is 1220 "read: connection reset by peer"
    Case("reset_mid_headers", answer_rst(b"HTTP/1.1 200 OK\r\nContent-Le"),
         error="read: connection reset by peer", error_code=1220),
    Case("reset_mid_body", answer_rst(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + b"x" * 100),
         error="read: connection reset by peer", error_code=1220),
    # closed without a byte of answer: transportReadFromServerError wraps io.EOF
    Case("close_before_answer", answer(b""), error="EOF", error_code=1000),

    # ---- stalls: k6's transport.go turns the deadline into requestTimeoutErrorCode
    # 1050, "request timeout" (error_codes.go requestTimeoutErrorCodeMsg)
    Case("stall_no_answer", stall, env={"TIMEOUT": "1s"}, timeout_s=1.0,
         error="request timeout", error_code=1050),
    Case("slowloris_head", slowloris_head, env={"TIMEOUT": "1s"}, timeout_s=1.0,
         error="request timeout", error_code=1050),
    # request.go MakeRequest: a deadline while reading the body is also 1050
    Case("slowloris_body", slowloris_body, env={"TIMEOUT": "1s"}, timeout_s=1.0,
         error="request timeout", error_code=1050),

    # ---- 1xx: transport.go persistConn.readResponse skips 1xx (not 101); since
    # Go 1.24 without a Got1xxResponse hook (k6's tracer sets none) they are not
    # counted, their bytes count against the 10 MB response-header limit
    Case("1xx_flood_then_200", flood_1xx(2000), status=200, check=body_is("ok")),
    Case("1xx_endless", endless_1xx, max_bytes=12 << 20,
         error="net/http: server response headers exceeded 10485760 bytes; aborted", error_code=1000),

    # ---- redirects: request.go CheckRedirect returns http.ErrUseLastResponse
    # once len(via) > maxRedirects: the last 3xx is the result, no error
    Case("redirect_loop_default", redirect_loop, status=302, check=requests_made(11)),
    Case("redirect_loop_max3", redirect_loop, env={"REDIRECTS": "3"}, status=302, check=requests_made(4)),
    # client.go Client.do: a 3xx without Location is returned as it is
    Case("location_empty", redirect_to(b""), env={"PATH_": "/a/b"}, status=302, check=requests_made(1)),
    # client.go: url.Parse fails: "failed to parse Location header %q: %v"
    Case("location_garbage", redirect_to(b"%zz"), env={"PATH_": "/a/b"},
         error='failed to parse Location header "%zz": parse "%zz": invalid URL escape "%zz"',
         error_code=1000),
    # relative forms resolve against the request URL (url.URL.Parse, RFC 3986)
    Case("location_relative_path", redirect_to(b"final"), env={"PATH_": "/a/b"},
         status=200, check=body_is("/a/final")),
    Case("location_absolute_path", redirect_to(b"/final"), env={"PATH_": "/a/b"},
         status=200, check=body_is("/final")),
    Case("location_query_only", redirect_to(b"?q=1"), env={"PATH_": "/a/b"},
         status=200, check=body_is("/a/b?q=1")),
    Case("location_scheme_relative", redirect_to_self_host(b"/other"), env={"PATH_": "/a/b"},
         status=200, check=body_is("/other")),

    # ---- cookies: net/http/cookie.go readSetCookies skips what does not parse;
    # the jar (net/http/cookiejar) keeps the rest
    Case("cookie_garbage", cookies([b"\x01bad=1", b"=novalue", b";;;", b"noequals", b"good=1"]),
         status=200, check=lambda seen, srv: (seen["jar"] == 1 and seen["jar_names"] == ["good"])
         or pytest.fail(repr(seen))),
    Case("cookie_huge_value", cookies([b"big=" + b"v" * 30000]), status=200,
         check=lambda seen, srv: (seen["jar"] == 1 and seen["jar_value_len"] == 30000)
         or pytest.fail(repr(seen))),
    Case("cookie_thousands", cookies([b"c%d=v" % i for i in range(2000)]), status=200,
         check=lambda seen, srv: seen["jar"] == 2000 or pytest.fail(repr(seen))),
]


# ------------------------------------------------------------ running them

def _is_asan(c6_bin):
    with open(c6_bin, "rb") as f:
        return b"AddressSanitizer" in f.read()


def _run_case(c6_bin, case):
    with HostileServer(case.behave, max_seconds=30, max_bytes=case.max_bytes) as srv:
        env = {"URL": srv.url, **case.env}
        r = run_c6(c6_bin, case.script, "--log-format=json", "--summary-mode=disabled",
                   env=env, timeout=60)
        srv.close()
        return r, srv


def _seen(r):
    """The script's JSON line (console.log) from the JSON log on stderr."""
    for line in r.err.splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if rec.get("source") == "console":
            return json.loads(rec["msg"])
    raise AssertionError(f"the script logged no result: {r!r}")


def _logs(r, level):
    out = []
    for line in r.err.splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if rec.get("level") == level:
            out.append(rec)
    return out


@pytest.fixture(scope="module")
def results(c6_bin):
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        futs = {c.name: pool.submit(_run_case, c6_bin, c) for c in CASES}
        return {name: f.result() for name, f in futs.items()}


@pytest.fixture(scope="module")
def rss_scale(c6_bin):
    return 4 if _is_asan(c6_bin) else 1   # ASan's shadow memory and quarantine


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_http(results, rss_scale, case):
    r, srv = results[case.name]
    assert r.code == 0, r
    seen = _seen(r)
    assert (seen["status"], seen["error"], seen["error_code"]) == \
        (case.status, case.error, case.error_code), (seen, r)
    if case.check:
        case.check(seen, srv)
    assert r.peak_rss_kb < case.rss_kb * rss_scale, r
    if case.timeout_s is not None:
        assert case.timeout_s - 0.05 <= r.elapsed < case.timeout_s + STALL_MARGIN_S, r
    else:
        assert r.elapsed < STALL_MARGIN_S * 2, r


def test_redirect_limit_warns_only_by_default(results):
    # request.go CheckRedirect: the warning is logged only when neither the
    # request's `redirects` nor options.maxRedirects was set
    r, srv = results["redirect_loop_default"]
    warns = [w for w in _logs(r, "warning") if w["msg"].startswith("Stopped after")]
    assert [w["msg"] for w in warns] == [
        "Stopped after 11 redirects and returned the redirection; pass { redirects: n }"
        " in request params or set global maxRedirects to silence this"], r
    assert warns[0].get("url") == srv.url + "/", r
    r, srv = results["redirect_loop_max3"]
    assert not [w for w in _logs(r, "warning") if w["msg"].startswith("Stopped after")], r
