"""Hostile response heads, Locations and schemes (issue 12), against the
raw-socket peer of hostile.py.

What k6 v2.2.0 does comes from Go's net/http, which k6's http.Transport
uses with its defaults (js/runner.go sets no MaxResponseHeaderBytes):
- net/http/transport.go, persistConn.maxHeaderResponseSize: 10 << 20 bytes
  for a response's heads, 1xx ones included (readResponse no longer counts
  1xx responses, it resets no limit unless a Got1xxResponse hook is set, and
  k6's tracer sets none); beyond it readLoop's error "net/http: server
  response headers exceeded 10485760 bytes; aborted";
- net/http/response.go, ReadResponse: "malformed HTTP response %q",
  "malformed HTTP status code %q", "malformed HTTP version %q";
- net/textproto/reader.go, readMIMEHeader: "malformed MIME header line: "
  + the field (a name byte no token byte nor space, an empty name, a value
  byte below 0x20 but HTAB, or 0x7f), "malformed MIME header: missing
  colon: %q", "malformed MIME header initial line: " + the line; obs-fold
  lines joined by one space;
- transport.go, mapRoundTripError wraps those in "net/http: HTTP/1.x
  transport connection broken: ", and k6's errorCodeForError
  (lib/netext/httpext/error_codes.go) unwraps to the innermost text with
  code 1000 (defaultErrorCode); a failed request's Response has status 0
  and no headers (request.go fills them only when resErr is nil);
- net/http/client.go, Client.do: an empty Location returns the redirect
  response; one url.Parse refuses fails the request with "failed to parse
  Location header %q: %v" before CheckRedirect; the next hop's URL is
  req.URL.Parse(loc) (ResolveReference); a scheme other than http/https is
  refused by Transport.roundTrip with `unsupported protocol scheme "X"`.
"""
import json
import socket
import threading
import time

from conftest import SCRIPTS, parse_logfmt
from hostile import HostileServer, feed, run_c6

SCRIPT = SCRIPTS / "hostile" / "headers.js"
LIMIT = 10 << 20


def _path(request):
    line = request.split(b"\r\n", 1)[0].decode("latin-1")
    parts = line.split(" ")
    return parts[1] if len(parts) > 1 else ""


def _run(c6_bin, url, cases, timeout=120):
    r = run_c6(c6_bin, SCRIPT, env={"URL": url, "CASES": json.dumps(cases)}, timeout=timeout)
    assert r.code == 0, r
    lines = [parse_logfmt(x) for x in r.err.splitlines()]
    got = [json.loads(x["msg"]) for x in lines if x.get("source") == "console"]
    assert len(got) == 1, r
    return got[0], r


def _head(status_line, *lines, body=b"ok"):
    head = status_line + b"\r\n" + b"".join(x + b"\r\n" for x in lines)
    return head + b"Content-Length: %d\r\n\r\n" % len(body) + body


