"""https:// on c6's HTTP client (src/net/tlsio.c + tlsconn.c): HTTP/1.1 for
servers that answer it in ALPN, nghttp2 for those that choose h2. The
test-only C6_TEST_ALPN=http/1.1 offers only http/1.1, so the h2 nginx
answers over HTTP/1.1 too (that is how these tests reach HTTP/1.1 over TLS
for every case). NTLM challenged over h2 goes on over HTTP/1.1.
Only 127.0.0.1; nginx and the PKI come from test_https's fixtures."""
import json
import socketserver
import subprocess
import threading
import time

import pytest

from test_https import _PlainAnswer, _free_ports, _points, _wait_port, pki, run, servers  # noqa: F401 (fixtures)


def _data_received(path):
    out = []
    for line in open(path).read().splitlines():
        rec = json.loads(line)
        if rec.get("type") == "Point" and rec.get("metric") == "data_received":
            out.append(rec["data"]["value"])
    return out


def test_http11_host(run, servers, tmp_path):
    fast = tmp_path / "fast.json"
    r, recs = run([servers["h1"]] * 3, None, "-o", f"json={fast}")
    assert r.code == 0, r
    assert [x["proto"] for x in recs] == ["HTTP/1.1"] * 3, recs
    assert [x["tls_version"] for x in recs] == ["tls1.3"] * 3, recs
    assert all(x["tls_cipher_suite"] == x["body"].split()[1] for x in recs), recs
    # one connection: a handshake on the first request only
    assert recs[0]["tls"] > 0 and recs[1]["tls"] == 0 and recs[2]["tls"] == 0, recs
    # wire bytes, as k6 counts them (lib/netext/dialer.go: Conn.Read/Write
    # counts every byte read and written, TLS records included): the first
    # response carries the handshake with the server's certificate
    f = _data_received(fast)
    assert len(f) == 3 and f[0] > f[1] + 500 and f[1] == f[2] > 0, f


def test_h2_host_uses_the_native_http2_client(run, servers, tmp_path):
    fast = tmp_path / "fast.json"
    r, recs = run([servers["h2"]] * 3, None, "-o", f"json={fast}")
    assert r.code == 0, r
    assert [x["proto"] for x in recs] == ["HTTP/2.0"] * 3, recs
    assert [x["body"].split()[2] for x in recs] == ["HTTP/2.0"] * 3, recs
    assert all(x["tls_version"] == "tls1.3" and x["tls_cipher_suite"] == x["body"].split()[1] for x in recs), recs
    # one connection: the first request's handshake, then streams on it
    assert recs[0]["tls"] > 0 and recs[1]["tls"] == 0 and recs[2]["tls"] == 0, recs
    # wire bytes (the certificate, TLS records, HPACK-compressed headers:
    # a repeated response's headers are smaller), as k6's dialer counts them
    f = _data_received(fast)
    assert len(f) == 3 and f[0] > f[1] + 500 and 0 < f[2] <= f[1], f


