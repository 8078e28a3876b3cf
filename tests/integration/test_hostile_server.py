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
import base64
import concurrent.futures
import hashlib
import pathlib
import select
import socket
import struct
import time

import pytest

from hostile import HostileServer, console_json, feed, log_records, run_c6

HERE = pathlib.Path(__file__).resolve().parent
HTTP_JS = HERE / "scripts" / "hostile" / "http.js"
WS_JS = HERE / "scripts" / "hostile" / "ws.js"
WSN_JS = HERE / "scripts" / "hostile" / "wsn.js"

MB = 1024            # peak RSS is in KB
RSS_BOUND_KB = 56 * MB   # c6 peaks at 17-19 MB in every case here (up to 50 MB under ASan; libprotobuf/libprotoc, linked since k6/net/grpc, add ~3 MB of RSS to any c6 process, nearly all of it shared clean library pages: ~120 KB private with libstdc++)
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

def H(status=0, error="", error_code=0):
    """What an HTTP script sees: res.status, res.error, res.error_code."""
    return {"status": status, "error": error, "error_code": error_code}


def W(*events):
    """What a k6/ws script sees: the handshake's status and its events in order."""
    return {"status": 101, "events": [list(e) for e in events]}


class Case:
    """`k6`: what k6 v2.2.0 gives. `c6`: only for a documented known difference
    (README, "Known differences from k6 v2.2.0"): what c6 gives today, asserted
    so that a change is noticed; the case then still checks memory and time."""

    def __init__(self, name, behave, k6, c6=None, script=HTTP_JS, env=None, timeout_s=None,
                 rss_kb=RSS_BOUND_KB, check=None, max_bytes=64 << 20, server=None, scheme=None):
        self.name, self.behave, self.k6, self.c6 = name, behave, k6, c6
        self.server, self.scheme = server or {}, scheme   # HostileServer's options; URL scheme
        self.script, self.env, self.timeout_s, self.rss_kb = script, env or {}, timeout_s, rss_kb
        self.check, self.max_bytes = check, max_bytes


def body_is(text):
    def check(seen, srv):
        assert seen["body"] == text, seen
    return check


def requests_made(n):
    def check(seen, srv):
        assert len(srv.requests) == n, [request_path(r) for r in srv.requests]
    return check


def jar_is(count, names=None, first_value_len=None):
    def check(seen, srv):
        assert seen["jar"] == count, seen
        if names is not None:
            assert seen["jar_names"] == names, seen
        if first_value_len is not None:
            assert seen["jar_value_len"] == first_value_len, seen
    return check


HUGE_LINE = 11 * 1024 * 1024    # above Go's 10 MB response-header limit

