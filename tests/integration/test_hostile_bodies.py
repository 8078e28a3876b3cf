"""Response bodies from a hostile peer (issue 12, "Memory a hostile peer can
exhaust" and "Wrong results: decompression"), against c6's own client.

k6 facts (lib/netext/httpext/compression.go, readResponseBody; request.go,
MakeRequest; error_codes.go):
- responseType "none" / discardResponseBodies: the body is copied to
  io.Discard, never decoded; data_received still counts the wire bytes.
- a kept body is decoded through Content-Encoding right to left ("gzip, gzip"
  and "deflate, gzip" chains), gzip reading every member.
- a failure reading it leaves the Response without status/headers/proto
  (`if resErr == nil` skipped), with the error and error_code of
  errorCodeForError(wrapDecompressionError(err)) and the body decoded so far:
  1701 "error decompressing response body (<Go's error>)" for what
  newDecompressionError wraps (a reader that cannot start: bad header, empty
  gzip body "(EOF)"; gzip/zlib checksum and header errors), 1000 and Go's
  bare text otherwise (a truncated stream: "unexpected EOF"; corrupt deflate
  data: "flate: corrupt input before offset N").
- k6 has no size limit; c6 keeps at most C6_RESPONSE_BODY_MAX bytes (256 MiB
  by default) and beyond gives error_code 1000 "response body too large: ..."
  with status 0 and a null body (c6 only, README "Known differences").
Every run must stay small in memory (peak RSS of the c6 process, exact from
wait4) where c6 before this grew to gigabytes.
"""
import functools
import gzip
import hashlib
import json
import os
import re
import zlib

import pytest

from conftest import SCRIPTS
from hostile import HostileServer, feed, read_head, run_c6

SCRIPT = SCRIPTS / "hostile_bodies" / "get.js"
# c6 alone idles at ~20 MB; under ASan (make asan sets ASAN_OPTIONS) its
# shadow memory and quarantine double what a run costs
RSS_SCALE = 2 if "ASAN_OPTIONS" in os.environ else 1
SMALL_RSS_KB = 150_000 * RSS_SCALE


def results(r):
    """The RESULT lines the script logged (c6 run --log-format json)."""
    out = []
    for line in r.err.splitlines():
        try:
            m = json.loads(line).get("msg", "")
        except ValueError:
            continue
        if m.startswith("RESULT "):
            out.append(json.loads(m[7:]))
    return out


def run(c6_bin, tmp_path, url, paths="/", timeout=60, **env):
    summary = tmp_path / "summary.json"
    e = {"URL": url, "PATHS": paths}
    e.update({k: str(v) for k, v in env.items()})
    r = run_c6(c6_bin, SCRIPT, "--log-format", "json", "--summary-export", summary, env=e, timeout=timeout)
    assert r.code == 0, r
    got = results(r)
    assert len(got) == len(paths.split(",")), r
    data = json.loads(summary.read_text())["metrics"]["data_received"]["count"]
    return r, got, data


@functools.lru_cache(maxsize=None)
def gzip_zeros(total):
    """total zero bytes gzipped, made a MiB at a time (a 1 GiB bomb is ~1 MB)."""
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    z = bytes(1 << 20)
    return b"".join([c.compress(z) for _ in range(total >> 20)] + [c.flush()])


def endless(framing, sent):
    """A 200 whose body never ends: chunked, a huge Content-Length, or
    HTTP/1.0 until the close; sent[0] counts the bytes written."""
    head = {
        "chunked": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
        "length": b"HTTP/1.1 200 OK\r\nContent-Length: 100000000000000\r\n\r\n",
        "close": b"HTTP/1.0 200 OK\r\n\r\n",
    }[framing]
    piece = b"8000\r\n" + b"x" * 0x8000 + b"\r\n" if framing == "chunked" else b"x" * 0x8000

    def behave(conn, request):
        if not feed(conn, head):
            return
        sent[0] += len(head)
        while feed(conn, piece):
            sent[0] += len(piece)
    return behave


