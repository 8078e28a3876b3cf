"""HTTPS: certificate verification is on by default; --insecure-skip-tls-verify
turns it off. The server is a Python TLS server on loopback with a
self-signed certificate made for the test."""
import http.server
import json
import ssl
import subprocess
import threading

import pytest


class _Hello(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        body = b"secret hello"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def tls_url(tmp_path_factory):
    d = tmp_path_factory.mktemp("tls")
    cert, key = d / "cert.pem", d / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(cert), str(key))
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"https://127.0.0.1:{srv.server_address[1]}/"
    srv.shutdown()


def _record(r):
    lines = r.console()
    assert len(lines) == 1, r
    return json.loads(lines[0])


def test_self_signed_certificate_is_rejected_by_default(c6, tls_url):
    r = c6("tls/get.js", "-e", f"TLS_URL={tls_url}")
    assert r.code == 0, r
    rec = _record(r)
    assert rec["status"] == 0, rec
    assert 1300 <= rec["error_code"] < 1400, rec      # k6's TLS error range
    assert r.rate("http_req_failed")[1:] == (1, 1), r   # 1 failed out of 1


def test_insecure_skip_tls_verify_accepts_it(c6, tls_url):
    r = c6("tls/get.js", "-e", f"TLS_URL={tls_url}", "--insecure-skip-tls-verify")
    assert r.code == 0, r
    rec = _record(r)
    assert rec["status"] == 200 and rec["error_code"] == 0, rec
    assert rec["body"] == "secret hello", rec
    assert rec["proto"] == "HTTP/1.1", rec
    assert rec["tls"] > 0, rec                          # a handshake happened and was timed
