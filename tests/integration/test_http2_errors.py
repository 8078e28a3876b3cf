"""k6's HTTP/2 error codes on c6's own HTTP/2 client (nghttp2): a GOAWAY
from the server (1610 + 1 + its error code), a stream reset (1630 + 1 +
code) and a refused stream, retried once; and a batch multiplexed as
streams on one connection.

The server is a few lines of raw HTTP/2 over Python's ssl (ALPN "h2"): it
reads the client's preface and frames, and answers the request's HEADERS
with what the test asks for. Its certificate is self-signed; c6 trusts it
through SSL_CERT_FILE."""
import json
import socket
import ssl
import struct
import subprocess
import threading

import pytest


def _frame(ftype, flags, sid, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) + struct.pack(">I", sid) + payload


def _read(s, n):
    b = b""
    while len(b) < n:
        chunk = s.recv(n - len(b))
        if not chunk:
            raise EOFError
        b += chunk
    return b


def _drain_and_close(s):
    """Reads what the client still sends, so that it reads our last frames
    before the close rather than a reset."""
    s.settimeout(0.5)
    try:
        while s.recv(4096):
            pass
    except (OSError, ssl.SSLError):
        pass


class _H2Server:
    """answer(stream_id) -> (bytes to send, close afterwards?)."""

    def __init__(self, ctx, answer):
        self.ctx, self.answer = ctx, answer
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.streams = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while not self.stop.is_set():
            try:
                c, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            threading.Thread(target=self._serve, args=(c,), daemon=True).start()

    def _serve(self, raw):
        raw.settimeout(5)
        try:
            s = self.ctx.wrap_socket(raw, server_side=True)
        except (OSError, ssl.SSLError):
            raw.close()
            return
        try:
            _read(s, 24)                                    # the client's preface
            s.sendall(_frame(4, 0, 0))                      # our (empty) SETTINGS
            while True:
                head = _read(s, 9)
                length, ftype, flags = int.from_bytes(head[:3], "big"), head[3], head[4]
                sid = int.from_bytes(head[5:9], "big") & 0x7FFFFFFF
                _read(s, length)
                if ftype == 4 and not flags & 1:
                    s.sendall(_frame(4, 1, 0))              # SETTINGS ACK
                if ftype == 1:                              # the request's HEADERS
                    self.streams += 1
                    data, close = self.answer(sid)
                    s.sendall(data)
                    if close:
                        _drain_and_close(s)
                        return
        except (EOFError, OSError, ssl.SSLError):
            pass
        finally:
            s.close()

    def close(self):
        self.stop.set()
        self.thread.join(timeout=5)
        self.sock.close()


def _ok(sid):
    # HEADERS ":status: 200" (HPACK static index 8) and a DATA "hi", END_STREAM
    return _frame(1, 4, sid, b"\x88") + _frame(0, 1, sid, b"hi"), False


def _rst(code):
    return lambda sid: (_frame(3, 0, sid, struct.pack(">I", code)), False)


def _goaway(code, last_stream=None):
    return lambda sid: (_frame(7, 0, 0, struct.pack(">II", sid if last_stream is None else last_stream, code)), True)


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    d = tmp_path_factory.mktemp("h2err")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(d / "k.pem"), "-out", str(d / "c.pem")],
                   check=True, capture_output=True, timeout=60)
    return d


@pytest.fixture
def h2server(cert):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(cert / "c.pem"), str(cert / "k.pem"))
    ctx.set_alpn_protocols(["h2"])
    made = []

    def make(answer):
        srv = _H2Server(ctx, answer)
        made.append(srv)
        return srv
    yield make
    for srv in made:
        srv.close()


def _run(c6, cert, urls, *flags):
    r = c6("tls/opts.js", "-e", "URLS=" + " ".join(urls), *flags, env={"SSL_CERT_FILE": str(cert / "c.pem")},
           timeout=60)
    assert r.code == 0, r
    return r, [json.loads(line) for line in r.console()]


def test_raw_server_answers_over_http2(c6, cert, h2server):
    srv = h2server(_ok)
    _, recs = _run(c6, cert, [f"https://127.0.0.1:{srv.port}/"])
    assert [(x["status"], x["proto"], x["body"], x["error_code"]) for x in recs] == [(200, "HTTP/2.0", "hi", 0)], recs