# path -> the whole response sent back (then the connection closes)
ANSWERS = {
    "/many": _head(b"HTTP/1.1 200 OK", *[b"X-H-%d: v%d" % (i, i) for i in range(10000)]),
    "/long": _head(b"HTTP/1.1 200 OK", b"X-Long: " + b"a" * (1 << 20)),
    "/dup": _head(b"HTTP/1.1 200 OK", b"X-Dup: a", b"x-dup: b", b"X-DUP:c  "),
    "/fold": _head(b"HTTP/1.1 200 OK", b"X-Fold: a", b"  b", b"\tc"),
    "/spacename": _head(b"HTTP/1.1 200 OK", b"Foo Bar: x", b"foo bar : y"),
    "/proto": _head(b"HTTP/1.1 200 OK", b"__proto__: p"),
    "/nul": _head(b"HTTP/1.1 200 OK", b"X-A: 1", b"X-Bad: a\x00b", b"X-C: 3"),
    "/ctl": _head(b"HTTP/1.1 200 OK", b"X-Bad: a\x01b"),
    "/del": _head(b"HTTP/1.1 200 OK", b"X-Bad: a\x7fb"),
    "/cr": _head(b"HTTP/1.1 200 OK", b"X-Bad: a\rb"),
    "/foldnul": _head(b"HTTP/1.1 200 OK", b"X-F: a", b" b\x00"),
    "/nocolon": _head(b"HTTP/1.1 200 OK", b"NoColonHere"),
    "/badname": _head(b"HTTP/1.1 200 OK", b"X@Bad: v"),
    "/emptyname": _head(b"HTTP/1.1 200 OK", b": v"),
    "/initial": _head(b"HTTP/1.1 200 OK", b" folded: x"),
    "/badcode": _head(b"HTTP/1.1 2x0 OK"),
    "/garbage": _head(b"garbage"),
    "/badversion": _head(b"HTTP/x.1 200 OK"),
    "/http15": _head(b"HTTP/1.5 200 OK"),
    "/s999": _head(b"HTTP/1.1 999 Whatever"),
    "/s012": _head(b"HTTP/1.1 +12 Odd"),
    "/spaces": _head(b"HTTP/1.1   200  Fine"),
    "/partial": b"HTTP/1.1 200 OK\r\nX-A: 1\r\n",
    "/cookies": _head(b"HTTP/1.1 200 OK", *[b"Set-Cookie: c%d=v%d" % (i, i) for i in range(5000)]),
}


