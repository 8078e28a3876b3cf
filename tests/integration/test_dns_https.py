"""The dns option (policy, select, ttl) for https:// (where every request picks an address).

No name on the test machine resolves to both 127.0.0.1 and ::1, so the
names here come from c6's test-only C6_TEST_RESOLVE override, which feeds
the same DNS cache as a real lookup. The server listens on both loopback
addresses on one port, with a certificate for those names only (not for
the IPs): a request that verifies reached it by name (SNI and certificate
checks on the name) while c6 dialed the address it chose."""
import http.server
import json
import shutil
import socket
import socketserver
import ssl
import subprocess
import threading

import pytest

NAMES = {"dual.test": "127.0.0.1,::1", "v4only.test": "127.0.0.1", "v6only.test": "::1"}
RESOLVE = ";".join(f"{k}={v}" for k, v in NAMES.items())


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        sni = getattr(self.request, "c6_sni", None)
        body = json.dumps({"host": self.headers.get("Host"), "sni": sni,
                           "local": self.request.getsockname()[0]}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


def _server(family, port, ctx):
    class S(socketserver.ThreadingTCPServer):
        address_family = family
        daemon_threads = True
        allow_reuse_address = True

        def get_request(self):
            sock, addr = self.socket.accept()
            sock.settimeout(5)
            return ctx.wrap_socket(sock, server_side=True), addr

        def handle_error(self, request, client_address):
            pass
    return S(("::1" if family == socket.AF_INET6 else "127.0.0.1", port), _Handler)


@pytest.fixture(scope="module")
def dual(tmp_path_factory):
    """(port, ca path): an HTTPS server on 127.0.0.1 and [::1], same port."""
    if not shutil.which("openssl"):
        pytest.fail("openssl is not installed")
    d = tmp_path_factory.mktemp("dns_https")
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=c6 dns CA",
             "-keyout", "ca.key", "-out", "ca.pem", cwd=d)
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=dual.test", "-keyout", "srv.key",
             "-out", "srv.csr", cwd=d)
    (d / "srv.ext").write_text("subjectAltName=" + ",".join(f"DNS:{n}" for n in NAMES) + "\n")
    _openssl("x509", "-req", "-in", "srv.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
             "-days", "2", "-out", "srv.pem", "-extfile", "srv.ext", cwd=d)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(d / "srv.pem"), str(d / "srv.key"))

    def on_sni(sock, name, _ctx):
        sock.c6_sni = name
    ctx.sni_callback = on_sni
    servers = []
    for _ in range(20):   # a port free on both addresses
        s4 = _server(socket.AF_INET, 0, ctx)
        try:
            s6 = _server(socket.AF_INET6, s4.server_address[1], ctx)
        except OSError:
            s4.server_close()
            continue
        servers = [s4, s6]
        break
    if not servers:
        pytest.fail("no port free on both 127.0.0.1 and ::1")
    for s in servers:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    yield servers[0].server_address[1], d / "ca.pem"
    for s in servers:
        s.shutdown()
        s.server_close()


@pytest.fixture
def run(c6, dual):
    port, ca = dual

    def go(names, opts=None, n=1, resolve=RESOLVE, batch=False):
        urls = [f"https://{name}:{port}/" for name in names] * n
        env = {"SSL_CERT_FILE": str(ca), "C6_TEST_RESOLVE": resolve}
        args = ["-e", "URLS=" + " ".join(urls)] + (["-e", "BATCH=1"] if batch else [])
        if opts is not None:
            args += ["-e", "OPTS=" + json.dumps(opts)]
        r = c6("dns_https.js", *args, env=env, timeout=30)
        assert r.code == 0, r
        return [json.loads(line) for line in r.console()]
    return go


def _ok(rec, name):
    assert rec["status"] == 200, rec
    body = json.loads(rec["body"])
    assert body["sni"] == name, rec                 # SNI on the name, and it verified
    assert body["host"].split(":")[0] == name, rec  # Host header on the name
    assert body["local"] == rec["ip"], rec          # the server saw the address c6 reports
    return rec["ip"]