def one_response(head, body):
    """Answers every request on the connection with head + body."""
    def behave(conn, request):
        while request and feed(conn, head + body):
            request = read_head(conn)
    return behave


# ---------------------------------------------------------------- discarded

@pytest.mark.parametrize("framing,how", [
    ("chunked", "option"), ("chunked", "param"), ("length", "param"), ("close", "option"),
])
def test_discarded_endless_body_streams_until_timeout(c6_bin, tmp_path, framing, how):
    # k6: the body goes to io.Discard until the request timeout ends it:
    # error "request timeout", error_code 1050 (MakeRequest's K6Error for a
    # deadline hit while reading the body). Before: c6 buffered it (2.75 GB in 5 s).
    sent = [0]
    env = {"DISCARD": "1"} if how == "option" else {"RTYPE": "none"}
    with HostileServer(endless(framing, sent), max_seconds=20, max_bytes=1 << 40) as srv:
        r, got, data = run(c6_bin, tmp_path, srv.url, TIMEOUT="3s", timeout=30, **env)
    res = got[0]
    assert (res["status"], res["error_code"], res["error"]) == (0, 1050, "request timeout"), r
    assert res["body_null"], res
    assert r.elapsed < 15, r
    assert r.peak_rss_kb < SMALL_RSS_KB, r
    # data_received: the wire bytes read (what the server wrote, less what
    # was still in the socket buffers when the timeout hit)
    assert sent[0] > 10 << 20, sent
    assert sent[0] - (32 << 20) <= data <= sent[0], (data, sent)


def test_discarded_gzip_bomb_is_not_inflated(c6_bin, tmp_path):
    # k6 never decodes a discarded body: 200, body null, data_received the
    # compressed bytes. Before: c6 inflated the 1 MB bomb to 1 GB.
    bomb = gzip_zeros(1 << 30)
    head = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(bomb)
    with HostileServer(one_response(head, bomb)) as srv:
        r, got, data = run(c6_bin, tmp_path, srv.url, paths="/,/", DISCARD="1")
    for res in got:
        assert (res["status"], res["error_code"], res["body_null"]) == (200, 0, True), r
    assert 2 * len(bomb) <= data <= 2 * (len(bomb) + len(head)), data
    assert srv.connections == 1                # drained, so the connection was reused
    assert r.peak_rss_kb < SMALL_RSS_KB, r


# ---------------------------------------------------------------- kept, with a limit

@pytest.mark.parametrize("rtype", ["text", "binary"])
def test_kept_gzip_bomb_stops_at_the_limit(c6_bin, tmp_path, rtype):
    # Before: http.get threw "InternalError: string too long" (text) after
    # inflating 1 GB. Now: status 0, error_code 1000, c6's text, body null,
    # and the script goes on (the second request is made).
    bomb = gzip_zeros(1 << 30)
    head = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(bomb)
    with HostileServer(one_response(head, bomb)) as srv:
        r, got, _ = run(c6_bin, tmp_path, srv.url, paths="/,/", RTYPE=rtype, C6_RESPONSE_BODY_MAX=16 << 20)
    for res in got:
        assert (res["status"], res["error_code"], res["body_null"]) == (0, 1000, True), r
        assert res["error"] == "response body too large: more than 16777216 bytes (C6_RESPONSE_BODY_MAX)", res
    assert "string too long" not in r.err
    assert r.peak_rss_kb < SMALL_RSS_KB, r


def test_kept_plain_body_stops_at_the_limit(c6_bin, tmp_path):
    sent = [0]
    with HostileServer(endless("length", sent), max_bytes=1 << 40) as srv:
        r, got, _ = run(c6_bin, tmp_path, srv.url, C6_RESPONSE_BODY_MAX=8 << 20)
    res = got[0]
    assert (res["status"], res["error_code"], res["body_null"]) == (0, 1000, True), r
    assert res["error"].startswith("response body too large: more than 8388608 bytes"), res
    assert r.peak_rss_kb < SMALL_RSS_KB, r


