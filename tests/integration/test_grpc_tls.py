"""k6/net/grpc connect()'s tls param with a small PKI made here by openssl:
two CAs, a server certificate from each (two grpc_server.py), a client
certificate and keys in several forms.

k6 v2.2.0 facts (internal/js/modules/k6/grpc/client.go):
- buildTLSConfig: tls.cacerts are appended to x509.SystemCertPool() (which
  on Linux reads SSL_CERT_FILE/SSL_CERT_DIR), so the system's roots stay
  trusted; an entry without a certificate: "failed to append ca certificate
  [i] from PEM".
- a client pair through tls.X509KeyPair, its error behind "failed to append
  certificate from PEM: " (crypto/tls texts: "tls: failed to find any PEM
  data in certificate input", "tls: failed to find certificate PEM data in
  certificate input, but did find a private key; PEM inputs may have been
  switched", "tls: private key does not match public key", "tls: failed to
  parse private key").
- params.go parseConnectTLSParam: "invalid tls value: '%#v', expected
  (optional) keys: cert, key, password, and cacerts", "invalid tls cert
  value: '%#v', it needs to be a PEM formatted string" (key the same),
  "invalid tls password value: '%#v', it needs to be a string", "invalid tls
  cacerts value: '%#v', it needs to be a string or an array of PEM formatted
  strings", %#v of the whole tls map (Go sorts map keys), behind
  "invalid grpc.connect() parameters: ".
- decryptPrivateKey, when a password is given: "failed to decode PEM key",
  "encrypted pkcs8 formatted key is not supported", and x509.DecryptPEMBlock's
  "x509: no DEK-Info header in block" / "x509: decryption password incorrect".
"""
import pytest

from test_grpc import _openssl, _start_server, _stop_server


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    d = tmp_path_factory.mktemp("pki")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    for ca in ("ca_a", "ca_b"):
        _openssl("req", "-x509", *ec, "-days", "1", "-subj", f"/CN={ca}", "-keyout", f"{ca}.key",
                 "-out", f"{ca}.pem", cwd=d)
    (d / "san.ext").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    for name, ca in (("srv_a", "ca_a"), ("srv_b", "ca_b"), ("client", "ca_a")):
        _openssl("req", *ec, "-subj", f"/CN={name}", "-keyout", f"{name}.key", "-out", f"{name}.csr", cwd=d)
        _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key",
                 "-CAcreateserial", "-days", "1", "-extfile", "san.ext", "-out", f"{name}.pem", cwd=d)
    # the client key encrypted the old way (Proc-Type/DEK-Info) and as PKCS#8
    _openssl("ec", "-in", "client.key", "-aes128", "-passout", "pass:secret", "-out", "client_enc.key", cwd=d)
    _openssl("pkcs8", "-topk8", "-in", "client.key", "-passout", "pass:secret", "-out", "client_p8.key", cwd=d)
    _openssl("req", *ec, "-subj", "/CN=other", "-keyout", "other.key", "-out", "other.csr", cwd=d)
    assert "DEK-Info" in (d / "client_enc.key").read_text()
    pa, ports_a = _start_server(d, "--tls", str(d / "srv_a.pem"), str(d / "srv_a.key"))
    pb, ports_b = _start_server(d, "--tls", str(d / "srv_b.pem"), str(d / "srv_b.key"))
    yield d, f"127.0.0.1:{ports_a['tls']}", f"127.0.0.1:{ports_b['tls']}"
    _stop_server(pa)
    _stop_server(pb)


def test_cacerts_add_to_the_system_roots(c6, pki):
    d, a, b = pki
    r = c6("grpc/tls_pki.js", "-q", "-e", f"PKI={d}", "-e", f"ADDR_A={a}", "-e", f"ADDR_B={b}",
           env={"SSL_CERT_FILE": str(d / "ca_b.pem"), "SSL_CERT_DIR": None}, with_target=False, timeout=120)
    assert r.code == 0, r
    out = dict(line.split(" ", 1) for line in r.console())
    ok = 'ok {"status":1}'
    assert out["a-cacerts"] == ok, r
    # k6 keeps the system's roots beside cacerts: the server CA_B signed still verifies
    assert out["b-cacerts"] == ok, r
    assert out["b-system"] == ok, r
    assert out["a-system"].startswith("error context deadline exceeded: connection error: desc = \"transport: "
                                      "authentication handshake failed: tls: failed to verify certificate: x509: "
                                      "certificate signed by unknown authority"), r
    assert out["b-cert"] == ok, r
    assert out["b-password"] == ok, r
    assert out["bad-ca"] == "error failed to append ca certificate [1] from PEM", r
    assert out["bad-password"] == "error x509: decryption password incorrect", r
    assert out["pkcs8-password"] == "error encrypted pkcs8 formatted key is not supported", r
    assert out["plain-key-password"] == "error x509: no DEK-Info header in block", r
    assert out["no-key-password"] == "error failed to decode PEM key", r
    pre = "error failed to append certificate from PEM: tls: "
    assert out["bad-cert"] == pre + "failed to find any PEM data in certificate input", r
    assert out["swapped"] == pre + ("failed to find certificate PEM data in certificate input, but did find a "
                                    "private key; PEM inputs may have been switched"), r
    assert out["mismatch"] == pre + "private key does not match public key", r
    assert out["enc-no-password"] == pre + "failed to parse private key", r
    bad = "error invalid grpc.connect() parameters: invalid tls "
    assert out["tls-array"] == bad + ("value: '[]interface {}{\"x\"}', expected (optional) keys: cert, key, "
                                      "password, and cacerts"), r
    assert out["cert-type"] == bad + ("cert value: 'map[string]interface {}{\"cert\":1, \"key\":\"k\"}', it needs "
                                      "to be a PEM formatted string"), r
    assert out["key-type"] == bad + ("key value: 'map[string]interface {}{\"key\":1.5}', it needs to be a PEM "
                                     "formatted string"), r
    assert out["password-type"] == bad + ("password value: 'map[string]interface {}{\"password\":true}', it needs "
                                          "to be a string"), r
    assert out["cacerts-type"] == bad + ("cacerts value: 'map[string]interface {}{\"cacerts\":[]interface {}{\"a\", "
                                         "2}}', it needs to be a string or an array of PEM formatted strings"), r
