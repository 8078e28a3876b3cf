"""HTTPS on c6's HTTP client: HTTP/2 by ALPN, TLS details on the Response and on
samples, the TLS options (tlsVersion, tlsCipherSuites, tlsAuth) and k6's TLS
error codes.

The servers are an nginx (run as the current user from a temporary prefix,
on free loopback ports) and, for a server that refuses a handshake without a
client certificate, a Python TLS server. Certificates come from a test CA
made with openssl; c6 trusts it through SSL_CERT_FILE, as k6 (Go) does."""
import json
import pathlib
import shutil
import socket
import ssl
import subprocess
import threading
import time
import socketserver

import pytest

SERVERS = ["h2", "h1", "other", "selfsigned", "mtls"]


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def _make_pki(d):
    """CA, a server cert for localhost/127.0.0.1, one for other.test, a
    self-signed one, two client certs, and a stapled OCSP response."""
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=c6 test CA",
             "-keyout", "ca.key", "-out", "ca.pem", cwd=d)

    def issue(name, subj, ext=None):
        _openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", subj, "-keyout", f"{name}.key",
                 "-out", f"{name}.csr", cwd=d)
        args = ["x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                "-CAcreateserial", "-days", "2", "-out", f"{name}.pem"]
        if ext:
            (d / f"{name}.ext").write_text(ext + "\n")
            args += ["-extfile", f"{name}.ext"]
        _openssl(*args, cwd=d)

    issue("srv", "/CN=localhost", "subjectAltName=DNS:localhost,IP:127.0.0.1")
    issue("other", "/CN=other.test", "subjectAltName=DNS:other.test")
    issue("client1", "/CN=c6-client-one")
    issue("client2", "/CN=c6-client-two")
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
             "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
             "-keyout", "self.key", "-out", "self.pem", cwd=d)
    serial = subprocess.run(["openssl", "x509", "-in", "srv.pem", "-noout", "-serial"], cwd=d, check=True,
                            capture_output=True, text=True, timeout=30).stdout.strip().split("=")[1]
    expiry = time.strftime("%y%m%d%H%M%SZ", time.gmtime(time.time() + 2 * 86400))
    (d / "index.txt").write_text(f"V\t{expiry}\t\t{serial}\tunknown\t/CN=localhost\n")
    _openssl("ocsp", "-index", "index.txt", "-CA", "ca.pem", "-rsigner", "ca.pem", "-rkey", "ca.key",
             "-issuer", "ca.pem", "-cert", "srv.pem", "-respout", "ocsp.der", "-ndays", "1", cwd=d)


def _free_ports(n):
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def _nginx_conf(d, ports):
    p = dict(zip(SERVERS, ports))
    body = 'return 200 "$ssl_protocol $ssl_cipher $server_protocol $ssl_client_verify $ssl_client_s_dn";'

    def server(name, cert, extra="", h2=False):
        return f"""
  server {{
    listen 127.0.0.1:{p[name]} ssl{' http2' if h2 else ''};
    ssl_certificate {d}/{cert}.pem; ssl_certificate_key {d}/{cert}.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    {extra}
    location / {{ {body} }}
    location /ua {{ return 200 "[$http_user_agent]"; }}
  }}"""
    return f"""
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log;
events {{ worker_connections 256; }}
http {{
  access_log off;
  client_body_temp_path {d}/tmp; proxy_temp_path {d}/tmp; fastcgi_temp_path {d}/tmp;
  uwsgi_temp_path {d}/tmp; scgi_temp_path {d}/tmp;
  default_type text/plain;
{server("h2", "srv", f"ssl_stapling on; ssl_stapling_file {d}/ocsp.der; ssl_trusted_certificate {d}/ca.pem;", h2=True)}
{server("h1", "srv")}
{server("other", "other")}
{server("selfsigned", "self")}
{server("mtls", "srv", f"ssl_verify_client on; ssl_client_certificate {d}/ca.pem;")}
}}
"""


def _wait_port(port, proc, deadline):
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


class _NeedsCert(socketserver.BaseRequestHandler):
    """A TLS server that requires a client certificate. A refused handshake
    is followed by reading what the client still sends before closing, so
    that the client reads the alert rather than a reset."""
    ctx = None

    def handle(self):
        raw = self.request
        raw.settimeout(5)
        tls = self.ctx.wrap_socket(raw, server_side=True, do_handshake_on_connect=False)
        try:
            tls.do_handshake()
            tls.recv(65536)
            tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
            tls.close()
        except (ssl.SSLError, OSError):
            # the TLS object owns the descriptor now: take it back to drain it
            plain = socket.socket(fileno=tls.detach())
            plain.settimeout(0.3)
            try:
                while plain.recv(65536):
                    pass
            except OSError:
                pass
            plain.close()


