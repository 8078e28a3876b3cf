"""Set-Cookie fields of HTTP/1 responses reach the VU's jar whatever their
name's case, a 1xx interim head's do not, and names that only look like it
do not (Go's Response.Cookies reads Header["Set-Cookie"] of the final
response, net/http/response.go readSetCookies; k6's jar is Go's
cookiejar). Since issue 17 the head's parser tells whether there are any
(h1_parse.c's set_cookie) instead of every response's header block being
looked through line by line: this pins that the two agree."""
import json

from conftest import SCRIPTS, parse_logfmt
from hostile import HostileServer, run_c6

ANSWERS = {
    "/early": b"HTTP/1.1 103 Early Hints\r\nSet-Cookie: early=1\r\n\r\n"
              b"HTTP/1.1 200 OK\r\nsEt-CoOkIe: a=1\r\nContent-Length: 2\r\n\r\nok",
    "/upper": b"HTTP/1.1 200 OK\r\nX-A: 1\r\nSET-COOKIE: b=2\r\nContent-Length: 2\r\n\r\nok",
    "/http10": b"HTTP/1.0 200 OK\r\nX: y\r\nset-cookie: c=3\r\n\r\nok",
    "/lookalike": b"HTTP/1.1 200 OK\r\nX-Set-Cookie: no=1\r\nSet-Cookie2: no2=1\r\nSet-Cookie : no3=1\r\n"
                  b"Content-Length: 2\r\n\r\nok",
    "/none": b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok",
    "/check": b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
}


def _behave(conn, head):
    path = head.split(b"\r\n", 1)[0].split(b" ")[1].decode()
    conn.sendall(ANSWERS[path])


def test_set_cookie_reaches_the_jar(c6_bin):
    with HostileServer(_behave, max_seconds=30) as srv:
        r = run_c6(c6_bin, SCRIPTS / "http" / "set_cookie_scan.js", env={"URL": srv.url}, timeout=60)
        heads = list(srv.requests)
    assert r.code == 0, r
    got = [json.loads(parse_logfmt(x)["msg"]) for x in r.err.splitlines() if parse_logfmt(x).get("source") == "console"]
    assert len(got) == 1, r
    g = got[0]
    assert g["/early"] == [200, "HTTP/1.1", ["a"]], g
    assert g["/upper"] == [200, "HTTP/1.1", ["b"]], g
    assert g["/http10"] == [200, "HTTP/1.0", ["c"]], g
    assert g["/lookalike"] == [200, "HTTP/1.1", []], g
    assert g["/none"] == [200, "HTTP/1.1", []], g
    assert g["jar"] == {"a": ["1"], "b": ["2"], "c": ["3"]}, g
    check = [h for h in heads if h.startswith(b"GET /check ")]
    assert len(check) == 1, heads
    cookie = [ln for ln in check[0].split(b"\r\n") if ln.lower().startswith(b"cookie:")]
    assert len(cookie) == 1, check
    assert sorted(cookie[0].split(b":", 1)[1].strip().split(b"; ")) == [b"a=1", b"b=2", b"c=3"], cookie
