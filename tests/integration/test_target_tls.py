"""`c6 target --tls-listen`: the built-in target over HTTPS (libmicrohttpd
with GnuTLS), with the self-signed certificate it makes at start-up, and
its /client-cert route; exercised by c6 scripts (tls/opts.js) and by
`c6 target`'s own option checks."""
import json
import subprocess

import pytest

from conftest import _openssl, _start_target, _stop_target


@pytest.fixture
def run(c6):
    """run(urls, opts=None, env=None) -> (RunResult, [record per response])."""
    def go(urls, opts=None, env=None):
        args = ["-e", "URLS=" + " ".join(urls)]
        if opts is not None:
            args += ["-e", "OPTS=" + json.dumps(opts)]
        r = c6("tls/opts.js", *args, env=env, timeout=30)
        return r, [json.loads(line) for line in r.console()]
    return go


def _auth(t, cert, key):
    return {"tlsAuth": [{"domains": ["127.0.0.1"], "certFile": cert, "keyFile": key}]}


def test_self_signed_certificate_is_not_trusted_by_default(run, target_tls):
    # a system trust store without the target's certificate
    r, recs = run([target_tls.url + "/get"], env={"SSL_CERT_FILE": target_tls.ca})
    assert r.code == 0, r
    rec = recs[0]
    assert (rec["status"], rec["error_code"], rec["error"]) == (0, 1310, "x509: unknown authority"), rec


def test_insecure_skip_tls_verify(run, target_tls):
    r, recs = run([target_tls.url + "/get"], {"insecureSkipTLSVerify": True},
                  env={"SSL_CERT_FILE": target_tls.ca})
    assert r.code == 0, r
    rec = recs[0]
    assert rec["status"] == 200 and rec["error_code"] == 0, rec
    assert json.loads(rec["body"])["url"] == target_tls.url + "/get", rec


def test_trusted_through_ssl_cert_file(run, target_tls):
    port = target_tls.url.rsplit(":", 1)[1]
    urls = [target_tls.url + "/get?a=1", f"https://localhost:{port}/headers", target_tls.http + "/get"]
    r, recs = run(urls, env={"SSL_CERT_FILE": target_tls.cert})
    assert r.code == 0, r
    by_ip, by_name, plain = recs
    for rec in (by_ip, by_name):
        assert rec["status"] == 200 and rec["error_code"] == 0, rec
        # MHD speaks no HTTP/2: ALPN settles on HTTP/1.1
        assert rec["proto"] == "HTTP/1.1" and rec["tls_version"] == "tls1.3", rec
        assert rec["tls_cipher_suite"].startswith("TLS_"), rec
        assert rec["tls"] > 0, rec
    body = json.loads(by_ip["body"])
    assert body["url"] == target_tls.url + "/get?a=1" and body["args"] == {"a": "1"}, body
    assert json.loads(by_name["body"])["headers"]["Host"] == f"localhost:{port}", by_name
    # the same server still answers plain HTTP
    assert plain["status"] == 200 and plain["tls_version"] == "", plain
    assert json.loads(plain["body"])["url"] == target_tls.http + "/get", plain


def test_tls_version_1_2(run, target_tls):
    r, recs = run([target_tls.url + "/get"], {"tlsVersion": "tls1.2"}, env={"SSL_CERT_FILE": target_tls.cert})
    assert r.code == 0, r
    assert recs[0]["status"] == 200 and recs[0]["tls_version"] == "tls1.2", recs


def test_client_cert_with_tls_auth(run, target_tls):
    opts = _auth(target_tls, target_tls.client_cert, target_tls.client_key)
    r, recs = run([target_tls.url + "/client-cert"], opts, env={"SSL_CERT_FILE": target_tls.cert})
    assert r.code == 0, r
    rec = recs[0]
    assert rec["status"] == 200, rec
    body = json.loads(rec["body"])
    assert body["cn"] == target_tls.client_cn, body
    assert "CN=c6-client-one" in body["subject"] and "O=c6 tests" in body["subject"], body