def test_default_limit_holds_a_bomb(c6_bin, tmp_path):
    # the default (256 MiB decoded): the 1 GiB bomb is refused at 256 MiB
    bomb = gzip_zeros(1 << 30)
    head = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(bomb)
    with HostileServer(one_response(head, bomb)) as srv:
        r, got, _ = run(c6_bin, tmp_path, srv.url)
    assert got[0]["error"] == "response body too large: more than 268435456 bytes (C6_RESPONSE_BODY_MAX)", r
    assert r.peak_rss_kb < 450_000 * RSS_SCALE, r


def test_body_under_the_limit_is_whole(c6_bin, tmp_path):
    body = gzip_zeros(4 << 20)
    head = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(body)
    with HostileServer(one_response(head, body)) as srv:
        r, got, _ = run(c6_bin, tmp_path, srv.url, RTYPE="binary", C6_RESPONSE_BODY_MAX=4 << 20)
    assert (got[0]["status"], got[0]["error_code"], got[0]["body_len"]) == (200, 0, 4 << 20), r


# ---------------------------------------------------------------- decompression

TEXT = b"hello world " + b"".join(hashlib.sha256(b"%d" % i).hexdigest().encode() for i in range(400))
GZ_HEAD = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"


def _resp(body, enc, status=b"200 OK", extra=b""):
    h = b"HTTP/1.1 " + status + b"\r\nContent-Length: %d\r\n" % len(body) + extra
    if enc:
        h += b"Content-Encoding: " + enc + b"\r\n"
    return h + b"\r\n" + body


CASES = {
    # path: (response, status, error_code, error (str or regex), body start)
    "/gzip-gzip": (_resp(gzip.compress(gzip.compress(TEXT)), b"gzip, gzip"), 200, 0, "", "hello world"),
    "/deflate-gzip": (_resp(gzip.compress(zlib.compress(TEXT)), b"deflate, gzip"), 200, 0, "", "hello world"),
    "/members": (_resp(gzip.compress(b"ab") + gzip.compress(b"cd"), b"gzip"), 200, 0, "", "abcd"),
    "/truncated": (_resp(gzip.compress(TEXT)[:-40], b"gzip"), 0, 1000, "unexpected EOF", "hello world"),
    "/bad-header": (_resp(b"this is not gzip", b"gzip"), 0, 1701,
                    "error decompressing response body (gzip: invalid header)", ""),
    "/bad-checksum": (_resp(gzip.compress(b"hello")[:-8] + b"\0\0\0\0\5\0\0\0", b"gzip"), 0, 1701,
                      "error decompressing response body (gzip: invalid checksum)", "hello"),
    "/bad-block": (_resp(GZ_HEAD + b"\x07" + b"\0" * 20, b"gzip"), 0, 1000,
                   re.compile(r"flate: corrupt input before offset \d+"), ""),
    "/trailing": (_resp(gzip.compress(b"ab") + b"garbage!!!!", b"gzip"), 0, 1701,
                  "error decompressing response body (gzip: invalid header)", "ab"),
    "/raw-deflate": (_resp(zlib.compress(TEXT)[2:-4], b"deflate"), 0, 1701,
                     "error decompressing response body (zlib: invalid header)", ""),
    "/empty": (_resp(b"", b"gzip"), 0, 1701, "error decompressing response body (EOF)", ""),
    "/no-content": (_resp(b"", b"gzip", b"204 No Content"), 204, 0, "", ""),
    "/redirect": (_resp(b"not gzip at all", b"gzip", b"302 Found", b"Location: /gzip-gzip\r\n"),
                  200, 0, "", "hello world"),
}


