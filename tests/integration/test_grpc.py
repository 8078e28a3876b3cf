"""k6/net/grpc against a real gRPC server (grpc_server.py, python3-grpcio),
over h2c (plaintext: true) and TLS with ALPN h2.

k6 v2.2.0 facts asserted (internal/js/modules/k6/grpc and
internal/lib/netext/grpcext in grafana/k6; grpc-go v1.78.0, its go.mod):
- client.go: "connecting to a gRPC server in the init context is not
  supported", "load must be called in the init context", "no gRPC
  connection, you must call connect first"; connect() returns true.
- params.go newConnectParams: "invalid grpc.connect() parameters: " +
  `unknown connect param: "bogus"`, "invalid plaintext value: '...', it
  needs to be boolean", "invalid maxReceiveSize value: '-1, it needs to be a
  positive integer", "invalid timeout value: " + Go's time.ParseDuration
  error.
- grpc.go defineConstants: the Status* codes (google.golang.org/grpc/codes)
  and HealthCheck* serving statuses (HealthCheckServiceUnkown, sic).
- conn.go HealthCheck: {status} (the ServingStatus); a non-OK answer is
  thrown as grpc-go's status error "rpc error: code = NotFound desc = ...".
- grpc-go's dial errors with WithBlock/FailOnNonTempDialError/
  WithReturnConnectionError: `connection error: desc = "transport: error
  while dialing: dial tcp 127.0.0.1:1: connect: connection refused"`;
  TLS failures `connection error: desc = "transport: authentication
  handshake failed: tls: failed to verify certificate: x509: certificate
  signed by unknown authority"`; a peer that closes before its SETTINGS
  `... desc = "error reading server preface: EOF"`.
- conn.go's statsHandler times every RPC of the connection as
  grpc_req_duration (GRPC section of the summary); the dialer counts
  data_sent/data_received.
"""
import os
import pathlib
import selectors
import subprocess
import tempfile
import time

import pytest

HERE = pathlib.Path(__file__).resolve().parent


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


class GrpcServer:
    """plain / tls: "127.0.0.1:PORT"; cert: the TLS port's certificate (PEM path)."""


@pytest.fixture(scope="module")
def grpc_server(tmp_path_factory):
    d = tmp_path_factory.mktemp("grpc")
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
             "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
             "-keyout", "server.key", "-out", "server.pem", cwd=d)
    errf = tempfile.TemporaryFile()
    # stdin is a pipe the server watches: it exits when the test process goes
    proc = subprocess.Popen(["/usr/bin/python3", str(HERE / "grpc_server.py"), str(d), "--tls",
                             str(d / "server.pem"), str(d / "server.key")],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errf)
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    seen, ports, deadline = "", {}, time.monotonic() + 30
    while len(ports) < 2 and time.monotonic() < deadline and proc.poll() is None:
        if sel.select(timeout=0.2):
            seen += os.read(proc.stdout.fileno(), 4096).decode()
            ports = dict(line.split() for line in seen.splitlines() if line.count(" ") == 1)
    sel.close()
    if len(ports) < 2:
        proc.kill()
        proc.wait(timeout=5)
        errf.seek(0)
        pytest.fail(f"grpc_server.py did not start: {seen!r} {errf.read()!r}")
    s = GrpcServer()
    s.plain, s.tls, s.cert = f"127.0.0.1:{ports['plain']}", f"127.0.0.1:{ports['tls']}", str(d / "server.pem")
    yield s
    proc.stdin.close()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


def run(c6, script, grpc_server, *flags, timeout=60):
    return c6(f"grpc/{script}", "-q", "-e", f"GRPC_ADDR={grpc_server.plain}", "-e",
              f"GRPC_TLS_ADDR={grpc_server.tls}", "-e", "REFUSED_ADDR=127.0.0.1:1", "-e",
              f"GRPC_CERT={grpc_server.cert}", *flags,
              with_target=False, timeout=timeout)


def test_health_check_plaintext(c6, grpc_server):
    r = run(c6, "health.js", grpc_server)
    assert r.code == 0, r
    assert r.console() == [
        'serving {"status":1}',
        'named {"status":1}',
        'down {"status":2}',
        "error rpc error: code = NotFound desc = unknown service",
        "closed no gRPC connection, you must call connect first",
        'again {"status":1}',
    ], r
    # five health checks were timed; bytes went both ways
    assert r.trend("grpc_req_duration")["max"] > 0, r
    assert r.count("data_sent") > 0 and r.count("data_received") > 0, r


def test_tls(c6, grpc_server):
    # the self-signed certificate is refused; ALPN h2 with insecureSkipTLSVerify
    r = run(c6, "tls.js", grpc_server)
    assert r.code == 0, r
    out = r.console()
    assert out[0] == ('tls error connection error: desc = "transport: authentication handshake failed: '
                      'tls: failed to verify certificate: x509: certificate signed by unknown authority"'), r
    # connect()'s tls.cacerts (an array or one string) trusts the server's certificate
    assert out[1] == 'cacerts ok {"status":1}', r
    assert out[2] == 'cacerts-string ok {"status":1}', r
    assert out[3] == ("bad-tls error invalid grpc.connect() parameters: invalid tls value: '\"yes\"', expected "
                      "(optional) keys: cert, key, password, and cacerts"), r
    assert out[4].startswith('tls-to-plain error connection error: desc = "transport: authentication handshake '
                             'failed: '), r
    assert out[5] == 'plain-to-tls error connection error: desc = "error reading server preface: EOF"', r
    r = run(c6, "tls.js", grpc_server, "-e", "SKIP=1")
    assert r.code == 0, r
    assert r.console()[0] == 'tls ok {"status":1}', r
    assert r.elapsed < 30, r


def test_errors_without_server(c6, grpc_server):
    r = run(c6, "errors.js", grpc_server)
    assert r.code == 0, r
    assert r.console() == [
        "init-connect error connecting to a gRPC server in the init context is not supported",
        "load error load must be called in the init context",
        "invoke error no gRPC connection, you must call connect first",
        "health error no gRPC connection, you must call connect first",
        'refused error connection error: desc = "transport: error while dialing: dial tcp 127.0.0.1:1: '
        'connect: connection refused"',
        'param error invalid grpc.connect() parameters: unknown connect param: "bogus"',
        "plaintext error invalid grpc.connect() parameters: invalid plaintext value: '\"yes\"', it needs to be boolean",
        "maxsize error invalid grpc.connect() parameters: invalid maxReceiveSize value: '-1, "
        "it needs to be a positive integer",
        'timeout error invalid grpc.connect() parameters: invalid timeout value: time: invalid duration "soon"',
        "consts 0,1,4,5,8,12,14,16,0,1,2,3",
    ], r