def test_tls_tls_fields_stapling_and_options(run, servers, tmp_path):
    out = tmp_path / "out.json"
    r, recs = run([servers["h2"]] * 2, {"systemTags": ["ocsp_status", "tls_version", "proto"]},
                  "-o", f"json={out}", env={"C6_TEST_ALPN": "http/1.1"})
    assert r.code == 0, r
    for rec in recs:
        assert rec["proto"] == "HTTP/1.1" and rec["body"].split()[2] == "HTTP/1.1", rec   # http/1.1 was all c6 offered
        assert rec["tls_version"] == "tls1.3" and rec["tls_cipher_suite"] == rec["body"].split()[1], rec
        assert rec["ocsp"]["status"] == "good" and rec["ocsp"]["next_update"] - rec["ocsp"]["this_update"] == 86400
    assert recs[0]["tls"] > 0 and recs[1]["tls"] == 0, recs
    assert [(t["proto"], t["ocsp_status"]) for t in _points(out, "http_reqs")] == [("HTTP/1.1", "good")] * 2
    opts = {"tlsVersion": {"min": "tls1.0", "max": "tls1.2"},
            "tlsCipherSuites": ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"]}
    r, recs = run([servers["h1"]], opts, env={"C6_TEST_ALPN": "http/1.1"})
    assert r.code == 0, r
    assert (recs[0]["tls_version"], recs[0]["tls_cipher_suite"]) == \
        ("tls1.2", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"), recs


def test_tls_client_certificate_by_host(run, servers, pki):
    port = servers["ports"]["mtls"]
    opts = {"tlsAuth": [
        {"domains": ["localhost"], "certFile": str(pki / "client1.pem"), "keyFile": str(pki / "client1.key")},
        {"domains": ["127.0.0.1"], "certFile": str(pki / "client2.pem"), "keyFile": str(pki / "client2.key")},
    ]}
    r, recs = run([f"https://localhost:{port}/", f"https://127.0.0.1:{port}/"], opts, env={"C6_TEST_ALPN": "http/1.1"})
    assert r.code == 0, r
    assert "SUCCESS CN=c6-client-one" in recs[0]["body"] and "SUCCESS CN=c6-client-two" in recs[1]["body"], recs


def test_tls_error_codes(run, servers):
    srv = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _PlainAnswer)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        urls = [servers["selfsigned"], servers["other"], servers["needcert"], f"https://127.0.0.1:{srv.server_address[1]}/"]
        r, recs = run(urls, None, env={"C6_TEST_ALPN": "http/1.1"})
    finally:
        srv.shutdown()
        srv.server_close()
    assert r.code == 0, r
    got = [(x["status"], x["error_code"], x["error"], x["tls_version"], x["proto"]) for x in recs]
    assert got == [
        (0, 1310, "x509: unknown authority", "", ""),
        (0, 1311, "x509: certificate doesn't match hostname", "", ""),
        (0, 1010, "remote error: tls: certificate required", "", ""),
        (0, 1301, "tls: first record does not look like a TLS handshake", "", ""),
    ], recs
    r, recs = run([servers["selfsigned"], servers["other"]], {"insecureSkipTLSVerify": True},
                  env={"C6_TEST_ALPN": "http/1.1"})
    assert [x["status"] for x in recs] == [200, 200], recs


def test_ntlm_without_a_challenge_stays_on_h2(c6, servers, pki):
    # the negotiate message goes as a stream when the host speaks h2; a
    # server that answers it without a challenge (nginx: 200) ends the
    # exchange there, on HTTP/2 (as with libcurl before issue 11)
    url = servers["h2"]
    r = c6("tls/ntlm_h2.js", "-e", f"URL={url}", env={"SSL_CERT_FILE": str(pki / "ca.pem")}, timeout=60)
    assert r.code == 0, r
    got = [json.loads(line) for line in r.console()]
    assert [(x["status"], x["proto"], x["body"].split()[2]) for x in got] == [(200, "HTTP/2.0", "HTTP/2.0")] * 3, got


@pytest.fixture
def ntlm_h2_nginx(pki):
    """An nginx speaking h2 and http/1.1 that answers HTTP/2 requests with
    401 "WWW-Authenticate: NTLM" and HTTP/1.1 ones with 200 and
    "<protocol> <Authorization header>"."""
    d = pki
    (d / "tmp").mkdir(exist_ok=True)
    port = _free_ports(1)[0]
    conf = d / "ntlm-nginx.conf"
    conf.write_text(f"""
worker_processes 1;
pid {d}/ntlm-nginx.pid;
error_log {d}/ntlm-error.log;
events {{ worker_connections 64; }}
http {{
  access_log off;
  client_body_temp_path {d}/tmp; proxy_temp_path {d}/tmp; fastcgi_temp_path {d}/tmp;
  uwsgi_temp_path {d}/tmp; scgi_temp_path {d}/tmp;
  default_type text/plain;
  server {{
    listen 127.0.0.1:{port} ssl http2;
    ssl_certificate {d}/srv.pem; ssl_certificate_key {d}/srv.key;
    location / {{
      if ($server_protocol = "HTTP/2.0") {{ add_header WWW-Authenticate "NTLM" always; return 401; }}
      return 200 "$server_protocol $http_authorization";
    }}
  }}
}}
""")
    proc = subprocess.Popen(["nginx", "-p", str(d), "-c", str(conf), "-e", str(d / "ntlm-error.log"),
                             "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if not _wait_port(port, proc, time.monotonic() + 10):
        proc.kill()
        pytest.fail(f"nginx did not start: {proc.communicate(timeout=5)[1]!r}")
    yield f"https://127.0.0.1:{port}/"
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


def test_ntlm_challenge_over_h2_goes_on_over_http11(c6, ntlm_h2_nginx, pki):
    # NTLM authenticates a connection, which HTTP/2 does not give a request:
    # a challenge that comes over h2 makes the request start again on an
    # HTTP/1.1 connection (libcurl, which carried NTLM before issue 11, did
    # the same: "Forcing HTTP/1.1 for NTLM"). The plain requests around it
    # stay on h2 (and get nginx's 401 there).
    r = c6("tls/ntlm_h2.js", "-e", f"URL={ntlm_h2_nginx}", env={"SSL_CERT_FILE": str(pki / "ca.pem")}, timeout=60)
    assert r.code == 0, r
    got = [json.loads(line) for line in r.console()]
    assert [(x["status"], x["proto"]) for x in got] == [(401, "HTTP/2.0"), (200, "HTTP/1.1"), (401, "HTTP/2.0")], got
    # the HTTP/1.1 request carried the negotiate message (type 1)
    assert got[1]["body"].startswith("HTTP/1.1 NTLM TlRMTVNTUAAB"), got
