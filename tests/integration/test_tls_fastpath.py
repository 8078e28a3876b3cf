"""https:// on c6's own HTTP/1.1 TLS client (src/net/tlsio.c + h1.c): used
for servers that answer HTTP/1.1 in ALPN, and with nghttp2 for those that
choose h2. C6_TLS_FASTPATH=0 keeps every https request on libcurl;
C6_TLS_FASTPATH=all offers only http/1.1, so the h2 nginx answers on the
fast path too (that is how these tests reach it for every TLS case).
Only 127.0.0.1; nginx and the PKI come from test_https's fixtures."""
import json
import socketserver
import threading

from test_https import _PlainAnswer, _points, pki, run, servers  # noqa: F401 (fixtures)


def _data_received(path):
    out = []
    for line in open(path).read().splitlines():
        rec = json.loads(line)
        if rec.get("type") == "Point" and rec.get("metric") == "data_received":
            out.append(rec["data"]["value"])
    return out


def test_http11_host_uses_the_fast_path(run, servers, tmp_path):
    fast, slow = tmp_path / "fast.json", tmp_path / "slow.json"
    r, recs = run([servers["h1"]] * 3, None, "-o", f"json={fast}")
    assert r.code == 0, r
    assert [x["proto"] for x in recs] == ["HTTP/1.1"] * 3, recs
    assert [x["tls_version"] for x in recs] == ["tls1.3"] * 3, recs
    assert all(x["tls_cipher_suite"] == x["body"].split()[1] for x in recs), recs
    # one connection: a handshake on the first request only
    assert recs[0]["tls"] > 0 and recs[1]["tls"] == 0 and recs[2]["tls"] == 0, recs
    r2, recs2 = run([servers["h1"]] * 3, None, "-o", f"json={slow}", env={"C6_TLS_FASTPATH": "0"})
    assert r2.code == 0 and [x["proto"] for x in recs2] == ["HTTP/1.1"] * 3, r2
    # the fast path counts wire bytes, as k6 does (the first response carries
    # the server's certificate); libcurl's path counts the HTTP bytes only
    f, s = _data_received(fast), _data_received(slow)
    assert len(f) == 3 and len(s) == 3, (f, s)
    assert f[0] > s[0] + 500 and f[1] > s[1], (f, s)


def test_h2_host_uses_the_native_http2_client(run, servers, tmp_path):
    fast, slow = tmp_path / "fast.json", tmp_path / "slow.json"
    r, recs = run([servers["h2"]] * 3, None, "-o", f"json={fast}")
    assert r.code == 0, r
    assert [x["proto"] for x in recs] == ["HTTP/2.0"] * 3, recs
    assert [x["body"].split()[2] for x in recs] == ["HTTP/2.0"] * 3, recs
    assert all(x["tls_version"] == "tls1.3" and x["tls_cipher_suite"] == x["body"].split()[1] for x in recs), recs
    # one connection: the first request's handshake, then streams on it
    assert recs[0]["tls"] > 0 and recs[1]["tls"] == 0 and recs[2]["tls"] == 0, recs
    r2, recs2 = run([servers["h2"]] * 3, None, "-o", f"json={slow}", env={"C6_TLS_FASTPATH": "0"})
    assert r2.code == 0 and [x["proto"] for x in recs2] == ["HTTP/2.0"] * 3, r2
    # nghttp2 on c6's TLS counts wire bytes (the certificate, TLS records,
    # HPACK-compressed headers); libcurl's path counts decoded HTTP bytes
    f, s = _data_received(fast), _data_received(slow)
    assert len(f) == 3 and len(s) == 3, (f, s)
    assert f[0] > s[0] + 500 and 0 < f[1] < f[0] and s[0] == s[1], (f, s)


def test_fast_path_tls_fields_stapling_and_options(run, servers, tmp_path):
    out = tmp_path / "out.json"
    r, recs = run([servers["h2"]] * 2, {"systemTags": ["ocsp_status", "tls_version", "proto"]},
                  "-o", f"json={out}", env={"C6_TLS_FASTPATH": "all"})
    assert r.code == 0, r
    for rec in recs:
        assert rec["proto"] == "HTTP/1.1" and rec["body"].split()[2] == "HTTP/1.1", rec   # not libcurl's h2
        assert rec["tls_version"] == "tls1.3" and rec["tls_cipher_suite"] == rec["body"].split()[1], rec
        assert rec["ocsp"]["status"] == "good" and rec["ocsp"]["next_update"] - rec["ocsp"]["this_update"] == 86400
    assert recs[0]["tls"] > 0 and recs[1]["tls"] == 0, recs
    assert [(t["proto"], t["ocsp_status"]) for t in _points(out, "http_reqs")] == [("HTTP/1.1", "good")] * 2
    opts = {"tlsVersion": {"min": "tls1.0", "max": "tls1.2"},
            "tlsCipherSuites": ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"]}
    r, recs = run([servers["h1"]], opts, env={"C6_TLS_FASTPATH": "all"})
    assert r.code == 0, r
    assert (recs[0]["tls_version"], recs[0]["tls_cipher_suite"]) == \
        ("tls1.2", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"), recs


def test_fast_path_client_certificate_by_host(run, servers, pki):
    port = servers["ports"]["mtls"]
    opts = {"tlsAuth": [
        {"domains": ["localhost"], "certFile": str(pki / "client1.pem"), "keyFile": str(pki / "client1.key")},
        {"domains": ["127.0.0.1"], "certFile": str(pki / "client2.pem"), "keyFile": str(pki / "client2.key")},
    ]}
    r, recs = run([f"https://localhost:{port}/", f"https://127.0.0.1:{port}/"], opts, env={"C6_TLS_FASTPATH": "all"})
    assert r.code == 0, r
    assert "SUCCESS CN=c6-client-one" in recs[0]["body"] and "SUCCESS CN=c6-client-two" in recs[1]["body"], recs


def test_fast_path_error_codes(run, servers):
    srv = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _PlainAnswer)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        urls = [servers["selfsigned"], servers["other"], servers["needcert"], f"https://127.0.0.1:{srv.server_address[1]}/"]
        r, recs = run(urls, None, env={"C6_TLS_FASTPATH": "all"})
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
                  env={"C6_TLS_FASTPATH": "all"})
    assert [x["status"] for x in recs] == [200, 200], recs