HTTP_CASES = [
    # ---- status lines: net/http/response.go ReadResponse; badStringError is
    # fmt.Errorf("%s %q", what, val); k6's errorCodeForError unwraps to it: 1000
    Case("status_garbage", answer(b"garbage\r\n\r\n"),
         H(error='malformed HTTP response "garbage"', error_code=1000)),
    # an HTTP/0.9-style answer (a body without a status line): the same first check
    Case("status_http09", answer(b"<html>hello</html>\n"),
         H(error='malformed HTTP response "<html>hello</html>"', error_code=1000)),
    Case("status_short_code", answer(b"HTTP/1.1 20 OK\r\nContent-Length: 0\r\n\r\n"),
         H(error='malformed HTTP status code "20"', error_code=1000)),
    Case("status_not_digits", answer(b"HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n"),
         H(error='malformed HTTP status code "2x0"', error_code=1000)),
    Case("status_bad_version", answer(b"ICY 200 OK\r\nContent-Length: 0\r\n\r\n"),
         H(error='malformed HTTP version "ICY"', error_code=1000)),
    # no reason phrase: Go takes "200" as the whole status
    Case("status_no_reason", answer(b"HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok"),
         H(200), check=body_is("ok")),
    # 000: strconv.Atoi gives 0, which is not < 0, so Go accepts it; k6's
    # transport.go sets error_code only for status >= 400
    Case("status_000", answer(b"HTTP/1.1 000 Zero\r\nContent-Length: 2\r\n\r\nok"),
         H(0)),
    # 999: accepted; transport.go: error_code = 1000 + status for status >= 400
    Case("status_999", answer(b"HTTP/1.1 999 Odd\r\nContent-Length: 2\r\n\r\nok"),
         H(999, "", 1999), check=body_is("ok")),
    # a long (32 KB) reason phrase is within every limit
    Case("status_long_reason", answer(b"HTTP/1.1 200 " + b"r" * 32768 + b"\r\nContent-Length: 2\r\n\r\nok"),
         H(200), check=body_is("ok")),
    # an 11 MB status line: transport.go readLoop, pc.readLimit (10 << 20 by
    # default, maxHeaderResponseSize) exhausted
    Case("status_line_11mb", answer(b"HTTP/1.1 200 " + b"r" * HUGE_LINE + b"\r\n\r\n"),
         H(error="net/http: server response headers exceeded 10485760 bytes; aborted", error_code=1000)),

    # ---- Content-Length: net/http/transfer.go fixLength / parseContentLength
    Case("cl_negative", answer(b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nok"),
         H(error='bad Content-Length "-1"', error_code=1000)),
    Case("cl_not_a_number", answer(b"HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\nok"),
         H(error='bad Content-Length "abc"', error_code=1000)),
    Case("cl_two_values", answer(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"),
         H(error='http: message cannot contain multiple Content-Length headers; got ["5" "6"]',
           error_code=1000)),
    # the same value twice is deduplicated, not refused
    Case("cl_same_twice", answer(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok"),
         H(200), check=body_is("ok")),
    # the body ends before Content-Length: io.ErrUnexpectedEOF from the body
    # reader; MakeRequest keeps status 0 when reading the body failed
    Case("cl_longer_than_body", answer(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten!!"),
         H(error="unexpected EOF", error_code=1000)),
    # more body than Content-Length: the rest is not part of the response
    Case("cl_shorter_than_body", answer(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokAND MORE"),
         H(200), check=body_is("ok")),

    Case("cl_plus_sign", answer(b"HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\nok"),
         H(error='bad Content-Length "+2"', error_code=1000)),
    Case("cl_too_big", answer(b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\nok"),
         H(error='bad Content-Length "99999999999999999999"', error_code=1000)),
    # an empty value: "invalid empty Content-Length" (Go 1.22; httplaxcontentlength unset)
    Case("cl_empty", answer(b"HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\nok"),
         H(error='invalid empty Content-Length ""', error_code=1000)),
    # ParseUint(v, 10, 63): leading zeros are fine
    Case("cl_leading_zeros", answer(b"HTTP/1.1 200 OK\r\nContent-Length: 0000000000000000000002\r\n\r\nok"),
         H(200), check=body_is("ok")),
    # neither length nor chunks: the body runs to the close (transfer.go fixLength -1)
    Case("body_until_close", answer(b"HTTP/1.1 200 OK\r\n\r\nuntil close"), H(200),
         check=body_is("until close")),
    # 204: fixLength gives 0 whatever Content-Length says
    Case("status_204_with_body", answer(b"HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello"),
         H(204), check=body_is("")),

    # ---- Transfer-Encoding: transfer.go parseTransferEncoding (unsupportedTEError)
    Case("te_gzip", answer(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxx"),
         H(error='unsupported transfer encoding: "gzip"', error_code=1000)),
    Case("te_gzip_chunked", answer(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"),
         H(error='unsupported transfer encoding: "gzip, chunked"', error_code=1000)),
    # only "chunked" itself: identity, alone or in a list, is refused too
    Case("te_identity", answer(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\nContent-Length: 2\r\n\r\nok"),
         H(error='unsupported transfer encoding: "identity"', error_code=1000)),
    Case("te_identity_chunked", answer(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: identity, chunked\r\n\r\n"
                                       b"2\r\nok\r\n0\r\n\r\n"),
         H(error='unsupported transfer encoding: "identity, chunked"', error_code=1000)),
    Case("te_two_fields", answer(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"
                                 b"2\r\nok\r\n0\r\n\r\n"),
         H(error='too many transfer encodings: ["chunked" "chunked"]', error_code=1000)),
    # chunked wins over Content-Length
    Case("te_and_cl", answer(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 100\r\n\r\n"
                             b"2\r\nok\r\n0\r\n\r\n"), H(200), check=body_is("ok")),
    # HTTP/1.0: Transfer-Encoding is ignored (issue 12785), the body runs to the
    # close with the chunk framing in it
    Case("http10_te_chunked", answer(b"HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"),
         H(200), check=body_is("2\r\nok\r\n0\r\n\r\n")),

    # ---- header lines: net/textproto reader.go readMIMEHeader
    # readContinuedLineSlice(.., mustHaveFieldNameColon) checks the line first
    Case("header_no_colon", answer(b"HTTP/1.1 200 OK\r\nNoColonHere\r\nContent-Length: 2\r\n\r\nok"),
         H(error='malformed MIME header: missing colon: "NoColonHere"', error_code=1000)),
    # canonicalMIMEHeaderKey takes a space before the colon, uncanonicalised (go.dev/issue/34540)
    Case("header_space_before_colon", answer(b"HTTP/1.1 200 OK\r\nFoo : bar\r\nContent-Length: 2\r\n\r\nok"),
         H(200)),
    # a first header line that starts with a space (c6 takes it)
    Case("header_initial_space", answer(b"HTTP/1.1 200 OK\r\n X-A: one\r\nContent-Length: 2\r\n\r\nok"),
         H(error="malformed MIME header initial line:  X-A: one", error_code=1000)),
    # obs-fold: readContinuedLineSlice joins the lines
    Case("header_obs_fold", answer(b"HTTP/1.1 200 OK\r\nX-A: one\r\n two\r\nContent-Length: 2\r\n\r\nok"),
         H(200), check=body_is("ok")),
    # bare LF line ends: textproto's ReadLine takes them
    Case("header_bare_lf", answer(b"HTTP/1.1 200 OK\nContent-Length: 2\n\nok"), H(200), check=body_is("ok")),
    # NUL in a value: validHeaderValueByte (c6 takes the head, without its headers)
    Case("header_nul_byte", answer(b"HTTP/1.1 200 OK\r\nX-A: a\x00b\r\nX-B: c\r\nContent-Length: 2\r\n\r\nok"),
         H(error="malformed MIME header line: X-A: a\x00b", error_code=1000),
         c6=H(error="malformed MIME header line: X-A: a", error_code=1000)),   # c6's text ends at the NUL

    # ---- chunked bodies: net/http/internal/chunked.go
    Case("chunk_bad_hex", answer(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"),
         H(error="invalid byte in chunk length", error_code=1000)),
    Case("chunk_missing_crlf", answer(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n"),
         H(error="malformed chunked encoding", error_code=1000)),
    # readChunkLine: a chunk-size line must end in CR LF (errata 7633)
    Case("chunk_bare_lf", answer(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\nok\r\n0\r\n\r\n"),
         H(error="chunked line ends with bare LF", error_code=1000)),
    # parseHexUint: a 17th digit
    Case("chunk_size_17_digits", answer(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                        b"10000000000000000\r\nhello\r\n0\r\n\r\n"),
         H(error="http chunk length too large", error_code=1000)),
    # 16 digits fit; then the peer closes: the body reader's io.ErrUnexpectedEOF
    Case("chunk_size_huge_then_close", answer(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                              b"7fffffffffffffff\r\nhello"),
         H(error="unexpected EOF", error_code=1000)),
    # removeChunkExtension drops everything after ';' unchecked
    Case("chunk_extension_garbage", answer(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                           b"2;\x01\x7f=\"unterminated\r\nok\r\n0\r\n\r\n"),
         H(200), check=body_is("ok")),
    # chunkedReader.beginChunk: more than 16 KiB of framing beyond 16+2n per chunk
    Case("chunk_extension_flood", chunk_ext_flood,
         H(error="chunked encoding contains too much non-data", error_code=1000)),
    # readChunkLine: a chunk line longer than bufio's 4096-byte buffer
    Case("chunk_line_too_long", answer(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                       b"2;" + b"e" * 5000 + b"\r\nok\r\n0\r\n\r\n"),
         H(error="header line too long", error_code=1000)),
    # transfer.go body.readTrailer: before ReadMIMEHeader, seeUpcomingDoubleCRLF
    # peeks for CR LF CR LF within the bufio.Reader's 4096 bytes; past them,
    # "http: suspiciously long trailer after chunked body" (a body read error:
    # status 0, as any failed body read in k6's MakeRequest)
    Case("chunk_trailer_flood", trailer_flood,
         H(error="http: suspiciously long trailer after chunked body", error_code=1000)),
    # a trailer within the limit is read (Go keeps it in Response.Trailer, which k6 does not show)
    Case("chunk_trailer_ok", answer(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n"
                                    b"X-Checksum: abc\r\nX-Other: 1\r\n\r\n"),
         H(200), check=body_is("ok")),
    # the peer closes after the last chunk: readTrailer's Peek(2) gets less than two bytes
    Case("chunk_trailer_eof", answer(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n"),
         H(error="http: unexpected EOF reading trailer", error_code=1000)),

    # ---- resets: error_codes.go errorCodeForNetOpError: ECONNRESET on a read
    # is 1220 "read: connection reset by peer"
    Case("reset_mid_headers", answer_rst(b"HTTP/1.1 200 OK\r\nContent-Le"),
         H(error="read: connection reset by peer", error_code=1220)),
    Case("reset_mid_body", answer_rst(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + b"x" * 100),
         H(error="read: connection reset by peer", error_code=1220)),
    # closed without a byte of answer: transportReadFromServerError wraps io.EOF
    Case("close_before_answer", answer(b""), H(error="EOF", error_code=1000)),

    # ---- stalls: k6's transport.go turns the deadline into requestTimeoutErrorCode
    # 1050, "request timeout" (error_codes.go requestTimeoutErrorCodeMsg)
    Case("stall_no_answer", stall, H(error="request timeout", error_code=1050),
         env={"TIMEOUT": "1s"}, timeout_s=1.0),
    Case("slowloris_head", slowloris_head, H(error="request timeout", error_code=1050),
         env={"TIMEOUT": "1s"}, timeout_s=1.0),
    # request.go MakeRequest: a deadline while reading the body is also 1050
    Case("slowloris_body", slowloris_body, H(error="request timeout", error_code=1050),
         env={"TIMEOUT": "1s"}, timeout_s=1.0),

    # ---- 1xx: transport.go persistConn.readResponse skips 1xx (not 101); since
    # Go 1.24, without a Got1xxResponse hook (k6's tracer.go sets none), they are
    # not counted: their bytes count against the 10 MB response-header limit.
    # c6 stops after 16 (h1_parse.c MAX_INTERIM).
    Case("1xx_flood_then_200", flood_1xx(2000), H(200)),
    Case("1xx_endless", endless_1xx,
         H(error="net/http: server response headers exceeded 10485760 bytes; aborted", error_code=1000), max_bytes=12 << 20),
    Case("1xx_few_then_200", flood_1xx(10), H(200), check=body_is("ok")),

    # ---- redirects: request.go CheckRedirect returns http.ErrUseLastResponse
    # once len(via) > maxRedirects: the last 3xx is the result, no error
    Case("redirect_loop_default", redirect_loop, H(302), check=requests_made(11)),
    Case("redirect_loop_max3", redirect_loop, H(302), env={"REDIRECTS": "3"}, check=requests_made(4)),
    # client.go Client.do: a 3xx without Location is returned as it is
    Case("location_empty", redirect_to(b""), H(302), env={"PATH_": "/a/b"}, check=requests_made(1)),
    # client.go: url.Parse fails: "failed to parse Location header %q: %v"
    # (c6 follows it, to /a/%zz)
    Case("location_garbage", redirect_to(b"%zz"),
         H(error='failed to parse Location header "%zz": parse "%zz": invalid URL escape "%zz"',
           error_code=1000), env={"PATH_": "/a/b"}),
    # relative forms resolve against the request URL (url.URL.Parse, RFC 3986)
    Case("location_relative_path", redirect_to(b"final"), H(200), env={"PATH_": "/a/b"},
         check=body_is("/a/final")),
    Case("location_absolute_path", redirect_to(b"/final"), H(200), env={"PATH_": "/a/b"},
         check=body_is("/final")),
    Case("location_query_only", redirect_to(b"?q=1"), H(200), env={"PATH_": "/a/b"},
         check=body_is("/a/b?q=1")),
    Case("location_scheme_relative", redirect_to_self_host(b"/other"), H(200), env={"PATH_": "/a/b"},
         check=body_is("/other")),

    # ---- cookies: net/http/cookie.go readSetCookies skips what does not parse;
    # the jar (net/http/cookiejar) keeps the rest, with no count or size limit
    Case("cookie_garbage", cookies([b"b(a)d=1", b"=novalue", b";;;", b"noequals", b"sp ace=1", b"good=1"]),
         H(200), check=jar_is(1, ["good"])),
    # a control byte in a header value: net/textproto readMIMEHeader refuses
    # the whole head (validHeaderValueByte), "malformed MIME header line: "
    # + the line (c6 takes the head and skips the cookie)
    Case("header_control_byte", cookies([b"\x01bad=1", b"good=1"]),
         H(error="malformed MIME header line: Set-Cookie: \x01bad=1", error_code=1000)),
    Case("cookie_huge_value", cookies([b"big=" + b"v" * 30000]), H(200),
         check=jar_is(1, ["big"], 30000)),
    Case("cookie_thousands", cookies([b"c%d=v" % i for i in range(2000)]), H(200), check=jar_is(2000)),
]

# ---- WebSocket (k6/ws). k6's internal/js/modules/k6/ws/ws.go readPump
# reports a read error as an `error` event only if it is a
# *websocket.CloseError other than 1000/1001 (IsUnexpectedCloseError), then
# closes with that code (1001 for any other error) through closeConnection,
# whose WriteControl fails with gorilla's ErrCloseSent ("websocket: close
# sent") when gorilla already sent a close itself: gorilla/websocket v1.5.3
# conn.go advanceFrame answers every protocol error (handleProtocolError:
# "unknown opcode N", "control frame length > 125", "control frame not
# final", "incorrect mask flag", "unexpected reserved bits 0x40",
# "continuation after final message frame", "invalid close code", "invalid
# utf8 payload in close frame") with a close frame (1002), then returns a
# plain error, not a CloseError.
K6_WS_PROTOCOL_ERROR = W(("open",), ("error", "websocket: close sent"), ("close", 1001))

WS_CASES = [
    Case("ws_reserved_data_opcode", ws_then(ws_frame(3, b"hi")), K6_WS_PROTOCOL_ERROR),
    Case("ws_reserved_control_opcode", ws_then(ws_frame(11, b"hi")), K6_WS_PROTOCOL_ERROR),
    Case("ws_control_frame_too_long", ws_then(ws_frame(9, b"p" * 126)), K6_WS_PROTOCOL_ERROR),
    Case("ws_control_frame_fragmented", ws_then(ws_frame(9, b"p", fin=False)), K6_WS_PROTOCOL_ERROR),
    Case("ws_masked_from_server", ws_then(ws_frame(1, b"hello", mask=True)), K6_WS_PROTOCOL_ERROR),
    Case("ws_reserved_bits", ws_then(ws_frame(1, b"hello", rsv=0x40)), K6_WS_PROTOCOL_ERROR),
    Case("ws_bad_close_code", ws_then(ws_frame(8, b"\x03\xe7")), K6_WS_PROTOCOL_ERROR),
    # 1014 is in RFC 6455's range but not in gorilla's validReceivedCloseCodes
    Case("ws_close_code_1014", ws_then(ws_frame(8, b"\x03\xf6")), K6_WS_PROTOCOL_ERROR),
    # a close reason that is not UTF-8: "invalid utf8 payload in close frame"
    Case("ws_close_reason_not_utf8", ws_then(ws_frame(8, b"\x03\xe8\xff")), K6_WS_PROTOCOL_ERROR),
    Case("ws_continuation_first", ws_then(ws_frame(0, b"x")), K6_WS_PROTOCOL_ERROR),
    # a new message while one is fragmented: "message start before final message frame"
    Case("ws_message_inside_fragments", ws_then(ws_frame(1, b"a", fin=False), ws_frame(1, b"b")),
         K6_WS_PROTOCOL_ERROR),
    # a 64-bit length with the top bit set: gorilla's setReadRemaining gives
    # ErrReadLimit without sending a close, so k6's own close succeeds: no error
    Case("ws_length_top_bit", ws_then(bytes([0x82, 127]) + b"\x80" + b"\0" * 7 + b"x" * 10),
         W(("open",), ("close", 1001))),
    # a 1 TB message announced, 1 KB sent, then EOF: gorilla reads what comes
    # and fails with errUnexpectedEOF, a CloseError 1006 (c6 refuses a
    # message only once more than 64 MB of it came)
    Case("ws_oversized_then_eof",
         ws_then(bytes([0x82, 127]) + struct.pack(">Q", 1 << 40) + b"x" * 1000, hold=0.3),
         W(("open",), ("error", "websocket: close 1006 (abnormal closure): unexpected EOF"), ("close", 1006))),
    # a one-byte close payload: gorilla reads it as 1005 without a status, a
    # CloseError that IsUnexpectedCloseError reports
    Case("ws_close_one_byte", ws_then(ws_frame(8, b"\x03")),
         W(("open",), ("error", "websocket: close 1005 (no status)"), ("close", 1005))),
    # an empty close payload: the same 1005
    Case("ws_close_empty", ws_then(ws_frame(8, b"")),
         W(("open",), ("error", "websocket: close 1005 (no status)"), ("close", 1005))),
    # a close code other than 1000/1001: CloseError.Error() with the code's
    # name and the text, then close with the peer's code
    Case("ws_close_1011", ws_then(ws_frame(8, b"\x03\xf3oops")),
         W(("open",), ("error", "websocket: close 1011 (internal server error): oops"), ("close", 1011))),
    Case("ws_close_4000", ws_then(ws_frame(8, b"\x0f\xa0")),
         W(("open",), ("error", "websocket: close 4000"), ("close", 4000))),
    # gorilla does not check text frames for UTF-8; goja turns each bad byte
    # into U+FFFD (length 6 here)
    Case("ws_text_not_utf8", ws_then(ws_frame(1, b"ab\xff\xfecd"), ws_frame(8, b"\x03\xe8")),
         W(("open",), ("message", 6, "ab\ufffd\ufffdcd"), ("close", 1000))),
    # the TCP connection ends without a close frame: gorilla's errUnexpectedEOF
    Case("ws_eof", ws_then(hold=0.2),
         W(("open",), ("error", "websocket: close 1006 (abnormal closure): unexpected EOF"), ("close", 1006))),
    # a close with a reason: CloseError 1000 is expected, no error event
    Case("ws_close_normal", ws_then(ws_frame(8, b"\x03\xe8bye")), W(("open",), ("close", 1000))),
    # pings: answered, and each fires the `ping` event in k6; the script here
    # only listens to the rest
    Case("ws_ping_flood_then_close", ws_then(*([ws_frame(9, b"p")] * 2000), ws_frame(8, b"\x03\xe8")),
         W(("open",), ("close", 1000))),
]
for c in WS_CASES:
    c.script = WS_JS
    c.env = {"HOLD": "3000", **c.env}


# ---- WebSocket (k6/websockets). k6's internal/js/modules/k6/websockets/
# websockets.go readPump: a CloseError gives the close event its code and
# text (closeCode, closeReason), and an `error` event first unless the code
# is 1000/1001 (IsUnexpectedCloseError); any other read error (every
# protocol error above, gorilla having sent its close 1002) is dropped
# (err = nil): no error event, and the close event has no `code` (closeCode
# stays 0: callEventListeners defines `code` only when it is not 0).
def WN(*events):
    """What a k6/websockets script sees: its events in order (close: code or None, reason)."""
    return {"events": [list(e) for e in events]}


WSN_PROTOCOL_ERROR = WN(("open",), ("close", None, ""))
WSN_EOF = WN(("open",), ("error", "websocket: close 1006 (abnormal closure): unexpected EOF"),
             ("close", 1006, "unexpected EOF"))

WSN_CASES = [
    Case("wsn_reserved_data_opcode", ws_then(ws_frame(3, b"hi")), WSN_PROTOCOL_ERROR),
    Case("wsn_control_frame_too_long", ws_then(ws_frame(9, b"p" * 126)), WSN_PROTOCOL_ERROR),
    Case("wsn_masked_from_server", ws_then(ws_frame(1, b"hello", mask=True)), WSN_PROTOCOL_ERROR),
    Case("wsn_reserved_bits", ws_then(ws_frame(1, b"hello", rsv=0x40)), WSN_PROTOCOL_ERROR),
    Case("wsn_bad_close_code", ws_then(ws_frame(8, b"\x03\xe7")), WSN_PROTOCOL_ERROR),
    Case("wsn_close_reason_not_utf8", ws_then(ws_frame(8, b"\x03\xe8\xff")), WSN_PROTOCOL_ERROR),
    Case("wsn_continuation_first", ws_then(ws_frame(0, b"x")), WSN_PROTOCOL_ERROR),
    # ErrReadLimit, no close frame from gorilla: the same for the script
    Case("wsn_length_top_bit", ws_then(bytes([0x82, 127]) + b"\x80" + b"\0" * 7 + b"x" * 10),
         WSN_PROTOCOL_ERROR),
    Case("wsn_oversized_then_eof",
         ws_then(bytes([0x82, 127]) + struct.pack(">Q", 1 << 40) + b"x" * 1000, hold=0.3), WSN_EOF),
    Case("wsn_eof", ws_then(hold=0.2), WSN_EOF),
    Case("wsn_close_one_byte", ws_then(ws_frame(8, b"\x03")),
         WN(("open",), ("error", "websocket: close 1005 (no status)"), ("close", 1005, ""))),
    Case("wsn_close_1011", ws_then(ws_frame(8, b"\x03\xf3oops")),
         WN(("open",), ("error", "websocket: close 1011 (internal server error): oops"), ("close", 1011, "oops"))),
    Case("wsn_close_normal", ws_then(ws_frame(8, b"\x03\xe8bye")), WN(("open",), ("close", 1000, "bye"))),
    Case("wsn_close_going_away", ws_then(ws_frame(8, b"\x03\xe9")), WN(("open",), ("close", 1001, ""))),
    Case("wsn_text_not_utf8", ws_then(ws_frame(1, b"ab\xff\xfecd"), ws_frame(8, b"\x03\xe8")),
         WN(("open",), ("message", 6, "ab\ufffd\ufffdcd"), ("close", 1000, ""))),
]
for c in WSN_CASES:
    c.script = WSN_JS
    c.env = {"HOLD": "3000", **c.env}

# ---- HTTPS (c6's own TLS client; hostile.py's tls=True server)
def tls_case(name, behave, k6, c6=None, env=None, **kw):
    return Case(name, behave, k6, c6, server={"tls": True}, env={"INSECURE": "1", **(env or {})}, **kw)


TLS_CASES = [
    tls_case("tls_ok", answer(ok()), H(200), check=body_is("ok")),
    # crypto/tls: a TCP FIN at a record boundary without close_notify reads as io.EOF
    tls_case("tls_close_before_answer", answer(b""), H(error="EOF", error_code=1000)),
    tls_case("tls_cl_longer_than_body", answer(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten!!"),
             H(error="unexpected EOF", error_code=1000)),
    tls_case("tls_reset_mid_body", answer_rst(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + b"x" * 100),
             H(error="read: connection reset by peer", error_code=1220)),
    tls_case("tls_stall_no_answer", stall, H(error="request timeout", error_code=1050),
             env={"TIMEOUT": "1s"}, timeout_s=1.0),
    tls_case("tls_slowloris_head", slowloris_head, H(error="request timeout", error_code=1050),
             env={"TIMEOUT": "1s"}, timeout_s=1.0),
    # not TLS at all: an HTTP answer to the ClientHello; error_codes.go maps
    # tls.RecordHeaderError to tlsHeaderErrorCode 1301 with its own text
    Case("tls_peer_speaks_http", answer(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"),
         H(error="tls: first record does not look like a TLS handshake", error_code=1301),
         server={"read_request": False}, scheme="https", env={"INSECURE": "1"}),
    # no answer to the ClientHello: the request's deadline, 1050
    Case("tls_handshake_stall", stall, H(error="request timeout", error_code=1050),
         server={"read_request": False}, scheme="https", env={"INSECURE": "1", "TIMEOUT": "1s"},
         timeout_s=1.0),
]

CASES = HTTP_CASES + WS_CASES + WSN_CASES + TLS_CASES


# ------------------------------------------------------------ running them

def _is_asan(c6_bin):
    with open(c6_bin, "rb") as f:
        return b"__asan_init" in f.read()


def _run_case(c6_bin, case):
    with HostileServer(case.behave, max_seconds=30, max_bytes=case.max_bytes, **case.server) as srv:
        url = srv.url.replace("http://", "ws://") if case.script in (WS_JS, WSN_JS) else srv.url
        if case.scheme:
            url = case.scheme + url[url.index("://"):]
        env = {"URL": url, **case.env}
        r = run_c6(c6_bin, case.script, "--log-format=json", "--summary-mode=disabled",
                   env=env, timeout=60)
        srv.close()
        return r, srv


def _seen(r):
    """The script's JSON line (console.log) from the JSON log on stderr."""
    values = console_json(r)
    assert len(values) == 1, r
    return values[0]


@pytest.fixture(scope="module")
def results(c6_bin):
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        futs = {c.name: pool.submit(_run_case, c6_bin, c) for c in CASES}
        return {name: f.result() for name, f in futs.items()}


@pytest.fixture(scope="module")
def rss_scale(c6_bin):
    return 4 if _is_asan(c6_bin) else 1   # ASan's shadow memory and quarantine


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_server(results, rss_scale, case):
    r, srv = results[case.name]
    assert r.code == 0, r
    seen = _seen(r)
    want = case.c6 or case.k6
    assert {k: seen[k] for k in want} == want, (seen, r)
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
    warns = [w for w in log_records(r, "warning") if w["msg"].startswith("Stopped after")]
    assert [w["msg"] for w in warns] == [
        "Stopped after 11 redirects and returned the redirection; pass { redirects: n }"
        " in request params or set global maxRedirects to silence this"], r
    assert warns[0].get("url") == srv.url + "/", r
    r, srv = results["redirect_loop_max3"]
    assert not [w for w in log_records(r, "warning") if w["msg"].startswith("Stopped after")], r


# ---- a server that closes each connection right after its answer, without
# saying so (no "Connection: close"). Go's transport (net/http/transport.go
# persistConn.readLoop) peeks the idle connection as soon as the response
# body is read; the server's FIN there ends it (readLoopPeekFailLocked,
# errServerClosedIdle) and takes it out of the idle pool before the next
# request can pick it, so even a POST (which Go never replays) goes out on a
# new connection and succeeds.

def answer_then_close(conn, request):
    """Read the request's body (Content-Length), answer 200 with a length, close (FIN)."""
    head, _, body = request.partition(b"\r\n\r\n")
    want = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            want = int(value.strip() or b"0")
    while len(body) < want:
        chunk = conn.recv(65536)
        if not chunk:
            return
        body += chunk
    # corked, the FIN leaves in the answer's segment: c6 has it as soon as the
    # answer (over a network it often does; on loopback this makes it certain)
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
    feed(conn, ok())
    conn.close()


def test_pooled_connection_closed_by_server(c6_bin):
    n = 20
    with HostileServer(answer_then_close, max_seconds=30) as srv:
        r = run_c6(c6_bin, HERE / "scripts" / "hostile" / "post_seq.js", "--log-format=json",
                   "--summary-mode=disabled", env={"URL": srv.url, "N": str(n)}, timeout=60)
        srv.close()
    seen = console_json(r)
    assert len(seen) == 1, r
    assert seen[0]["seen"] == [{"status": 200, "error": "", "error_code": 0}] * n, r
    assert srv.connections == n, srv.connections          # one connection a request, none replayed
    assert len(srv.requests) == n, len(srv.requests)
    assert r.peak_rss_kb < RSS_BOUND_KB, r
    assert r.elapsed < 3 * n + STALL_MARGIN_S, r