def _answer(conn, request):
    feed(conn, ANSWERS.get(_path(request), b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"))


def test_response_heads(c6_bin):
    cases = [[p.strip("/"), p] for p in ANSWERS if p != "/cookies"] + [["cookies", "/cookies"]]
    with HostileServer(_answer) as srv:
        got, r = _run(c6_bin, srv.url, cases)
    ok = {k: v for k, v in got.items()}
    # what Go accepts (the 64 KiB limit c6 had refused the first three)
    assert (ok["many"]["status"], ok["many"]["nh"], ok["many"]["h"]) == (200, 10001, {"X-H-9999": "v9999"}), ok["many"]
    assert (ok["long"]["status"], ok["long"]["h"]) == (200, {"X-Long": 1 << 20}), ok["long"]
    c = ok["cookies"]
    assert (c["status"], c["ncookies"], c["code"]) == (200, 5000, 0), c
    assert c["ms"] < 20000, c
    # Header.Get joins a name's values with ", " (k6's strings.Join), names
    # canonical; obs-fold joined by one space; a name with a space is kept
    # as it is (textproto's issue 34540); "__proto__" is a header
    assert ok["dup"]["h"] == {"X-Dup": "a, b, c"}, ok["dup"]
    assert ok["fold"]["h"] == {"X-Fold": "a b c"}, ok["fold"]
    assert ok["spacename"]["h"] == {"Foo Bar": "x", "foo bar ": "y"}, ok["spacename"]
    assert ok["proto"]["h"] == {"__proto__": "p"} and ok["proto"]["nh"] == 2, ok["proto"]
    assert (ok["http15"]["status"], ok["http15"]["proto"]) == (200, "HTTP/1.5"), ok["http15"]
    # any three characters strconv.Atoi reads as >= 0 (response.go); Status is
    # what follows the protocol, TrimLeft(" "); k6's error_code is 1000 +
    # any status from 400 (transport.go measureAndEmitMetrics)
    assert (ok["s999"]["status"], ok["s999"]["code"], ok["s999"]["st"]) == (999, 1999, "999 Whatever"), ok["s999"]
    assert (ok["s012"]["status"], ok["s012"]["code"], ok["s012"]["st"]) == (12, 0, "+12 Odd"), ok["s012"]
    assert (ok["spaces"]["status"], ok["spaces"]["st"]) == (200, "200  Fine"), ok["spaces"]
    # what Go refuses: status 0, no headers, Go's innermost text, code 1000.
    # (k6 keeps the NUL and what follows it in the text; c6's error strings
    # end at the NUL)
    bad = {
        "nul": "malformed MIME header line: X-Bad: a",
        "ctl": "malformed MIME header line: X-Bad: a\x01b",
        "del": "malformed MIME header line: X-Bad: a\x7fb",
        "cr": "malformed MIME header line: X-Bad: a\rb",
        "foldnul": "malformed MIME header line: X-F: a b",
        "nocolon": 'malformed MIME header: missing colon: "NoColonHere"',
        "badname": "malformed MIME header line: X@Bad: v",
        "emptyname": "malformed MIME header line: : v",
        "initial": "malformed MIME header initial line:  folded: x",
        "badcode": 'malformed HTTP status code "2x0"',
        "garbage": 'malformed HTTP response "garbage"',
        "badversion": 'malformed HTTP version "HTTP/x.1"',
        "partial": "unexpected EOF",
    }
    for name, err in bad.items():
        g = ok[name]
        assert (g["status"], g["error"], g["code"], g["nh"], g["ncookies"], g["proto"]) == (0, err, 1000, 0, 0, ""), (name, g)
    # k6's "Request Failed" warning carries Go's whole error
    warn = [parse_logfmt(x) for x in r.err.splitlines() if "Request Failed" in x]
    want = f'Get "{srv.url}/badcode": net/http: HTTP/1.x transport connection broken: malformed HTTP status code "2x0"'
    assert want in [w.get("error") for w in warn], warn
    assert r.peak_rss_kb < 400_000, r


def test_set_cookie_flood_is_linear(c6_bin):
    """60,000 Set-Cookie lines (1.3 MB, well inside Go's 10 MB): Go's
    cookiejar keys cookies in maps; c6's jar looked each one up by walking
    the jar (about 35 s here, quadratic); with its index it takes well under
    a second."""
    body = _head(b"HTTP/1.1 200 OK", *[b"Set-Cookie: c%d=v" % i for i in range(60000)])
    with HostileServer(lambda c, r: feed(c, body)) as srv:
        got, r = _run(c6_bin, srv.url, [["x", "/"]], timeout=120)
    x = got["x"]
    assert (x["status"], x["ncookies"], x["code"]) == (200, 60000, 0), x
    assert x["ms"] < 15000, x


def _endless_headers(conn, request):
    feed(conn, b"HTTP/1.1 200 OK\r\n")
    i = 0
    while feed(conn, b"X-Fill-%d: %s\r\n" % (i, b"a" * 1000)):
        i += 1


def _endless_interim(conn, request):
    while feed(conn, b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n" * 64):
        pass


def _endless_line(conn, request):
    feed(conn, b"HTTP/1.1 200 OK\r\nX-Line: ")
    while feed(conn, b"b" * 65536):
        pass


def test_endless_heads_bounded(c6_bin):
    """A server that sends header bytes forever: Go's 10 MB limit ends the
    request (1xx heads count towards it); c6's memory stays bounded. Before:
    c6 failed at 64 KiB ("header block too large") or after 16 interim
    responses ("too many 1xx responses"), neither being Go's behaviour."""
    want = "net/http: server response headers exceeded 10485760 bytes; aborted"
    for behave in (_endless_headers, _endless_interim, _endless_line):
        with HostileServer(behave, max_bytes=64 << 20, max_seconds=60) as srv:
            got, r = _run(c6_bin, srv.url, [["x", "/"]], timeout=90)
        g = got["x"]
        assert (g["status"], g["error"], g["code"], g["nh"]) == (0, want, 1000, 0), (behave.__name__, g)
        assert g["ms"] < 30000, (behave.__name__, g)
        # the head buffer grows to the limit and no further
        assert r.peak_rss_kb < 120_000, (behave.__name__, r.peak_rss_kb)


class _Bystander:
    """A listening socket that must never see a connection (the "third
    party" a redirect to gopher:// or dict:// would make c6 talk to)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.hits = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop.is_set():
            try:
                c, _ = self.sock.accept()
            except OSError:
                continue
            self.hits += 1
            c.close()

    def close(self):
        self.stop.set()
        self.thread.join(5)
        self.sock.close()


def _redirector(bystander_port):
    """Redirects by path; every answer closes its connection (one request each)."""
    seen = {}
    locations = {
        "/a/b/c?q": b"../x/../../ok",
        "/frag/a?q=1": b"#frag",
        "/gopher": b"gopher://127.0.0.1:%d/1x" % bystander_port,
        "/dict": b"dict://127.0.0.1:%d/d:word" % bystander_port,
        "/file": b"file:///etc/passwd",
        "/empty": b"",
        "/spacehost": b"http://a b/",
        "/tab": b"/a\tb",
        "/colon": b":foo",
        "/esc": b"/%zz",
        "/seg": b"1a:b",
        "/port": b"http://127.0.0.1:x/",
        "/spacepath": b"/a b",
        "/loop": b"/loop",
    }

    def behave(conn, request):
        path = _path(request)
        n = seen[path] = seen.get(path, 0) + 1
        if path == "/twoloc":
            feed(conn, b"HTTP/1.1 302 Found\r\nLocation: /ok\r\nLocation: /second\r\nContent-Length: 0\r\n"
                       b"Connection: close\r\n\r\n")
        elif path in locations and not (path == "/frag/a?q=1" and n > 1):
            feed(conn, b"HTTP/1.1 302 Found\r\nLocation: " + locations[path] + b"\r\nContent-Length: 0\r\n"
                       b"Connection: close\r\n\r\n")
        else:
            feed(conn, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
    return behave, seen


def test_locations_and_schemes(c6_bin):
    """Every Location is resolved as Go's URL.Parse + ResolveReference,
    refused as url.Parse refuses it, and a scheme other than http/https is
    never dialled, followed or not (before: Locations were not checked and a
    bad one returned the 302 as a success)."""
    by = _Bystander()
    try:
        behave, seen = _redirector(by.port)
        with HostileServer(behave) as srv:
            u = srv.url
            cases = [[p.strip("/").split("?")[0].replace("/", "_") or p, p] for p in (
                "/a/b/c?q", "/frag/a?q=1", "/gopher", "/dict", "/file", "/empty", "/spacehost", "/tab",
                "/colon", "/esc", "/seg", "/port", "/spacepath", "/twoloc")]
            cases += [["loop", "/loop", {"redirects": 3}], ["colon0", "/colon", {"redirects": 0}],
                      ["post_gopher", "/gopher", {"method": "POST"}]]
            cases += [["direct_" + s, f"{s}://127.0.0.1:{by.port}/x"] for s in ("gopher", "dict", "ftp", "ws", "file")]
            got, r = _run(c6_bin, u, cases)
            requests = [_path(x) for x in srv.requests]
    finally:
        by.close()
    assert by.hits == 0, by.hits
    g = got
    # RFC 3986 resolution: "/a/b/" + "../x/../../ok" is "/ok"; "#frag" keeps path and query
    assert (g["a_b_c"]["status"], g["a_b_c"]["url"]) == (200, u + "/ok"), g["a_b_c"]
    assert (g["frag_a"]["status"], g["frag_a"]["url"]) == (200, u + "/frag/a?q=1#frag"), g["frag_a"]
    assert requests.count("/frag/a?q=1") == 2 and "/ok" in requests, requests
    # a space in a path is escaped (URL.String), the first Location wins (Header.Get)
    assert (g["spacepath"]["status"], g["spacepath"]["url"]) == (200, u + "/a%20b"), g["spacepath"]
    assert "/a%20b" in requests, requests
    assert (g["twoloc"]["status"], g["twoloc"]["url"]) == (200, u + "/ok"), g["twoloc"]
    # no Location: the 302 itself
    assert (g["empty"]["status"], g["empty"]["url"], g["empty"]["error"]) == (302, u + "/empty", ""), g["empty"]
    # maxRedirects: the redirection is returned after 3 more requests
    assert (g["loop"]["status"], g["loop"]["url"], requests.count("/loop")) == (302, u + "/loop", 4), (g["loop"], requests)
    # followed to another scheme: that hop fails in Transport.roundTrip
    for name, scheme, target in (("gopher", "gopher", f"gopher://127.0.0.1:{by.port}/1x"),
                                 ("dict", "dict", f"dict://127.0.0.1:{by.port}/d:word"),
                                 ("file", "file", "file:///etc/passwd")):
        x = g[name]
        assert (x["status"], x["url"], x["error"], x["code"], x["nh"]) == (
            0, target, f'unsupported protocol scheme "{scheme}"', 1000, 0), (name, x)
    # asked for directly: the same error, nothing dialled
    for s in ("gopher", "dict", "ftp", "ws", "file"):
        x = got["direct_" + s]
        assert (x["status"], x["error"], x["code"]) == (0, f'unsupported protocol scheme "{s}"', 1000), (s, x)
    # Locations url.Parse refuses: Client.do's error on the hop that sent them
    bad = {
        "spacehost": ('"http://a b/"', 'parse "http://a b/": invalid character " " in host name'),
        "tab": ('"/a\\tb"', 'parse "/a\\tb": net/url: invalid control character in URL'),
        "colon": ('":foo"', 'parse ":foo": missing protocol scheme'),
        "esc": ('"/%zz"', 'parse "/%zz": invalid URL escape "%zz"'),
        "seg": ('"1a:b"', 'parse "1a:b": first path segment in URL cannot contain colon'),
        "port": ('"http://127.0.0.1:x/"', 'parse "http://127.0.0.1:x/": invalid port ":x" after host'),
    }
    for name, (loc, why) in bad.items():
        x = g[name]
        assert (x["status"], x["url"], x["error"], x["code"], x["nh"], x["body"]) == (
            0, f"{u}/{name}", f"failed to parse Location header {loc}: {why}", 1000, 0, None), (name, x)
    # Client.do parses the Location before CheckRedirect: redirects: 0 changes nothing
    assert (g["colon0"]["status"], g["colon0"]["error"]) == (0, g["colon"]["error"]), g["colon0"]
    warn = [parse_logfmt(x).get("error") for x in r.err.splitlines() if "Request Failed" in x]
    # the url.Error names the first request's method (a POST the 302 turned into a GET)
    assert f'Post "gopher://127.0.0.1:{by.port}/1x": unsupported protocol scheme "gopher"' in warn, warn
    assert f'Get "{u}/colon": failed to parse Location header ":foo": parse ":foo": missing protocol scheme' in warn, warn
    assert f'Get "gopher://127.0.0.1:{by.port}/1x": unsupported protocol scheme "gopher"' in warn, warn


# ---- HTTP/2: a raw h2 server over TLS (ALPN h2), frames written by hand ----

def _frame(kind, flags, sid, payload):
    return len(payload).to_bytes(3, "big") + bytes([kind, flags]) + sid.to_bytes(4, "big") + payload


def _hpack_int(v, bits, first):
    top = (1 << bits) - 1
    if v < top:
        return bytes([first | v])
    out = [first | top]
    v -= top
    while v >= 128:
        out.append((v & 127) | 128)
        v >>= 7
    return bytes(out + [v])


def _hpack_literal(name, value, index=False):
    """A literal field with a new name, Huffman off (RFC 7541 6.2)."""
    return (b"\x40" if index else b"\x00") + _hpack_int(len(name), 7, 0) + name + _hpack_int(len(value), 7, 0) + value


def _h2_answer(ctx, block, seen):
    """Answers the first request stream with one HEADERS frame (END_STREAM)
    holding block, then reads until the client goes (RST_STREAM seen)."""
    def behave(conn, request):
        tls = ctx.wrap_socket(conn.sock, server_side=True)
        tls.settimeout(5)
        tls.sendall(_frame(4, 0, 0, b""))
        data, off, sid = b"", 24, None
        while sid is None:
            chunk = tls.recv(65536)
            if not chunk:
                return
            data += chunk
            while len(data) >= off + 9:
                n = int.from_bytes(data[off:off + 3], "big")
                if len(data) < off + 9 + n:
                    break
                kind, flags = data[off + 3], data[off + 4]
                fsid = int.from_bytes(data[off + 5:off + 9], "big") & 0x7fffffff
                if kind == 4 and not flags & 1:
                    tls.sendall(_frame(4, 1, 0, b""))
                if kind == 1 and sid is None:
                    sid = fsid
                off += 9 + n
        tls.sendall(_frame(1, 0x4 | 0x1, sid, block))
        try:
            while True:
                chunk = tls.recv(65536)
                if not chunk:
                    break
                data += chunk
                if b"\x00\x00\x04\x03" in data[off:]:   # an RST_STREAM frame header
                    seen.append("rst")
        except OSError:
            pass
    return behave


def test_http2_header_blocks(c6_bin, tmp_path):
    """Over HTTP/2 (nghttp2): Go's http2 Transport fails a stream whose
    header list passes its 10 MB MaxHeaderListSize (x/net/http2
    transport.go: handleResponse's errResponseHeaderListSize, sent as a
    PROTOCOL_ERROR stream error) and one holding an invalid field value
    (frame.go readMetaFrame); k6 maps http2.StreamError to 1630 + 1 + code:
    1632 "http2: stream error with http2 ErrCode PROTOCOL_ERROR". Before, c6
    kept every field an HPACK-indexed 4 KB value repeated 12,000 times in
    one 16 KB frame gave (48 MB of header block), and nghttp2 dropped the
    invalid field silently (status 200)."""
    import ssl
    from conftest import _openssl
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
             "-subj", "/CN=127.0.0.1", "-keyout", "k.pem", "-out", "c.pem", cwd=tmp_path)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(tmp_path / "c.pem"), str(tmp_path / "k.pem"))
    ctx.set_alpn_protocols(["h2"])
    blocks = {
        "ok": b"\x88" + _hpack_literal(b"x-a", b"1"),
        "nul": b"\x88" + _hpack_literal(b"x-a", b"1") + _hpack_literal(b"x-bad", b"a\x00b"),
        "bomb": b"\x88" + _hpack_literal(b"x-a", b"a" * 4000, index=True) + b"\xbe" * 12000,
    }
    seen = {k: [] for k in blocks}
    servers = {k: HostileServer(_h2_answer(ctx, b, seen[k]), read_request=False) for k, b in blocks.items()}
    try:
        for s in servers.values():
            s.__enter__()
        cases = [[k, s.url.replace("http://", "https://") + "/"] for k, s in servers.items()]
        r = run_c6(c6_bin, SCRIPT, "--insecure-skip-tls-verify",
                   env={"URL": "", "CASES": json.dumps(cases)}, timeout=60)
    finally:
        for s in servers.values():
            s.close()
    assert r.code == 0, r
    got = [json.loads(parse_logfmt(x)["msg"]) for x in r.err.splitlines() if "source=console" in x][0]
    ok = got["ok"]
    assert (ok["status"], ok["proto"], ok["h"]) == (200, "HTTP/2.0", {"X-A": "1"}), ok
    for k in ("nul", "bomb"):
        g = got[k]
        assert (g["status"], g["code"], g["error"], g["nh"]) == (
            0, 1632, "http2: stream error with http2 ErrCode PROTOCOL_ERROR", 0), (k, g)
        assert seen[k] == ["rst"] or "rst" in seen[k], (k, seen[k])
    assert r.peak_rss_kb < 120_000 and r.elapsed < 30, r
