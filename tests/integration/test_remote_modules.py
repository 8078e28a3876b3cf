"""Remote modules: `import ... from 'https://host/path/mod.js'`, as k6's loader
(internal/loader/loader.go): fetched once at init with "_k6=1" added to the
query (then once more without it), TLS verified (SSL_CERT_FILE honoured),
relative imports resolved against the module's URL, stored in archives under
https/<host>/<path> and served from there when the archive runs.

The server is a Python HTTPS server on 127.0.0.1 with a certificate from a CA
made here; the tests pass that CA with SSL_CERT_FILE."""
import http.server
import json
import os
import ssl
import subprocess
import tarfile
import threading

import pytest

from conftest import parse_logfmt


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


FILES = {
    "/lib/mod.js": "export { dep } from './dep.js';\nexport const m = 'remote';\n",
    "/lib/dep.js": "export const dep = 'dep';\n",
}


class Server:
    def __init__(self, d):
        ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
        _openssl("req", "-x509", *ec, "-days", "1", "-subj", "/CN=c6 remote CA", "-keyout", "ca.key",
                 "-out", "ca.pem", cwd=d)
        _openssl("req", *ec, "-subj", "/CN=127.0.0.1", "-keyout", "srv.key", "-out", "srv.csr", cwd=d)
        (d / "ext").write_text("subjectAltName=IP:127.0.0.1\n")
        _openssl("x509", "-req", "-in", "srv.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                 "-days", "1", "-extfile", "ext", "-out", "srv.pem", cwd=d)
        self.ca = str(d / "ca.pem")
        self.requests = []
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                outer.requests.append(self.path)
                path = self.path.split("?", 1)[0]
                if path == "/old.js":
                    self.send_response(302)
                    self.send_header("Location", "/lib/dep.js")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = FILES.get(path)
                if body is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                data = body.encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/javascript")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *a):
                pass

        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(str(d / "srv.pem"), str(d / "srv.key"))
        self.srv.socket = ctx.wrap_socket(self.srv.socket, server_side=True)
        self.base = f"https://127.0.0.1:{self.srv.server_address[1]}"
        self.host = f"127.0.0.1:{self.srv.server_address[1]}"
        self.thread = threading.Thread(target=self.srv.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.srv.shutdown()
        self.srv.server_close()


@pytest.fixture
def server(tmp_path):
    d = tmp_path / "pki"
    d.mkdir()
    s = Server(d)
    yield s
    s.stop()


def run_c6(c6_bin, *args, cwd, env=None):
    penv = {k: v for k, v in os.environ.items() if not k.startswith("K6_") and not k.startswith("SSL_CERT")}
    penv["K6_ADDRESS"] = ""
    penv.update(env or {})
    return subprocess.run([c6_bin, *map(str, args)], cwd=str(cwd), env=penv, capture_output=True, text=True,
                          encoding="utf-8", errors="replace", timeout=120, stdin=subprocess.DEVNULL)


def console(stderr):
    return [parse_logfmt(line)["msg"] for line in stderr.splitlines() if "source=console" in line]


def script(tmp_path, imports):
    p = tmp_path / "s.js"
    p.write_text(imports + "export const options = { scenarios: { s: { executor: 'per-vu-iterations', vus: 3, iterations: 2 } } };\n"
                 "export default function () { if (__ITER === 0) console.log(m + ' ' + dep); }\n")
    return p


def test_remote_import_fetched_once(c6_bin, server, tmp_path):
    """Fetched at init, once for the whole run (k6 caches it in its https
    file system), with k6's "_k6=1" marker; ./dep.js resolved against the
    module's URL; a redirect followed (Go's client; the module keeps the URL
    it was imported by, as k6's Load sets result.URL)."""
    script(tmp_path, f"import {{ m, dep }} from '{server.base}/lib/mod.js';\n"
                     f"import {{ dep as again }} from '{server.base}/old.js';\n")
    p = run_c6(c6_bin, "run", "-q", "s.js", cwd=tmp_path, env={"SSL_CERT_FILE": server.ca})
    assert p.returncode == 0, p.stderr
    assert console(p.stderr) == ["remote dep"] * 3
    # old.js's redirect target is requested as the Location says (no marker)
    assert sorted(server.requests) == ["/lib/dep.js", "/lib/dep.js?_k6=1", "/lib/mod.js?_k6=1", "/old.js?_k6=1"]


def test_remote_untrusted_and_missing(c6_bin, server, tmp_path):
    """TLS is verified: without SSL_CERT_FILE the server's CA is unknown.
    A missing module: k6's "not found" after a try with and without _k6=1.
    Both are load errors (exit 107) in k6's words (httpsSchemeCouldntBeLoadedMsg)."""
    script(tmp_path, f"import {{ m, dep }} from '{server.base}/lib/mod.js';\n")
    p = run_c6(c6_bin, "run", "-q", "s.js", cwd=tmp_path)
    assert p.returncode == 107, p.stderr
    msg = parse_logfmt(p.stderr.strip().splitlines()[-1])["msg"]
    assert msg.startswith(f"could not initialize 's.js': could not load JS test 'file://{tmp_path}/s.js': "
                          f"The moduleSpecifier \"{server.base}/lib/mod.js\" couldn't be retrieved from the "
                          f"resolved url \"{server.base}/lib/mod.js\". Error : \"Get \"{server.base}/lib/mod.js\": ")
    assert "x509" in msg
    assert server.requests == []   # no request went out over the untrusted connection

    script(tmp_path, f"import {{ m, dep }} from '{server.base}/missing.js';\n")
    p = run_c6(c6_bin, "run", "-q", "s.js", cwd=tmp_path, env={"SSL_CERT_FILE": server.ca})
    assert p.returncode == 107, p.stderr
    assert f'Error : \\"not found: {server.base}/missing.js\\"' in p.stderr
    assert server.requests == ["/missing.js?_k6=1", "/missing.js"]


def test_remote_scheme_refused(c6_bin, tmp_path):
    """k6's loader.Resolve: only file and https imports."""
    script(tmp_path, "import { m, dep } from 'http://127.0.0.1:1/mod.js';\n")
    p = run_c6(c6_bin, "run", "-q", "s.js", cwd=tmp_path)
    assert p.returncode == 107, p.stderr
    assert "only supported schemes for imports are file and https, http://127.0.0.1:1/mod.js has `http`" in p.stderr


def test_remote_modules_in_archive(c6_bin, server, tmp_path):
    """c6 archive stores the fetched modules under https/<host>/<path>, as k6
    (lib/archive.go); the archive then runs with the server gone."""
    script(tmp_path, f"import {{ m, dep }} from '{server.base}/lib/mod.js';\n")
    arc = tmp_path / "r.tar"
    p = run_c6(c6_bin, "archive", "s.js", "-O", arc, cwd=tmp_path, env={"SSL_CERT_FILE": server.ca})
    assert p.returncode == 0, p.stderr
    with tarfile.open(arc) as t:
        names = t.getnames()
        assert [n for n in names if n.startswith("https")] == [
            "https", f"https/{server.host}", f"https/{server.host}/lib",
            f"https/{server.host}/lib/dep.js", f"https/{server.host}/lib/mod.js"]
        assert t.extractfile(f"https/{server.host}/lib/mod.js").read().decode() == FILES["/lib/mod.js"]
        assert t.getmember(f"https/{server.host}").isdir()
        json.loads(t.extractfile("metadata.json").read())
    server.stop()
    server.requests.clear()
    p = run_c6(c6_bin, "run", "-q", arc, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert console(p.stderr) == ["remote dep"] * 3
    assert server.requests == []