def test_client_cert_missing_or_untrusted(run, target_tls):
    """MHD only asks for a client certificate, so the handshake succeeds
    without one and the route refuses: 401 without, 403 when untrusted."""
    env = {"SSL_CERT_FILE": target_tls.cert}
    r, recs = run([target_tls.url + "/client-cert", target_tls.http + "/client-cert"], env=env)
    assert r.code == 0, r
    for rec in recs:
        assert rec["status"] == 401 and rec["error_code"] == 1401, rec   # k6: 1400 + status
    assert json.loads(recs[0]["body"]) == {"error": "client certificate required"}, recs
    assert "not a TLS connection" in json.loads(recs[1]["body"])["error"], recs
    opts = _auth(target_tls, target_tls.rogue_cert, target_tls.rogue_key)
    r, recs = run([target_tls.url + "/client-cert", target_tls.url + "/get"], opts, env=env)
    assert r.code == 0, r
    rogue, other = recs
    assert rogue["status"] == 403 and rogue["error_code"] == 1403, rogue
    assert json.loads(rogue["body"])["error"].startswith("client certificate not trusted: "), rogue
    # other routes do not care about the client certificate
    assert other["status"] == 200, other


def test_given_certificate_and_key(run, c6_bin, target_tls):
    """--tls-cert/--tls-key: a server certificate issued by a CA, trusted
    through that CA."""
    d = target_tls.dir
    (d / "srv.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=srv",
             "-keyout", "srv.key", "-out", "srv.csr", cwd=d)
    _openssl("x509", "-req", "-in", "srv.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
             "-days", "1", "-extfile", "srv.ext", "-out", "srv.pem", cwd=d)
    proc, urls = _start_target(c6_bin, "--tls-listen", "127.0.0.1:0", "--tls-cert", str(d / "srv.pem"),
                               "--tls-key", str(d / "srv.key"), "--tls-cert-out", str(d / "srv-out.pem"))
    try:
        r, recs = run([urls["https"] + "/get"], env={"SSL_CERT_FILE": target_tls.ca})
    finally:
        _stop_target(proc)
    assert r.code == 0, r
    assert recs[0]["status"] == 200 and recs[0]["tls_version"] == "tls1.3", recs
    assert (d / "srv-out.pem").read_text() == (d / "srv.pem").read_text()


def _target_fails(c6_bin, *args):
    p = subprocess.run([c6_bin, "target", "--listen", "127.0.0.1:0", *args], capture_output=True,
                       text=True, timeout=10, stdin=subprocess.DEVNULL)
    assert p.returncode == 1 and p.stdout == "", p
    return p.stderr


def test_bad_tls_options(c6_bin, target_tls):
    d = target_tls.dir
    assert "--tls-cert needs --tls-listen" in _target_fails(c6_bin, "--tls-cert", target_tls.cert)
    tls = ["--tls-listen", "127.0.0.1:0"]
    assert "--tls-cert needs --tls-key" in _target_fails(c6_bin, *tls, "--tls-cert", target_tls.cert)
    err = _target_fails(c6_bin, *tls, "--tls-cert", str(d / "nope.pem"), "--tls-key", target_tls.client_key)
    assert "--tls-cert '" in err and "nope.pem': No such file or directory" in err, err
    err = _target_fails(c6_bin, *tls, "--tls-cert", target_tls.client_key, "--tls-key", target_tls.client_key)
    assert "--tls-cert '" in err and "no PEM certificate" in err, err
    err = _target_fails(c6_bin, *tls, "--tls-cert", target_tls.client_cert, "--tls-key", target_tls.rogue_key)
    assert "does not belong to the certificate" in err, err
    # an encrypted key is refused (no password prompt on the terminal)
    _openssl("pkey", "-in", "client.key", "-aes128", "-passout", "pass:x", "-out", "enc.key", cwd=d)
    err = _target_fails(c6_bin, *tls, "--tls-cert", target_tls.client_cert, "--tls-key", str(d / "enc.key"))
    assert "no unencrypted PEM private key" in err, err
    err = _target_fails(c6_bin, *tls, "--tls-client-ca", target_tls.client_key)
    assert "--tls-client-ca '" in err and "no PEM certificate" in err, err
    err = _target_fails(c6_bin, "--tls-listen", "nowhere")
    assert "bad --tls-listen 'nowhere'" in err, err