def test_stream_reset_codes(c6, cert, h2server, tmp_path):
    internal, unknown = h2server(_rst(2)), h2server(_rst(0x42))
    out = tmp_path / "out.json"
    r, recs = _run(c6, cert, [f"https://127.0.0.1:{internal.port}/", f"https://127.0.0.1:{unknown.port}/"],
                   "-o", f"json={out}")
    assert [(x["status"], x["error_code"], x["error"]) for x in recs] == [
        (0, 1633, "http2: stream error with http2 ErrCode INTERNAL_ERROR"),
        (0, 1630, "http2: stream error with http2 ErrCode unknown error code 0x42"),
    ], recs
    tags = [json.loads(line)["data"]["tags"] for line in out.read_text().splitlines()
            if '"http_reqs"' in line and '"Point"' in line]
    assert sorted(t["error_code"] for t in tags) == ["1630", "1633"], tags
    assert r.rate("http_req_failed")[1:] == (2, 2), r


def test_refused_stream(c6, cert, h2server):
    # nghttp2 tells the code of every reset: the first failure is exact too;
    # a refused stream never ran, so it is sent once more first (Go's retry)
    srv = h2server(_rst(7))
    _, recs = _run(c6, cert, [f"https://127.0.0.1:{srv.port}/"] * 2, "--workers", "1")
    assert [(x["status"], x["error_code"], x["error"]) for x in recs] == [
        (0, 1638, "http2: stream error with http2 ErrCode REFUSED_STREAM")] * 2, recs
    assert srv.streams == 4, srv.streams


def test_goaway_codes(c6, cert, h2server):
    # the request's stream is within the GOAWAY's last stream, then the server closes
    protocol = h2server(_goaway(1))
    # the request's stream is past the last stream: never processed
    calm = h2server(_goaway(11, last_stream=0))
    _, recs = _run(c6, cert, [f"https://127.0.0.1:{protocol.port}/"] * 2 + [f"https://127.0.0.1:{calm.port}/"],
                   "--workers", "1")
    assert [(x["status"], x["error_code"], x["error"]) for x in recs] == [
        (0, 1612, "http2: received GoAway with http2 ErrCode PROTOCOL_ERROR"),
        (0, 1612, "http2: received GoAway with http2 ErrCode PROTOCOL_ERROR"),
        (0, 1622, "http2: received GoAway with http2 ErrCode ENHANCE_YOUR_CALM"),
    ], recs
    assert protocol.connections == 2, protocol.connections   # a GOAWAY ends the connection's use


def test_batch_multiplexes_on_one_connection(c6, cert, h2server, tmp_path):
    # c6's own HTTP/2 client: a VU's requests to a host share one connection,
    # and a batch's requests are streams on it (libcurl's path would open more)
    srv = h2server(_ok)
    script = tmp_path / "batch.js"
    script.write_text(f"""
import http from "k6/http";
export const options = {{ vus: 1, iterations: 2 }};
export default function () {{
  const u = "https://127.0.0.1:{srv.port}/";
  http.get(u);   // the first request learns that the host speaks h2
  const rs = http.batch([u, u, u, u]);
  console.log(JSON.stringify(rs.map((r) => [r.status, r.proto, r.body, r.status_text])));
}}
""")
    r = c6(str(script), env={"SSL_CERT_FILE": str(cert / "c.pem")}, timeout=60)
    assert r.code == 0, r
    lines = [json.loads(x) for x in r.console()]
    assert lines == [[[200, "HTTP/2.0", "hi", "200 OK"]] * 4] * 2, lines
    assert srv.connections == 1 and srv.streams == 10, (srv.connections, srv.streams)


def test_timeout_resets_the_stream_and_keeps_the_connection(c6, cert, h2server, tmp_path):
    # the first request gets no answer: a timeout (1050) resets its stream;
    # the next request is a new stream on the same connection
    answers = iter([(b"", False)])
    srv = h2server(lambda sid: next(answers, None) or _ok(sid))
    script = tmp_path / "timeout.js"
    script.write_text(f"""
import http from "k6/http";
export const options = {{ vus: 1, iterations: 1 }};
export default function () {{
  const u = "https://127.0.0.1:{srv.port}/";
  const a = http.post(u, "body", {{ timeout: "300ms" }});
  const b = http.get(u);
  console.log(JSON.stringify([[a.status, a.error_code, a.error], [b.status, b.body]]));
}}
""")
    r = c6(str(script), env={"SSL_CERT_FILE": str(cert / "c.pem")}, timeout=60)
    assert r.code == 0, r
    assert [json.loads(x) for x in r.console()] == [[[0, 1050, "request timeout"], [200, "hi"]]], r.console()
    assert srv.connections == 1 and srv.streams == 2, (srv.connections, srv.streams)