class _QuietServer(socketserver.ThreadingTCPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    if not shutil.which("nginx"):
        pytest.fail("nginx is not installed (scripts/bootstrap.sh installs nginx-light)")
    d = tmp_path_factory.mktemp("https")
    _make_pki(d)
    return d


@pytest.fixture(scope="module")
def servers(pki):
    """{name: "https://host:port/"} for the nginx servers and "needcert"."""
    d = pki
    (d / "tmp").mkdir(exist_ok=True)
    ports = _free_ports(len(SERVERS))
    (d / "nginx.conf").write_text(_nginx_conf(d, ports))
    proc = subprocess.Popen(["nginx", "-p", str(d), "-c", str(d / "nginx.conf"), "-e", str(d / "error.log"),
                             "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 10
    if not all(_wait_port(p, proc, deadline) for p in ports):
        proc.kill()
        _, err = proc.communicate(timeout=5)
        pytest.fail(f"nginx did not start: {err!r} {(d / 'error.log').read_text() if (d / 'error.log').exists() else ''}")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(d / "srv.pem"), str(d / "srv.key"))
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.load_verify_locations(str(d / "ca.pem"))
    _NeedsCert.ctx = ctx
    srv = _QuietServer(("127.0.0.1", 0), _NeedsCert)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    urls = {name: f"https://127.0.0.1:{port}/" for name, port in zip(SERVERS, ports)}
    urls["needcert"] = f"https://127.0.0.1:{srv.server_address[1]}/"
    urls["ports"] = dict(zip(SERVERS, ports))
    yield urls
    srv.shutdown()
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


@pytest.fixture
def run(c6, pki):
    """run(urls, opts=None, *flags) -> (RunResult, [record per response])."""
    def go(urls, opts=None, *flags, env=None):
        e = {"SSL_CERT_FILE": str(pki / "ca.pem")}
        e.update(env or {})
        args = ["-e", "URLS=" + " ".join(urls)]
        if opts is not None:
            args += ["-e", "OPTS=" + json.dumps(opts)]
        r = c6("tls/opts.js", *args, *flags, env=e, timeout=60)
        return r, [json.loads(line) for line in r.console()]
    return go


def test_http2_empty_user_agent_sends_none(run, servers):
    # k6 sets the request's User-Agent to options.userAgent; Go's http2
    # encodeHeaders leaves an empty one out, as its HTTP/1 writer does
    # (nginx's $http_user_agent is empty both when none came and when an
    # empty one came, so this pins the request and the option's value over
    # h2; that none is sent is pinned byte for byte over HTTP/1.1 in
    # test_request_bytes.py)
    url = servers["h2"] + "ua"
    r, recs = run([url], {"userAgent": ""})
    assert r.code == 0, r
    assert recs[0]["proto"] == "HTTP/2.0" and recs[0]["body"] == "[]", recs
    r, recs = run([url], {"userAgent": "mine/1"})
    assert recs[0]["proto"] == "HTTP/2.0" and recs[0]["body"] == "[mine/1]", recs


def _points(path, metric):
    out = []
    for line in pathlib.Path(path).read_text().splitlines():
        rec = json.loads(line)
        if rec.get("type") == "Point" and rec.get("metric") == metric:
            out.append(rec["data"]["tags"])
    return out


# ---------------------------------------------------------------- HTTP/2 and TLS details


def test_http2_over_tls_proto_tls_fields_and_tags(run, servers, tmp_path):
    out = tmp_path / "out.json"
    r, recs = run([servers["h2"], servers["h2"]], None, "-o", f"json={out}")
    assert r.code == 0, r
    assert len(recs) == 2, r
    first, second = recs
    for rec in recs:
        assert rec["status"] == 200 and rec["error_code"] == 0, rec
        assert rec["proto"] == "HTTP/2.0", rec
        assert rec["body"].split()[2] == "HTTP/2.0", rec          # nginx agrees
        assert rec["tls_version"] == "tls1.3", rec
        assert rec["body"].split()[0] == "TLSv1.3", rec
        # nginx names the TLS 1.3 suite as Go does
        assert rec["tls_cipher_suite"] == rec["body"].split()[1], rec
        assert rec["consts"] == ["tls1.2", "tls1.3", "good", "unspecified"], rec
    # a handshake for the new connection only; the second request reuses it
    assert first["tls"] > 0 and second["tls"] == 0, recs
    tags = _points(out, "http_reqs")
    assert len(tags) == 2, tags
    for t in tags:
        assert t["proto"] == "HTTP/2.0" and t["tls_version"] == "tls1.3", t
        assert "ocsp_status" not in t, t                        # not a default system tag


def test_stapled_ocsp_response(run, servers, tmp_path):
    out = tmp_path / "out.json"
    r, recs = run([servers["h2"], servers["h2"]], {"systemTags": ["ocsp_status", "tls_version"]},
                  "-o", f"json={out}")
    assert r.code == 0, r
    o = recs[0]["ocsp"]
    assert recs[1]["ocsp"] == o and recs[1]["tls"] == 0, recs   # the reused connection keeps its response
    assert [t.get("ocsp_status") for t in _points(out, "http_reqs")] == ["good", "good"], r
    assert o["status"] == "good", o
    assert o["revocation_reason"] == "unspecified", o            # Go's zero reason, as k6 shows it
    now = time.time()
    # k6 reports Unix seconds
    assert abs(o["produced_at"] - now) < 3600 and abs(o["this_update"] - now) < 3600, o
    assert o["next_update"] - o["this_update"] == 86400, o


def test_http11_over_tls_and_no_stapling(run, servers, target):
    r, recs = run([servers["h1"], target + "/get"])
    assert r.code == 0, r
    tls, plain = recs
    assert tls["proto"] == "HTTP/1.1" and tls["tls_version"] == "tls1.3", tls
    assert tls["ocsp"]["status"] == "unknown" and tls["ocsp"]["produced_at"] == 0, tls
    # plain http: no TLS at all
    assert plain["proto"] == "HTTP/1.1" and plain["tls_version"] == "" and plain["tls_cipher_suite"] == "", plain
    assert plain["ocsp"]["status"] == "" and plain["tls"] == 0, plain


# ---------------------------------------------------------------- TLS options


def test_tls_version_exact(run, servers):
    r, recs = run([servers["h2"]], {"tlsVersion": "tls1.2"})
    assert r.code == 0, r
    rec = recs[0]
    assert rec["tls_version"] == "tls1.2" and rec["body"].startswith("TLSv1.2 "), rec


def test_tls_version_range_and_cipher_suite(run, servers):
    opts = {"tlsVersion": {"min": "tls1.0", "max": "tls1.2"},
            "tlsCipherSuites": ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"]}
    r, recs = run([servers["h2"]], opts)
    assert r.code == 0, r
    rec = recs[0]
    assert rec["tls_version"] == "tls1.2", rec
    assert rec["tls_cipher_suite"] == "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", rec
    assert rec["body"].split()[1] == "ECDHE-RSA-AES128-GCM-SHA256", rec   # OpenSSL's name for it


def test_tls_version_from_env(run, servers):
    r, recs = run([servers["h2"]], None, env={"K6_TLS_VERSION": "tls1.2"})
    assert r.code == 0, r
    assert recs[0]["tls_version"] == "tls1.2", recs


def test_tls_auth_client_certificate_chosen_by_host(run, servers, pki):
    port = servers["ports"]["mtls"]
    opts = {"tlsAuth": [
        {"domains": ["localhost"], "certFile": str(pki / "client1.pem"), "keyFile": str(pki / "client1.key")},
        {"domains": ["127.0.0.1"], "certFile": str(pki / "client2.pem"), "keyFile": str(pki / "client2.key")},
    ]}
    r, recs = run([f"https://localhost:{port}/", f"https://127.0.0.1:{port}/"], opts)
    assert r.code == 0, r
    by_name, by_ip = recs
    assert by_name["status"] == 200 and "SUCCESS CN=c6-client-one" in by_name["body"], by_name
    assert by_ip["status"] == 200 and "SUCCESS CN=c6-client-two" in by_ip["body"], by_ip


def test_tls_auth_without_matching_domain_sends_no_certificate(run, servers, pki):
    port = servers["ports"]["mtls"]
    opts = {"tlsAuth": [{"domains": ["example.com"], "certFile": str(pki / "client1.pem"),
                         "keyFile": str(pki / "client1.key")}]}
    r, recs = run([f"https://127.0.0.1:{port}/"], opts)
    assert r.code == 0, r
    assert recs[0]["status"] == 400, recs   # nginx: "No required SSL certificate was sent"


@pytest.mark.parametrize("opts,where", [
    ({"tlsVersion": "tls9"}, "options.tlsVersion"),
    ({"tlsVersion": {"min": "tls1.3", "max": "tls1.2"}}, "options.tlsVersion"),
    ({"tlsVersion": {"min": "tls1.2", "max": 12}}, "options.tlsVersion.max"),
    ({"tlsCipherSuites": ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "NOPE"]}, "options.tlsCipherSuites[1]"),
    ({"tlsCipherSuites": "TLS_AES_128_GCM_SHA256"}, "options.tlsCipherSuites"),
    ({"tlsAuth": [{"cert": "x"}]}, "options.tlsAuth[0].key"),
    ({"tlsAuth": {}}, "options.tlsAuth"),
])
def test_bad_tls_options_exit_104(run, servers, opts, where):
    r, _ = run([servers["h2"]], opts)
    assert r.code == 104, r
    assert where in r.err, r


def test_tls_auth_bad_pem_exits_104(run, servers, pki):
    # the "cert" file is a key: not a certificate
    opts = {"tlsAuth": [{"certFile": str(pki / "client1.key"), "keyFile": str(pki / "client1.key")}]}
    r, _ = run([servers["h2"]], opts)
    assert r.code == 104 and "options.tlsAuth[0].cert" in r.err, r
    # a key that is not the certificate's
    opts = {"tlsAuth": [{"certFile": str(pki / "client1.pem"), "keyFile": str(pki / "client2.key")}]}
    r, _ = run([servers["h2"]], opts)
    assert r.code == 104 and "options.tlsAuth[0]" in r.err and "does not belong" in r.err, r


def test_bad_tls_env_exits_104(run, servers):
    r, _ = run([servers["h2"]], None, env={"K6_TLS_CIPHER_SUITES": "TLS_AES_128_GCM_SHA256,BOGUS"})
    assert r.code == 104 and "K6_TLS_CIPHER_SUITES" in r.err, r


# ---------------------------------------------------------------- TLS errors


def test_tls_error_codes(run, servers, tmp_path):
    out = tmp_path / "out.json"
    r, recs = run([servers["selfsigned"], servers["other"], servers["needcert"]], None, "-o", f"json={out}")
    assert r.code == 0, r
    unknown, mismatch, needcert = recs
    assert (unknown["status"], unknown["error_code"], unknown["error"]) == (0, 1310, "x509: unknown authority"), unknown
    assert (mismatch["status"], mismatch["error_code"], mismatch["error"]) == \
        (0, 1311, "x509: certificate doesn't match hostname"), mismatch
    # the server ends the handshake with an alert: Go's "remote error", which k6 files as 1010
    assert needcert["status"] == 0 and needcert["error_code"] == 1010, needcert
    assert needcert["error"] == "remote error: tls: certificate required", needcert
    for rec in recs:
        assert rec["tls_version"] == "" and rec["proto"] == "", rec
    codes = sorted(t.get("error_code") for t in _points(out, "http_reqs"))
    assert codes == ["1010", "1310", "1311"], codes
    assert r.rate("http_req_failed")[1:] == (3, 3), r


def test_insecure_skip_tls_verify_accepts_unknown_authority_and_mismatch(run, servers):
    r, recs = run([servers["selfsigned"], servers["other"]], {"insecureSkipTLSVerify": True})
    assert r.code == 0, r
    assert [rec["status"] for rec in recs] == [200, 200], recs


class _PlainAnswer(socketserver.BaseRequestHandler):
    """A plain-HTTP server that answers whatever arrives (a ClientHello too)."""
    def handle(self):
        self.request.recv(4096)
        self.request.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")


def test_https_to_a_plain_http_server_is_1301(run):
    # the built-in target sometimes closes on a ClientHello without answering
    # (that is an EOF, 1300); a server that answers in plain HTTP is what 1301 means
    srv = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _PlainAnswer)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        r, recs = run([f"https://127.0.0.1:{srv.server_address[1]}/get"])
    finally:
        srv.shutdown()
        srv.server_close()
    assert r.code == 0, r
    rec = recs[0]
    assert (rec["status"], rec["error_code"]) == (0, 1301), rec
    assert rec["error"] == "tls: first record does not look like a TLS handshake", rec