def test_default_policy_prefers_ipv4(run):
    recs = run(["dual.test"], n=4)
    assert [_ok(r, "dual.test") for r in recs] == ["127.0.0.1"] * 4
    # one connection, reused: a connection is reused for the same address
    assert sum(1 for r in recs if r["tls"] > 0) == 1, recs


@pytest.mark.parametrize("policy,want", [("preferIPv6", "::1"), ("onlyIPv6", "::1"),
                                         ("onlyIPv4", "127.0.0.1"), ("preferIPv4", "127.0.0.1")])
def test_policy(run, policy, want):
    recs = run(["dual.test"], {"dns": {"policy": policy}}, n=2)
    assert [_ok(r, "dual.test") for r in recs] == [want] * 2


def test_prefer_falls_back_to_the_other_family(run):
    recs = run(["v6only.test", "v4only.test"], {"dns": {"policy": "preferIPv4"}})
    assert [_ok(r, n) for r, n in zip(recs, ["v6only.test", "v4only.test"])] == ["::1", "127.0.0.1"]


def test_only_ipv6_on_a_v4_only_name_is_k6s_dns_error(run):
    recs = run(["v4only.test"], {"dns": {"policy": "onlyIPv6"}}, n=2)
    for r in recs:
        assert r["status"] == 0, r
        assert r["error_code"] == 1101, r
        assert r["error"] == "lookup v4only.test: no such host", r


def test_select_round_robin_and_first(run):
    recs = run(["dual.test"], {"dns": {"policy": "any", "select": "roundRobin"}}, n=4)
    ips = [_ok(r, "dual.test") for r in recs]
    assert ips[0] != ips[1] and ips[0::2] == [ips[0]] * 2 and ips[1::2] == [ips[1]] * 2, ips
    assert set(ips) == {"127.0.0.1", "::1"}
    recs = run(["dual.test"], {"dns": {"policy": "any", "select": "first"}}, n=3)
    assert [_ok(r, "dual.test") for r in recs] == ["127.0.0.1"] * 3
    recs = run(["dual.test"], {"dns": {"policy": "any", "select": "first"}}, n=3, resolve="dual.test=::1,127.0.0.1")
    assert [_ok(r, "dual.test") for r in recs] == ["::1"] * 3


def test_batch_requests_share_one_lookup_and_each_picks(run):
    # four requests wait for the same lookup; each then takes its own address
    recs = run(["dual.test"], {"dns": {"policy": "any", "select": "roundRobin"}}, n=4, batch=True)
    ips = [_ok(r, "dual.test") for r in recs]
    assert sorted(ips) == ["127.0.0.1", "127.0.0.1", "::1", "::1"], ips
    recs = run(["v4only.test"], {"dns": {"policy": "onlyIPv6"}}, n=3, batch=True)
    assert [(r["error_code"], r["error"]) for r in recs] == [(1101, "lookup v4only.test: no such host")] * 3


def test_hosts_option_still_wins(run):
    recs = run(["dual.test"], {"hosts": {"dual.test": "::1"}, "dns": {"policy": "onlyIPv4"}})
    assert _ok(recs[0], "dual.test") == "::1"


def test_ip_literals_are_not_subject_to_the_policy(c6, dual):
    # k6 dials an IP literal as written: dns.policy is for names only
    port, ca = dual
    r = c6("dns_https.js", "-e", f"URLS=https://127.0.0.1:{port}/ https://[::1]:{port}/",
           "-e", "OPTS=" + json.dumps({"dns": {"policy": "onlyIPv6"}, "insecureSkipTLSVerify": True}),
           env={"SSL_CERT_FILE": str(ca)}, timeout=30)
    assert r.code == 0, r
    recs = [json.loads(line) for line in r.console()]
    assert [(x["status"], x["ip"]) for x in recs] == [(200, "127.0.0.1"), (200, "::1")], recs