def test_decompression_errors_and_chains(c6_bin, tmp_path):
    # Before: /truncated was 200 with a partial body and no error, the
    # corrupt ones error_code 1000 "invalid compressed body: ...", chains
    # were left encoded. A redirect's body is never read by Go's client, so
    # its corrupt gzip is no error.
    def behave(conn, request):
        while request:
            path = request.split(b" ")[1].decode()
            if not feed(conn, CASES[path][0]):
                return
            request = read_head(conn)

    paths = list(CASES)
    with HostileServer(behave) as srv:
        r, got, _ = run(c6_bin, tmp_path, srv.url, paths=",".join(paths))
    for path, res in zip(paths, got):
        _, status, code, err, start = CASES[path]
        assert (res["status"], res["error_code"]) == (status, code), res
        if isinstance(err, str):
            assert res["error"] == err, res
        else:
            assert err.fullmatch(res["error"]), res
        assert res["body_head"].startswith(start), res
        if status == 0:
            assert res["headers"] == 0 and res["proto"] == "", res   # k6 sets neither after a body error
    # every response was whole on the wire: one kept-alive connection served all
    assert srv.connections == 1
    # the failures are logged as k6's MakeRequest does, with the bare text
    assert '"error":"error decompressing response body (gzip: invalid header)","level":"warning","msg":"Request Failed"' in r.err


# ---------------------------------------------------------------- HTTP/2

from conftest import _openssl  # noqa: E402


@pytest.fixture(scope="module")
def h2_cert(tmp_path_factory):
    d = tmp_path_factory.mktemp("h2cert")
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
             "-subj", "/CN=127.0.0.1", "-keyout", "key.pem", "-out", "cert.pem", cwd=d)
    return str(d / "cert.pem"), str(d / "key.pem")


def _frame(typ, flags, sid, payload=b""):
    return len(payload).to_bytes(3, "big") + bytes([typ, flags]) + sid.to_bytes(4, "big") + payload


def h2_server(cert, sent, encoding=None, body=None, piece=b"x" * 16384):
    """A TLS peer that picks h2 in ALPN and answers the first stream with
    :status 200 (and Content-Encoding), then DATA: body and END_STREAM, or
    pieces without end (a flood) within the flow-control windows the client
    grants, until the client resets the stream or the server's bounds hit.
    sent: {"data": DATA bytes written, "rst": RST_STREAM seen}."""
    import select
    import ssl

    def behave(conn, request):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(*cert)
        ctx.set_alpn_protocols(["h2"])
        tls = ctx.wrap_socket(conn.sock, server_side=True)
        inbuf = bytearray()
        win = {"conn": 65535, "stream": 65535, "sid": 0}

        def pump(block):
            if not block and not tls.pending() and not select.select([tls], [], [], 0)[0]:
                return True
            chunk = tls.recv(65536)
            if not chunk:
                return False
            inbuf.extend(chunk)
            while len(inbuf) >= 9 and len(inbuf) >= 9 + int.from_bytes(inbuf[:3], "big"):
                n, typ, flags = int.from_bytes(inbuf[:3], "big"), inbuf[3], inbuf[4]
                sid = int.from_bytes(inbuf[5:9], "big") & 0x7FFFFFFF
                pl = bytes(inbuf[9:9 + n])
                del inbuf[:9 + n]
                if typ == 4 and not flags & 1:          # SETTINGS: initial window, then ACK
                    for i in range(0, len(pl), 6):
                        if int.from_bytes(pl[i:i + 2], "big") == 4:
                            win["stream"] += int.from_bytes(pl[i + 2:i + 6], "big") - 65535
                    tls.sendall(_frame(4, 1, 0))
                elif typ == 8:                          # WINDOW_UPDATE
                    win["conn" if sid == 0 else "stream"] += int.from_bytes(pl, "big") & 0x7FFFFFFF
                elif typ == 1 and not win["sid"]:
                    win["sid"] = sid
                elif typ in (3, 7):                     # RST_STREAM, GOAWAY
                    sent["rst"] = True
                    return False
            return True

        while len(inbuf) < 24:                          # the client's preface
            chunk = tls.recv(65536)
            if not chunk:
                return
            inbuf.extend(chunk)
        del inbuf[:24]
        tls.sendall(_frame(4, 0, 0))
        while not win["sid"]:
            if not pump(True):
                return
        block = b"\x88" + (b"\x0f\x0b" + bytes([len(encoding)]) + encoding if encoding else b"")
        tls.sendall(_frame(1, 4, win["sid"], block))
        if body is not None:
            tls.sendall(_frame(0, 1, win["sid"], body))
            sent["data"] += len(body)
            while pump(True):
                pass
            return
        while conn.server.alive():
            if not pump(min(win["conn"], win["stream"]) < len(piece)):
                return
            if min(win["conn"], win["stream"]) >= len(piece):
                tls.sendall(_frame(0, 0, win["sid"], piece))
                win["conn"] -= len(piece)
                win["stream"] -= len(piece)
                sent["data"] += len(piece)
    return behave


