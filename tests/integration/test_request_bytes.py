"""The bytes of HTTP/1.1 requests, pinned on a raw socket (issue 17): k6/http
keeps the split of a VU's last URL string (net/client.h's h1_url_memo, kept
in http_vu next to the string's C copy) and the client takes it instead of
splitting the URL again; nothing it sends may come from an earlier request.
One VU, one keep-alive connection, requests in the order of
scripts/http/request_bytes.js: the same URL string again, another URL, back,
other headers, a redirect (twice, from the same string), a body, HEAD, the
script's Host, a path with a space, credentials in the URL, a fragment.

The heads are Go's net/http (*Request).write layout as c6 writes it
(net/http1.c): request line with the path and query (Go's
URL.RequestURI: a space percent-encoded, the fragment dropped), Host (the
URL's host:port; a Host header of the script's replaces it: Go's req.Host),
User-Agent (k6's default or the script's own), the script's headers,
Authorization: Basic for URL credentials (Go's Request.SetBasicAuth from
URL.User), Content-Length for a body."""
import json
import re

from hostile import HostileServer, read_head, run_c6
from conftest import SCRIPTS

SCRIPT = SCRIPTS / "http" / "request_bytes.js"
UA = "c6/0.1.0 (k6-compatible; +https://k6.io/)"


def _serve(seen):
    def behave(conn, head):
        buf = head
        while buf:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                more = read_head(conn)
                if not more:
                    return
                buf += more
                continue
            h, buf = buf[:end + 4], buf[end + 4:]
            m = re.search(rb"\r\nContent-Length: (\d+)\r\n", h)
            n = int(m.group(1)) if m else 0
            while len(buf) < n:
                more = conn.recv(65536)
                if not more:
                    return
                buf += more
            seen.append(h + buf[:n])
            buf = buf[n:]
            method, path = h.split(b" ", 2)[:2]
            if path == b"/redir":
                conn.sendall(b"HTTP/1.1 302 Found\r\nLocation: /final\r\nContent-Length: 0\r\n\r\n")
            else:
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n" + (b"" if method == b"HEAD" else b"ok"))
            if not buf:
                buf = read_head(conn)
    return behave


def _req(host, method, path, *lines, ua=UA, own_host=None, body=None):
    out = f"{method} {path} HTTP/1.1\r\n"
    if own_host is None:
        out += f"Host: {host}\r\n"
    if ua:
        out += f"User-Agent: {ua}\r\n"
    out += "".join(x + "\r\n" for x in lines)
    if body is not None:
        out += f"Content-Length: {len(body)}\r\n"
    return (out + "\r\n" + (body or "")).encode()


def test_request_bytes(c6_bin):
    seen = []
    with HostileServer(_serve(seen), max_seconds=30) as srv:
        r = run_c6(c6_bin, SCRIPT, "--log-format=json", env={"URL": srv.url}, timeout=60)
        conns = srv.connections
    assert r.code == 0, r
    host = f"127.0.0.1:{srv.port}"
    plain = _req(host, "GET", "/a?x=1")
    want = [
        plain,                                    # 1
        plain,                                    # 2: the same string, its kept split
        _req(host, "GET", "/b"),                  # 3
        plain,                                    # 4
        _req(host, "GET", "/a?x=1", "User-Agent: mine", "X-H: v", ua=None),  # 5
        plain,                                    # 6: no header of 5's left
        _req(host, "GET", "/redir"),              # 7
        _req(host, "GET", "/final"),              # 8: the redirect's hop (Go: a new request)
        _req(host, "GET", "/redir"),              # 9
        _req(host, "GET", "/final"),              # 10
        _req(host, "POST", "/a?x=1", body="body"),  # 11
        _req(host, "HEAD", "/a?x=1"),             # 12
        _req(host, "GET", "/a?x=1", "Host: h.example", own_host=True),  # 13
        _req(host, "GET", "/s%20p"),              # 14: Go's URL.EscapedPath
        _req(host, "GET", "/s%20p"),              # 15
        _req(host, "GET", "/c", "Authorization: Basic YWw6cHc="),  # 16: base64("al:pw")
        _req(host, "GET", "/c", "Authorization: Basic YWw6cHc="),  # 17
        plain,                                    # 18: the fragment is not sent
        plain,                                    # 19
    ]
    for i, (g, w) in enumerate(zip(seen, want)):
        assert g == w, (i + 1, g, w)
    assert len(seen) == len(want), seen
    assert conns == 1, conns  # every request on the one kept-alive connection
    got = [json.loads(x["msg"]) for x in map(json.loads, filter(None, r.err.splitlines()))
           if x.get("source") == "console"]
    u = srv.url
    ok = lambda path: [200, u + path, 0]
    assert got == [[ok("/a?x=1"), ok("/a?x=1"), ok("/b"), ok("/a?x=1"), ok("/a?x=1"), ok("/a?x=1"),
                    ok("/final"), ok("/final"), ok("/a?x=1"), ok("/a?x=1"), ok("/a?x=1"), ok("/s p"),
                    ok("/s p"), [200, u.replace("http://", "http://al:pw@") + "/c", 0],
                    [200, u.replace("http://", "http://al:pw@") + "/c", 0], ok("/a?x=1#frag"),
                    ok("/a?x=1")]], got


def test_empty_user_agent_sends_none(c6_bin):
    # k6 (js/modules/k6/http/request.go): Req.Header.Set("User-Agent",
    # options.userAgent); Go's (*Request).write writes User-Agent only when
    # that value is not "": `--user-agent ""` and a script's empty header
    # both leave the line out.
    script = SCRIPTS / "http" / "request_bytes_empty_ua.js"
    for flags, first in ((("--user-agent", ""), None), ((), UA)):
        seen = []
        with HostileServer(_serve(seen), max_seconds=30) as srv:
            r = run_c6(c6_bin, script, *flags, env={"URL": srv.url}, timeout=60)
        assert r.code == 0, r
        host = f"127.0.0.1:{srv.port}"
        want = [_req(host, "GET", "/a", ua=first), _req(host, "GET", "/a", ua=None),
                _req(host, "GET", "/a", "User-Agent: x", ua=None)]
        assert seen == want, (flags, seen, want)
