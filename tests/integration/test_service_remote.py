"""The test-run service across machines (README "Test-run service"): HTTPS
(`c6 server --tls-cert/--tls-key`; agents and the CLI check it with
--tls-ca or SSL_CERT_FILE, the way k6, a Go program, reads its CAs), the
runs' coordinators serving TLS with the service's certificate, agents in
other network namespaces (veth pairs of private addresses, made and removed
here), agents kept in the database across restarts, and `c6 cloud run`'s
--linger and --no-archive-upload (k6 internal/cmd/cloud_run.go). Every
process is killed at the end of its test, every namespace deleted; every
wait is bounded.
"""
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from test_service import SVC, TOKEN, Service, finish, history, run_id


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def make_cert(d, ips):
    """A CA (ca.pem) and a certificate it issued for these IP addresses
    (svc.pem, svc.key); another CA (other.pem) that issued nothing here."""
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    _openssl("req", "-x509", *ec, "-days", "1", "-subj", "/CN=c6 service test CA", "-keyout", "ca.key",
             "-out", "ca.pem", cwd=d)
    _openssl("req", "-x509", *ec, "-days", "1", "-subj", "/CN=c6 other CA", "-keyout", "other.key",
             "-out", "other.pem", cwd=d)
    _openssl("req", *ec, "-subj", "/CN=c6 service", "-keyout", "svc.key", "-out", "svc.csr", cwd=d)
    (d / "svc.ext").write_text("subjectAltName=" + ",".join(f"IP:{ip}" for ip in ips) + "\n")
    _openssl("x509", "-req", "-in", "svc.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "1",
             "-extfile", "svc.ext", "-out", "svc.pem", cwd=d)
    return d / "ca.pem"