def _h2_url(srv):
    return srv.url.replace("http://", "https://")


def test_h2_discarded_data_flood(c6_bin, tmp_path, h2_cert):
    # HTTP/2 DATA without end into a discarded body: flow control goes on
    # (nghttp2 hands the window back), nothing is kept; the request timeout ends it.
    sent = {"data": 0, "rst": False}
    with HostileServer(h2_server(h2_cert, sent), read_request=False, max_seconds=20) as srv:
        r, got, data = run(c6_bin, tmp_path, _h2_url(srv), RTYPE="none", TIMEOUT="3s", timeout=30)
    assert (got[0]["status"], got[0]["error_code"], got[0]["error"]) == (0, 1050, "request timeout"), r
    assert sent["data"] > 10 << 20, sent           # the flood flowed: windows were given back
    assert data > sent["data"] // 2, (data, sent)  # wire (TLS) bytes counted
    assert r.peak_rss_kb < SMALL_RSS_KB, r


def test_h2_kept_flood_stops_at_the_limit(c6_bin, tmp_path, h2_cert):
    # the stream is reset (CANCEL) once the body passes the limit; the
    # Response has c6's too-large error
    sent = {"data": 0, "rst": False}
    with HostileServer(h2_server(h2_cert, sent), read_request=False, max_seconds=20) as srv:
        r, got, _ = run(c6_bin, tmp_path, _h2_url(srv), C6_RESPONSE_BODY_MAX=8 << 20, timeout=30)
    res = got[0]
    assert (res["status"], res["error_code"], res["body_null"]) == (0, 1000, True), r
    assert res["error"] == "response body too large: more than 8388608 bytes (C6_RESPONSE_BODY_MAX)", res
    assert sent["rst"], sent
    assert r.elapsed < 15 and r.peak_rss_kb < SMALL_RSS_KB, r


def test_h2_gzip_chain_and_truncation(c6_bin, tmp_path, h2_cert):
    for enc, body, want in [
        (b"gzip, gzip", gzip.compress(gzip.compress(TEXT)), (200, 0, "", "HTTP/2.0")),
        (b"gzip", gzip.compress(TEXT)[:-40], (0, 1000, "unexpected EOF", "")),
    ]:
        sent = {"data": 0, "rst": False}
        with HostileServer(h2_server(h2_cert, sent, encoding=enc, body=body), read_request=False) as srv:
            r, got, _ = run(c6_bin, tmp_path, _h2_url(srv), timeout=30)
        res = got[0]
        assert (res["status"], res["error_code"], res["error"], res["proto"]) == want, res
        assert res["body_head"].startswith("hello world"), res


def test_throw_gives_the_bare_body_error(c6_bin):
    # with throw, MakeRequest returns readResponseBody's error itself (no
    # url.Error "Get ...": around it), which the script sees as a GoError
    head = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 16\r\n\r\n"
    with HostileServer(one_response(head, b"this is not gzip")) as srv:
        r = run_c6(c6_bin, SCRIPT, "--log-format", "json", env={"URL": srv.url, "PATHS": "/", "K6_THROW": "true"})
    assert results(r) == [], r
    assert "GoError: error decompressing response body (gzip: invalid header)\\n" in r.err, r