class TlsService(Service):
    """The service over HTTPS on host:port (its certificate from make_cert)."""

    def __init__(self, c6_bin, tmp_path, host="127.0.0.1"):
        super().__init__(c6_bin, tmp_path)
        self.host = host
        self.url = f"https://{host}:{self.port}"
        self.ca = tmp_path / "ca.pem"
        self.ctx = ssl.create_default_context(cafile=str(self.ca))

    def start(self, *extra):
        log = open(self.tmp / f"server-{len(self.procs)}.log", "w")
        self.server = subprocess.Popen(
            [self.bin, "server", "--listen", f"{self.host}:{self.port}", "--db", self.db, "--token", TOKEN,
             "--tls-cert", str(self.tmp / "svc.pem"), "--tls-key", str(self.tmp / "svc.key"), *extra],
            stdout=log, stderr=subprocess.STDOUT)
        self.procs.append(self.server)
        self.wait(lambda: self._up(), "the service listening", 20)

    def _up(self):
        try:
            self.api("GET", "/v1/agents")
            return True
        except (urllib.error.URLError, ConnectionError):
            return False

    def api(self, method, path, body=None, token=TOKEN):
        req = urllib.request.Request(self.url + path, data=body, method=method)
        if token:
            req.add_header("Authorization", f"Token {token}")
        try:
            with urllib.request.urlopen(req, timeout=30, context=self.ctx) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def pool_agent(self, name, *extra, netns=None, capacity=2, token=TOKEN):
        log = self.tmp / f"agent-{name}.log"
        cmd = [self.bin, "agent", "--server", self.url, "--capacity-vus", str(capacity), "--token", token, *extra]
        p = subprocess.Popen((["ip", "netns", "exec", netns] if netns else []) + cmd,
                             stdout=open(log, "w"), stderr=subprocess.STDOUT)
        self.procs.append(p)
        return p, log

    def cloud_run(self, script, *extra, env=None, stdin=None):
        e = dict(os.environ, K6_CLOUD_HOST=self.url, K6_CLOUD_TOKEN=TOKEN)
        e.pop("SSL_CERT_FILE", None)
        e.update(env or {})
        p = subprocess.Popen([self.bin, "cloud", "run", *extra, str(SVC / script)], env=e,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.procs.append(p)
        return p


@pytest.fixture
def tsvc(c6_bin, tmp_path):
    make_cert(tmp_path, ["127.0.0.1"])
    s = TlsService(c6_bin, tmp_path)
    s.start()
    yield s
    s.close()


def test_https_service(tsvc, tmp_path):
    """`c6 server --tls-cert --tls-key` serves HTTPS only (libmicrohttpd's
    TLS, GnuTLS). The CLI checks the certificate against SSL_CERT_FILE (or
    --tls-ca), a pool agent against --tls-ca; an unknown CA is refused with
    libcurl's reason. Each run's coordinator serves TLS with the service's
    certificate and the run's agents check it with the pool agent's trust."""
    # plain HTTP to it: no answer of HTTP
    with pytest.raises((urllib.error.URLError, ConnectionError, http_client_errors())):
        urllib.request.urlopen(f"http://127.0.0.1:{tsvc.port}/v1/agents", timeout=10).read()
    # HTTPS: the token is still needed; the page needs none
    assert tsvc.api("GET", "/v1/runs", token=None)[0] == 401
    with urllib.request.urlopen(f"{tsvc.url}/", timeout=10, context=tsvc.ctx) as r:
        assert r.status == 200 and b"<html" in r.read().lower()
    # a CLI that does not trust the CA: nothing submitted (255, libcurl's reason)
    code, out, err = finish(tsvc.cloud_run("ok.js", env={"SSL_CERT_FILE": str(tmp_path / "other.pem")}), 60)
    assert code == 255 and "cannot reach the service" in err and "certificate" in err, err
    # a pool agent that does not trust it never joins
    bad, bad_log = tsvc.pool_agent("distrust", "--tls-ca", str(tmp_path / "other.pem"))
    tsvc.wait(lambda: "cannot reach the service" in bad_log.read_text(), "the distrustful agent's warning", 20)
    assert "certificate" in bad_log.read_text()
    assert tsvc.api("GET", "/v1/runs")[1]["runs"] == []
    assert tsvc.api("GET", "/v1/agents")[1]["agents"] == []
    bad.kill()
    # an agent with the CA; the CLI with SSL_CERT_FILE
    _, log = tsvc.pool_agent("good", "--tls-ca", str(tsvc.ca), capacity=10)
    tsvc.wait_agents(1)
    code, out, err = finish(tsvc.cloud_run("ok.js", env={"SSL_CERT_FILE": str(tsvc.ca)}), 90)
    assert code == 0, err
    rid = run_id(out)
    assert out.splitlines()[0] == f"run {rid} submitted: {tsvc.url}/v1/runs/{rid}"
    assert history(tsvc.run(rid))[0] == [-2, -1, 0, 1, 2, 3]
    assert "'count>=4' count=4" in out
    coord = (tmp_path / "service.db.d" / f"run-{rid}" / "coordinator.log").read_text()
    assert re.search(r"coordinator listening on 127\.0\.0\.1:\d+ for 1 agents over TLS", coord), coord
    assert re.search(rf"run {rid}: joining its coordinator at 127\.0\.0\.1:\d+ over TLS", log.read_text())
    # --tls-ca on the CLI does the same as SSL_CERT_FILE
    code, out, err = finish(tsvc.cloud_run("ok.js", "--tls-ca", str(tsvc.ca)), 90)
    assert code == 0, err


def http_client_errors():
    import http.client
    return http.client.HTTPException


def test_tls_flags_checked(c6_bin, tmp_path):
    """--tls-cert without --tls-key: a flag error (255); a file that cannot
    be read or is not PEM: exit 1, named; nothing listens."""
    make_cert(tmp_path, ["127.0.0.1"])
    base = [c6_bin, "server", "--listen", "127.0.0.1:0", "--db", str(tmp_path / "x.db")]
    r = subprocess.run(base + ["--tls-cert", str(tmp_path / "svc.pem")], capture_output=True, text=True, timeout=30)
    assert r.returncode == 255 and "--tls-cert and --tls-key go together" in r.stderr, r.stderr
    r = subprocess.run(base + ["--tls-cert", str(tmp_path / "nope.pem"), "--tls-key", str(tmp_path / "svc.key")],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 1 and "cannot read --tls-cert" in r.stderr and "nope.pem" in r.stderr, r.stderr
    r = subprocess.run(base + ["--tls-cert", str(tmp_path / "svc.ext"), "--tls-key", str(tmp_path / "svc.key")],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 1 and "want PEM files" in r.stderr, r.stderr


def test_local_execution_over_tls_linger_and_no_archive_upload(tsvc, tmp_path):
    """--local-execution against an HTTPS service: the CLI's own agent joins
    the TLS coordinator with the CLI's trust. --no-archive-upload (k6: "don't
    upload the test archive to the cloud service", only with
    --local-execution): the service keeps no copy once the run has ended
    (archive_kept false, the run's archive.tar gone). --linger (k6: "only
    when using the local-execution mode"): after the summary the CLI waits
    for a signal, then exits with the run's code."""
    p = tsvc.cloud_run("ok.js", "--local-execution", "--no-archive-upload", "--linger",
                       env={"SSL_CERT_FILE": str(tsvc.ca)})
    tsvc.wait(lambda: [r["status"] for r in tsvc.api("GET", "/v1/runs")[1]["runs"]] == [3], "the run finished", 90)
    rid = tsvc.api("GET", "/v1/runs")[1]["runs"][0]["id"]
    run = tsvc.run(rid)
    assert run["local_execution"] and run["archive_kept"] is False, run
    assert not (tmp_path / "service.db.d" / f"run-{rid}" / "archive.tar").exists()
    time.sleep(1.5)
    assert p.poll() is None  # lingering
    p.send_signal(signal.SIGINT)
    code, out, err = finish(p, 30)
    assert code == 0, err
    assert "'count>=4' count=4" in out and "lingering until SIGINT/SIGTERM (--linger)" in err
    coord = (tmp_path / "service.db.d" / f"run-{rid}" / "coordinator.log").read_text()
    assert "for 1 agents over TLS" in coord
    # without --no-archive-upload the archive is kept
    code, out, err = finish(tsvc.cloud_run("ok.js", "--local-execution", env={"SSL_CERT_FILE": str(tsvc.ca)}), 90)
    assert code == 0, err
    run = tsvc.run(run_id(out))
    assert run["archive_kept"] is True
    assert (tmp_path / "service.db.d" / f"run-{run['id']}" / "archive.tar").exists()
    # a run kept as Aborted by limit at validation keeps no archive either
    tsvc.server.send_signal(signal.SIGTERM)
    tsvc.server.wait(timeout=20)
    tsvc.start("--max-vus", "1")
    code, out, err = finish(tsvc.cloud_run("ok.js", "--local-execution", "--no-archive-upload",
                                           env={"SSL_CERT_FILE": str(tsvc.ca)}), 60)
    assert code == 97 and "--max-vus (1)" in err, err
    run = tsvc.api("GET", "/v1/runs")[1]["runs"][-1]
    assert run["status"] == 9 and run["archive_kept"] is False, run
    assert not (tmp_path / "service.db.d" / f"run-{run['id']}" / "archive.tar").exists()


def test_linger_needs_local_execution(tsvc):
    # k6 internal/cmd/cloud_run.go preRun: "the --linger flag can only be used
    # in conjunction with the --local-execution flag", exitcodes.InvalidConfig (104)
    code, out, err = finish(tsvc.cloud_run("ok.js", "--linger", env={"SSL_CERT_FILE": str(tsvc.ca)}), 60)
    assert code == 104, err
    assert "the --linger flag can only be used in conjunction with the --local-execution flag" in err
    assert tsvc.api("GET", "/v1/runs")[1]["runs"] == []


def test_agents_kept_across_restarts(tsvc):
    """Agents are in the database: a restarted service lists them (lost
    until they poll), and an agent that polls again keeps its id (no second
    registration); one silent for --agent-timeout leaves the list and the
    database."""
    a, log = tsvc.pool_agent("kept", "--tls-ca", str(tsvc.ca), capacity=7)
    tsvc.wait_agents(1)
    a.send_signal(signal.SIGSTOP)  # silent while the service restarts
    try:
        tsvc.server.send_signal(signal.SIGTERM)
        tsvc.server.wait(timeout=20)
        tsvc.start()
        agents = tsvc.api("GET", "/v1/agents")[1]["agents"]
        assert [(x["id"], x["capacity_vus"], x["zone"], x["state"]) for x in agents] == [(1, 7, "default", "lost")]
    finally:
        a.send_signal(signal.SIGCONT)
    tsvc.wait(lambda: [x["state"] for x in tsvc.api("GET", "/v1/agents")[1]["agents"]] == ["free"], "agent 1 free")
    assert [x["id"] for x in tsvc.api("GET", "/v1/agents")[1]["agents"]] == [1]
    assert log.read_text().count("joined the service at") == 1
    # a short --agent-timeout: the stopped agent is forgotten, also by the next start
    a.send_signal(signal.SIGSTOP)
    try:
        tsvc.server.send_signal(signal.SIGTERM)
        tsvc.server.wait(timeout=20)
        tsvc.start("--agent-timeout", "5s")  # (its last poll, written at the stop, is recent)
        assert [x["id"] for x in tsvc.api("GET", "/v1/agents")[1]["agents"]] == [1]
        tsvc.wait(lambda: tsvc.api("GET", "/v1/agents")[1]["agents"] == [], "agent 1 forgotten", 20)
        tsvc.server.send_signal(signal.SIGTERM)
        tsvc.server.wait(timeout=20)
        tsvc.start()
        assert tsvc.api("GET", "/v1/agents")[1]["agents"] == []
    finally:
        a.send_signal(signal.SIGCONT)
    # it polls, gets 404 and registers again, with a new id
    tsvc.wait(lambda: [x["id"] for x in tsvc.api("GET", "/v1/agents")[1]["agents"]] == [2], "agent 2")
    tsvc.wait(lambda: log.read_text().count("joined the service at") == 2, "its second registration logged", 10)
    assert "as agent 2 " in log.read_text()


# ------------------------------------------------------- other machines: network namespaces


class Netns:
    """Two network namespaces (two "machines") each joined to this one by a
    veth pair of a /30: 10.231.N.1 here, 10.231.N.2 there, the namespace's
    default route through here (so each reaches the other's gateway
    address, which is local here). Removed at the end whatever happened."""

    def __init__(self):
        tag = os.getpid() % 100000
        k = os.getpid() % 120
        self.names, self.links, self.here, self.there = [], [], [], []
        for i, sfx in enumerate("ab"):
            self.names.append(f"c6t-{tag}{sfx}")
            self.links.append(f"c6t{tag}{sfx}")
            self.here.append(f"10.231.{2 * k + i}.1")
            self.there.append(f"10.231.{2 * k + i}.2")

    def ip(self, *args, ns=None):
        cmd = (["ip", "netns", "exec", ns] if ns else []) + ["ip", *args]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
        if r.returncode:
            raise RuntimeError(f"{' '.join(cmd)}: {r.stderr.strip()}")

    def up(self):
        for ns, link, here, there in zip(self.names, self.links, self.here, self.there):
            self.ip("netns", "add", ns)
            self.ip("link", "add", link, "type", "veth", "peer", "name", "eth0", "netns", ns)
            self.ip("addr", "add", f"{here}/30", "dev", link)
            self.ip("link", "set", link, "up")
            self.ip("addr", "add", f"{there}/30", "dev", "eth0", ns=ns)
            self.ip("link", "set", "eth0", "up", ns=ns)
            self.ip("link", "set", "lo", "up", ns=ns)
            self.ip("route", "add", "default", "via", here, ns=ns)

    def down(self):
        for ns, link in zip(self.names, self.links):
            subprocess.run(["ip", "link", "del", link], capture_output=True, timeout=20)
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=20)

    def can_connect(self, ns, host, port):
        code = ("import socket,sys\ntry:\n socket.create_connection((sys.argv[1], int(sys.argv[2])), 3).close()\n"
                " print('open')\nexcept OSError as e:\n print('closed', e)\n")
        r = subprocess.run(["ip", "netns", "exec", ns, "/usr/bin/python3", "-c", code, host, str(port)],
                           capture_output=True, text=True, timeout=20)
        return r.stdout.startswith("open")


@pytest.fixture
def netns():
    n = Netns()
    try:
        n.up()
    except (RuntimeError, FileNotFoundError, subprocess.TimeoutExpired) as e:
        n.down()
        pytest.skip(f"cannot make network namespaces here (root and iproute2 needed): {e}")
    yield n
    n.down()
    left = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, timeout=20).stdout
    assert not any(name in left for name in n.names), left


def test_agents_on_other_machines(c6_bin, tmp_path, netns):
    """The service (HTTPS, --listen and --coordinator-host on this host's
    address on the first link) and two pool agents in two other network
    namespaces (their own addresses, routes and loopbacks): both join over
    HTTPS, the run's coordinator listens on --coordinator-host and both
    agents join it over TLS from their own addresses; statuses, summary and
    exit code as on loopback. An agent without the token, or with a wrong
    one, is refused (exit 103); a service left on its default --listen is
    not reachable from the other machines."""
    host = netns.here[0]
    make_cert(tmp_path, [host])
    s = TlsService(c6_bin, tmp_path, host=host)
    s.start("--coordinator-host", host)
    try:
        # reachable from both namespaces, from the second through its route
        assert netns.can_connect(netns.names[0], host, s.port)
        assert netns.can_connect(netns.names[1], host, s.port)
        # the token is required from other machines too
        for name, tok in (("none", ""), ("wrong", "nope")):
            p, log = s.pool_agent(name, "--tls-ca", str(s.ca), netns=netns.names[1], token=tok)
            assert p.wait(timeout=30) == 103, log.read_text()
            assert "the service refused this agent (HTTP 401)" in log.read_text()
        agents = [s.pool_agent(f"ns{i}", "--tls-ca", str(s.ca), netns=ns, capacity=2)
                  for i, ns in enumerate(netns.names)]
        s.wait_agents(2)
        code, out, err = finish(s.cloud_run("remote.js", env={"SSL_CERT_FILE": str(s.ca)}), 120)
        assert code == 0, err
        rid = run_id(out)
        run = s.run(rid)
        statuses, times = history(run)
        assert statuses == [-2, -1, 0, 1, 2, 3] and times == sorted(times), run
        assert run["result"] == "passed" and run["exit_code"] == 0
        assert "'count==8' count=8" in out and re.search(r"iterations\.*: 8 ", out), out
        coord = (tmp_path / "service.db.d" / f"run-{rid}" / "coordinator.log").read_text()
        assert re.search(rf"coordinator listening on {re.escape(host)}:\d+ for 2 agents over TLS", coord), coord
        # each agent joined from its own machine's address
        for there in netns.there:
            assert re.search(rf"agent \d of 2 joined from {re.escape(there)}:\d+", coord), coord
        for _, log in agents:
            assert re.search(rf"run {rid}: joining its coordinator at {re.escape(host)}:\d+ over TLS",
                             log.read_text()), log.read_text()
    finally:
        s.close()
    # the default --listen is 127.0.0.1:6567: only this host reaches it
    log = tmp_path / "default.log"
    d = subprocess.Popen([c6_bin, "server", "--db", str(tmp_path / "default.db"), "--token", TOKEN],
                         stdout=open(log, "w"), stderr=subprocess.STDOUT)
    try:
        s.wait(lambda: "listening on" in log.read_text() or "cannot listen" in log.read_text() or
               d.poll() is not None, "the default service's start", 20)
        text = log.read_text()
        assert "127.0.0.1:6567" in text, text
        if "listening on http://127.0.0.1:6567" in text:
            assert not netns.can_connect(netns.names[0], host, 6567)
    finally:
        d.kill()
        d.wait(timeout=10)
