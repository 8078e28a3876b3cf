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
- conn.go HealthCheck: {status} (the ServingStatus; HealthCheckResponse has
  no other field, and k6's examples/grpc_healthcheck.js checks
  r.status === grpc.HealthCheckServing; the docs page's r.message.status
  example does not match the code); a non-OK answer is thrown as grpc-go's
  status error "rpc error: code = NotFound desc = ...".
- grpc-go's dial errors with WithBlock/FailOnNonTempDialError/
  WithReturnConnectionError: `connection error: desc = "transport: error
  while dialing: dial tcp 127.0.0.1:1: connect: connection refused"`;
  TLS failures `connection error: desc = "transport: authentication
  handshake failed: tls: failed to verify certificate: x509: certificate
  signed by unknown authority"`; a peer that closes before its SETTINGS
  `... desc = "error reading server preface: EOF"`; the blocking dial
  retries all but non-temporary dial errors until the timeout and then
  reports "context deadline exceeded: " + the last connection error.
- conn.go's statsHandler times every RPC of the connection as
  grpc_req_duration (GRPC section of the summary); the dialer counts
  data_sent/data_received.
"""
import json
import os
import pathlib
import re
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


def _start_server(d, *args):
    """grpc_server.py with args; (process, {"plain": port, "tls": port})."""
    errf = tempfile.TemporaryFile()
    # stdin is a pipe the server watches: it exits when the test process goes
    proc = subprocess.Popen(["/usr/bin/python3", str(HERE / "grpc_server.py"), str(d), *args],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errf)
    want = 2 if "--tls" in args else 1
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    seen, ports, deadline = "", {}, time.monotonic() + 30
    while len(ports) < want and time.monotonic() < deadline and proc.poll() is None:
        if sel.select(timeout=0.2):
            seen += os.read(proc.stdout.fileno(), 4096).decode()
            ports = dict(line.split() for line in seen.splitlines() if line.count(" ") == 1)
    sel.close()
    if len(ports) < want:
        proc.kill()
        proc.wait(timeout=5)
        errf.seek(0)
        pytest.fail(f"grpc_server.py did not start: {seen!r} {errf.read()!r}")
    return proc, ports


def _stop_server(proc):
    proc.stdin.close()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


@pytest.fixture(scope="module")
def grpc_server(tmp_path_factory):
    d = tmp_path_factory.mktemp("grpc")
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
             "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
             "-keyout", "server.key", "-out", "server.pem", cwd=d)
    proc, ports = _start_server(d, "--tls", str(d / "server.pem"), str(d / "server.key"))
    # a second server that speaks server reflection v1alpha only (older servers)
    proc2, ports2 = _start_server(d, "--no-v1")
    s = GrpcServer()
    s.plain, s.tls, s.cert = f"127.0.0.1:{ports['plain']}", f"127.0.0.1:{ports['tls']}", str(d / "server.pem")
    s.v1alpha = f"127.0.0.1:{ports2['plain']}"
    # a protoset of test.proto and its imports, as protoc writes it
    protos = HERE / "data" / "grpc"
    s.protoset = str(d / "test.protoset")
    subprocess.run(["protoc", f"-I{protos}", "-I/usr/include", "--include_imports",
                    f"--descriptor_set_out={s.protoset}", str(protos / "test.proto")], check=True, timeout=60)
    yield s
    _stop_server(proc)
    _stop_server(proc2)


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
        'shape [["status"],"number",true]',
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
    # grpc-go retries a failed handshake until connect()'s timeout (isTemporary: true for
    # errors that do not say otherwise), then reports the context's error and the last one
    assert out[0] == ('tls error context deadline exceeded: connection error: desc = "transport: authentication '
                      'handshake failed: tls: failed to verify certificate: x509: certificate signed by unknown '
                      'authority"'), r
    # connect()'s tls.cacerts (an array or one string) trusts the server's certificate
    assert out[1] == 'cacerts ok {"status":1}', r
    assert out[2] == 'cacerts-string ok {"status":1}', r
    assert out[3] == ("bad-tls error invalid grpc.connect() parameters: invalid tls value: '\"yes\"', expected "
                      "(optional) keys: cert, key, password, and cacerts"), r
    assert out[4].startswith('tls-to-plain error context deadline exceeded: connection error: desc = "transport: '
                             'authentication handshake failed: '), r
    assert out[5] == ('plain-to-tls error context deadline exceeded: connection error: desc = "error reading '
                      'server preface: EOF"'), r
    assert 3 <= r.elapsed < 30, r
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


def _json_samples(path, metric):
    out = []
    with open(path) as f:
        for line in f:
            rec = json.loads(line)
            if rec.get("type") == "Point" and rec.get("metric") == metric:
                out.append(rec["data"])
    return out


def test_invoke_unary(c6, grpc_server, tmp_path):
    out_json = tmp_path / "out.json"
    r = run(c6, "invoke.js", grpc_server, "--out", f"json={out_json}", "--user-agent", "myagent/1.0")
    assert r.code == 0, r
    lines = r.console()
    by = {ln.split(" ", 1)[0]: ln.split(" ", 1)[1] for ln in lines}
    # client.load returns k6's MethodInfo (full_method) for every method of the file
    assert json.loads(by["methods"]) == ["/c6test.Tester/Bidi", "/c6test.Tester/ClientStream", "/c6test.Tester/Echo",
                                        "/c6test.Tester/ServerStream", "/c6test.Tester/Slow"], r
    assert by["status"] == "0 error null", r
    # protojson as k6 maps it: int64 as a string, enum by name, bytes base64,
    # Timestamp and StringValue as their JSON forms, unset fields emitted
    assert json.loads(by["message"]) == {
        "text": "hi", "count": 3, "numbers": [1, 2],
        "item": {"name": "n", "big": "9007199254740993", "kind": "KIND_TWO", "blob": "AAEC"},
        "when": "2024-01-02T03:04:05.500Z", "note": "wrapped", "seq": 0, "padding": ""}, r
    # metadata reached the server (a -bin value as its bytes), came back as
    # headers and trailers ({key: [values]}, -bin values decoded)
    assert json.loads(by["md"]) == ["x-one=a", "x-two-bin=AAEC"], r
    assert json.loads(by["headers"]) == [["application/grpc"], ["a"], ["\u0000\u0001\u0002"]], r
    assert json.loads(by["trailers"]) == {"trailer-x-one": ["a"], "trailer-x-two-bin": ["\u0000\u0001\u0002"]}, r
    # grpc-go's WithUserAgent appends "grpc-go/<version>" to the userAgent option
    assert by["ua"] == "user-agent=myagent/1.0 grpc-go/1.78.0", r
    assert json.loads(by["empty"]) == {"text": "", "count": 0, "item": None, "when": None, "note": None,
                                       "numbers": [], "metadata": [json.loads(by["empty"])["metadata"][0]],
                                       "padding": "", "seq": 0}, r
    # a non-OK status: status, error {code, message, details}, the message's defaults
    assert json.loads(by["fail"]) == {"status": 5, "error": {"code": 5, "message": "no such thing", "details": []},
                                      "text": ""}, r
    # the deadline: DeadlineExceeded, from the client's timer ("context deadline
    # exceeded", grpc-go) or the server's answer to grpc-timeout, whichever is first
    slow = json.loads(by["slow"])
    assert slow["status"] == 4 and slow["error"]["code"] == 4, r
    assert slow["error"]["message"] in ("context deadline exceeded", "Deadline Exceeded"), r
    assert json.loads(by["discard"]) == {"status": 0, "message": None}, r
    assert by["unknown"] == 'error method "/c6test.Tester/Nope" not found in file descriptors', r
    assert by["badfield"] == ('error unable to serialise request object to protocol buffer: proto: (line 1:2): '
                              'unknown field "nope"'), r
    assert by["badtype"].startswith("error unable to serialise request object to protocol buffer: proto: "), r
    # client.go normalizeNumberStrings: NaN is sent as "NaN", which protojson refuses for an int32
    assert by["nan"] == ('error unable to serialise request object to protocol buffer: proto: (line 1:10): '
                         'invalid value for int32 field count: "NaN"'), r
    assert by["badparam"] == 'error invalid GRPC\'s client.invoke() parameters: unknown param: "bogus"', r
    assert by["badmd"] == ('error invalid GRPC\'s client.invoke() parameters: invalid metadata param: '
                           '"x-bin" value must be binary'), r
    assert by["empty-method"] == "error method to invoke cannot be empty", r
    # maxReceiveSize / maxSendSize: grpc-go's ResourceExhausted texts; the connection stays usable
    maxrecv = json.loads(by["maxrecv"])
    assert maxrecv["status"] == 8 and maxrecv["error"]["code"] == 8, r
    m = re.fullmatch(r"grpc: received message larger than max \((\d+) vs\. 1000\)", maxrecv["error"]["message"])
    assert m and 5000 < int(m.group(1)) < 5200, r  # 5000 bytes of padding and the echoed metadata
    assert json.loads(by["maxsend"]) == {"status": 8, "error": {
        "code": 8, "message": "grpc: trying to send message larger than max (3003 vs. 2000)", "details": []}}, r
    assert by["after"] == "still", r
    # grpc_req_duration's tags (params.go SetSystemTags, conn.go statsHandler)
    samples = _json_samples(out_json, "grpc_req_duration")
    full = [s for s in samples if s["tags"].get("mine") == "yes"]
    assert len(full) == 1, samples
    t = full[0]["tags"]
    assert t["url"] == f"{grpc_server.plain}/c6test.Tester/Echo", t
    assert t["name"] == "/c6test.Tester/Echo" and t["method"] == "Echo" and t["service"] == "c6test.Tester", t
    assert t["status"] == "0" and t["scenario"] == "default", t
    statuses = sorted(s["tags"]["status"] for s in samples)
    assert statuses.count("5") == 1 and statuses.count("4") == 1 and statuses.count("8") == 2, statuses
    assert sum(s["value"] for s in _json_samples(out_json, "data_received")) > 5000, r


@pytest.mark.parametrize("tls", [False, True])
def test_streams(c6, grpc_server, tmp_path, tls):
    # stream.go / listeners.go: data (message, {ts}), error ({code, details,
    # message}) before end ({}) for a non-OK status, writes after end() ignored,
    # the iteration waits for every stream; over h2c and over TLS
    out_json = tmp_path / "out.json"
    extra = ["-e", "TLS=1", "-e", f"GRPC_ADDR=localhost:{grpc_server.tls.rsplit(':', 1)[1]}"] if tls else []
    r = run(c6, "stream.js", grpc_server, "--out", f"json={out_json}", *extra)
    assert r.code == 0, r
    by = {}
    for ln in r.console():
        name, rest = ln.split(" ", 1)
        by[name] = rest
    assert by["server:"] == "data s 0 3 number | data s 1 3 number | data s 2 3 number | end {}", r
    assert by["client:"] == "data a,b,c 0 3 number | end {}", r
    assert by["bidi:"] == "data first 0 0 number | data second 1 0 number | end {}", r
    assert by["failing:"] == 'error {"code":9,"details":[],"message":"not now"} | end {}', r
    # the stream's timeout: DeadlineExceeded from the client's context after a few messages
    slow = by["slow:"].split(" | ")
    assert 1 <= sum(x.startswith("data z ") for x in slow) <= 4, r
    # (the client's timer, or the server's answer to grpc-timeout if that comes first)
    assert slow[-2] in ('error {"code":4,"details":[],"message":"context deadline exceeded"}',
                        'error {"code":4,"details":[],"message":"Deadline Exceeded"}'), r
    assert slow[-1] == "end {}", r
    # grpcext Stream.Send's wording for a message that does not convert, as codes.Unknown
    assert by["bad:"] == ('error {"code":2,"details":[],"message":"can\'t serialise request object to protocol '
                          'buffer: proto: (line 1:2): unknown field \\"nope\\""} | end {}'), r
    assert by["discard"] == "data {}", r
    assert r.count("grpc_streams") == 7, r
    assert r.count("grpc_streams_msgs_sent") == 9, r
    received = r.count("grpc_streams_msgs_received")
    assert 8 <= received <= 11, r
    streams = _json_samples(out_json, "grpc_streams")
    server = [s for s in streams if s["tags"].get("kind") == "server"]
    assert len(server) == 1 and server[0]["tags"]["name"] == "/c6test.Tester/ServerStream", streams
    addr = f"localhost:{grpc_server.tls.rsplit(':', 1)[1]}" if tls else grpc_server.plain
    assert server[0]["tags"]["url"] == f"{addr}/c6test.Tester/ServerStream", streams
    ends = [s["tags"]["status"] for s in _json_samples(out_json, "grpc_req_duration")]
    assert sorted(ends) == ["0", "0", "0", "0", "2", "4", "9"], ends


@pytest.mark.parametrize("which", ["v1", "v1alpha", "v1-tls"])
def test_reflection_and_protoset(c6, grpc_server, which):
    # connect({reflect: true}): the methods come from the server (reflect.go:
    # list_services, file_containing_symbol per service; grpcreflect falls
    # back to v1alpha when v1 is Unimplemented); loadProtoset reads protoc's set
    addr = {"v1": grpc_server.plain, "v1alpha": grpc_server.v1alpha,
            "v1-tls": f"localhost:{grpc_server.tls.rsplit(':', 1)[1]}"}[which]
    tls = ["-e", "TLS=1"] if which == "v1-tls" else []
    r = run(c6, "reflect.js", grpc_server, "-e", f"REFLECT_ADDR={addr}", "-e", f"PROTOSET={grpc_server.protoset}",
            *tls)
    assert r.code == 0, r
    out = r.console()
    assert out[-3:] == ['echo 0 via reflection {"name":"","big":"42","kind":"KIND_ONE","blob":""}',
                        'health {"status":1}', "protoset via protoset"], r
    assert "protoset methods 5" in out, r


def test_async_invoke_over_tls(c6, grpc_server):
    # AsyncInvoke: a Promise resolved with the response, rejected with the
    # error buildInvokeRequest returns; TLS with the server's certificate as cacerts
    port = grpc_server.tls.rsplit(":", 1)[1]
    r = run(c6, "async.js", grpc_server, "-e", f"GRPC_TLS_ADDR=localhost:{port}")
    assert r.code == 0, r
    assert r.console() == ["async 0 async over tls",
                           'rejected method "/c6test.Tester/Nope" not found in file descriptors',
                           "both one two", "concurrent 0,0 true", "deadline 4"], r


def test_cut_off_at_scenario_end(c6, grpc_server):
    # an iteration blocked in invoke() or waiting for a stream ends with its
    # scenario (gracefulStop 0s): the call is cancelled, nothing reaches the script
    r = run(c6, "cutoff.js", grpc_server)
    assert r.code == 0, r
    assert "unary returned" not in r.console() and "stream ended" not in r.console(), r
    assert r.elapsed < 15, r
    assert r.count("grpc_streams") >= 1, r


# ---------------------------------------------------------------- protos in archives
#
# k6's client.go Load reads every .proto (and LoadProtoset the protoset)
# through initEnv.FileSystems["file"] at initEnv.GetAbsFilePath(name), the
# init context's caching file system, so `k6 archive` records them under
# file/<absolute path> (lib/archive.go) and a run of the archive reads them
# from it, on whatever machine it runs.

def _c6(c6_bin, *args, cwd, timeout=60):
    env = {k: v for k, v in os.environ.items() if not k.startswith("K6_")}
    env["K6_ADDRESS"] = ""   # no REST API: runs may overlap
    return subprocess.run([c6_bin, *map(str, args)], cwd=str(cwd), env=env, capture_output=True, text=True,
                          encoding="utf-8", errors="replace", timeout=timeout, stdin=subprocess.DEVNULL)


def _console(text):
    from conftest import parse_logfmt
    return [parse_logfmt(line)["msg"] for line in text.splitlines() if "source=console" in line]


ARCHIVED_OUT = ["methods 5 5", 'load 0 from load {"name":"","big":"7","kind":"KIND_ONE","blob":""}',
                "protoset 0 from protoset"]


def _grpc_project(d, grpc_server):
    """d/s.js (scripts/grpc/archived.js), d/protos/{test,health}.proto,
    d/protos/common/types.proto, d/test.protoset."""
    import shutil
    d.mkdir()
    shutil.copy(HERE / "scripts" / "grpc" / "archived.js", d / "s.js")
    shutil.copytree(HERE / "data" / "grpc", d / "protos")
    shutil.copy(grpc_server.protoset, d / "test.protoset")
    return d


def test_archive_carries_protos(c6_bin, grpc_server, tmp_path):
    proj = _grpc_project(tmp_path / "proj", grpc_server)
    arc = tmp_path / "out" / "g.tar"
    arc.parent.mkdir()
    p = _c6(c6_bin, "archive", "-O", arc, "s.js", cwd=proj)
    assert p.returncode == 0, p.stderr
    import tarfile
    with tarfile.open(arc) as t:
        names = set(t.getnames())
        base = "file" + str(proj)
        for f in ("protos/test.proto", "protos/common/types.proto", "test.protoset"):
            assert f"{base}/{f}" in names, sorted(names)
            assert t.extractfile(f"{base}/{f}").read() == (proj / f).read_bytes()
        # only what the init run read: not health.proto, not the well-known types
        assert f"{base}/protos/health.proto" not in names, sorted(names)
        assert not [n for n in names if "google/protobuf" in n], sorted(names)
    # the archive alone, elsewhere: nothing of the project is left on disk
    import shutil
    shutil.rmtree(proj)
    p = _c6(c6_bin, "run", "-e", f"GRPC_ADDR={grpc_server.plain}", arc, cwd=arc.parent)
    assert p.returncode == 0, p.stderr
    assert _console(p.stderr) == ARCHIVED_OUT, p.stderr


def test_archive_run_reads_protos_from_the_archive_only(c6_bin, grpc_server, tmp_path):
    # running an archive reads nothing from disk (as open() in
    # test_archive.py's test_archive_sealed): a proto the archive lacks is
    # missing although it is on disk; the message is the one of a missing file
    proj = _grpc_project(tmp_path / "proj", grpc_server)
    arc = tmp_path / "g.tar"
    assert _c6(c6_bin, "archive", "-O", arc, "s.js", cwd=proj).returncode == 0
    p = _c6(c6_bin, "run", "-e", f"GRPC_ADDR={grpc_server.plain}", "-e", "EXTRA=health.proto", arc, cwd=tmp_path)
    assert p.returncode == 107, p.stderr
    assert f"open {proj}/protos/health.proto: no such file or directory" in p.stderr, p.stderr
    # the same script run directly reads it from disk
    p = _c6(c6_bin, "run", "-e", f"GRPC_ADDR={grpc_server.plain}", "-e", "EXTRA=health.proto", "s.js", cwd=proj)
    assert p.returncode == 0, p.stderr
    assert _console(p.stderr) == ARCHIVED_OUT, p.stderr


def test_distributed_run_ships_protos(c6_bin, grpc_server, tmp_path):
    # the coordinator archives the test after its init run and ships the
    # archive; the agent runs it with the project gone from disk
    import shutil
    from test_dist import Dist
    proj = _grpc_project(tmp_path / "proj", grpc_server)
    d = Dist(c6_bin, tmp_path)
    try:
        c = d.coordinator("-e", f"GRPC_ADDR={grpc_server.plain}", str(proj / "s.js"), "--instances", "1")
        shutil.rmtree(proj)   # the archive is made before the coordinator listens
        a = d.agent()
        assert c.wait(120) == 0, c.err
        assert a.wait(60) == 0, a.err
        assert _console(a.err) == ARCHIVED_OUT, a.err
    finally:
        d.close()
@pytest.mark.parametrize("case", ["blacklist", "blocked", "local"])
def test_dialer_options(c6, grpc_server, case):
    # k6 dials gRPC through the VU's dialer (internal/js/modules/k6/grpc client.go:
    # state.Dialer.DialContext); its refusals (lib/netext/dialer.go BlackListedIPError,
    # BlockedHostError) have no Temporary() method, which grpc-go's isTemporary counts as
    # temporary: the blocking dial retries until connect()'s timeout (1s here), then
    # reports the context's error and the last dial error
    r = run(c6, "dialer.js", grpc_server, "-e", f"CASE={case}")
    assert r.code == 0, r
    if case == "blacklist":
        assert r.console() == ['connect error context deadline exceeded: connection error: desc = "transport: '
                               'error while dialing: IP (127.0.0.1) is in a blacklisted range (127.0.0.0/8)"'], r
    elif case == "blocked":
        assert r.console() == ['connect error context deadline exceeded: connection error: desc = "transport: '
                               'error while dialing: hostname (grpc.example) is in a blocked pattern '
                               '(*.example)"'], r
    else:
        # localIPs: the connection's source address (grpc-python's peer: "ipv4:IP:PORT")
        out = r.console()
        assert len(out) == 1 and out[0].startswith("peer peer=ipv4:127.0.0.2:"), r
    if case != "local":
        assert 1 <= r.elapsed < 30, r


def test_compressed_answer(c6, grpc_server):
    # k6's binary registers grpc-go's gzip compressor (its OTLP gRPC exporter imports
    # google.golang.org/grpc/encoding/gzip), so its calls offer grpc-accept-encoding: gzip
    # (http2_client.go createHeaderFields) and inflate a gzip reply (rpc_util.go
    # recvAndDecompress); k6 has no param to compress requests (params.go: unknown param).
    # The fixture compresses only for a client that offers gzip: data_received shows it did.
    want = {"status": 0, "text": "big", "padLen": 266668, "padOk": True}
    got = {}
    for flag in ("1", "0"):
        r = run(c6, "compress.js", grpc_server, "-e", f"COMPRESS={flag}")
        assert r.code == 0, r
        assert [json.loads(x) for x in r.console()] == [want], r
        num, unit = re.match(r"^([\d.]+) (B|kB|MB)\b", r.metric("data_received")).groups()
        got[flag] = float(num) * {"B": 1, "kB": 1000, "MB": 1000_000}[unit]
    assert got["1"] < 20_000, got  # 200 KB of padding gzipped
    assert got["0"] >= 200_000, got


def _debug_lines(r):
    return [m for m in re.findall(r'level=info msg="((?:[^"\\]|\\.)*)"([^\n]*)', r.err) if "source=http-debug" in m[1]]


@pytest.mark.parametrize("how", ["flag", "env"])
def test_http_debug(c6, grpc_server, how):
    # grpcext conn.go: "Re-using --http-debug flag as gRPC is technically still HTTP";
    # statsHandler.HandleRPC -> DebugStat, at info level with source=http-debug:
    # "Out Header:\nFull Method: %s\nRemote Address: %s\n%s\n", "In Header:\nWire Length: %d\n%s\n"
    # and "In Trailer:\n..." (only with metadata); the payloads only with httpDebug "full"
    flags = ["--http-debug"] if how == "flag" else []
    env = {"K6_HTTP_DEBUG": "headers"} if how == "env" else None
    r = c6("grpc/debug.js", "-q", "-e", f"GRPC_ADDR={grpc_server.plain}", *flags, env=env, with_target=False)
    assert r.code == 0, r
    assert r.console() == ["status 0"], r
    msgs = [m for m, _ in _debug_lines(r)]
    assert len(msgs) == 3, r
    port = grpc_server.plain.split(":")[1]
    assert msgs[0].startswith(f"Out Header:\\nFull Method: /c6test.Tester/Echo\\nRemote Address: 127.0.0.1:{port}"
                              "\\n"), r
    assert "\\nx-a: b\\n" in msgs[0] and "\\nuser-agent: " in msgs[0] and msgs[0].endswith("\\n\\n"), r
    assert re.match(r"In Header:\\nWire Length: \d+\\n", msgs[1]) and "content-type: application/grpc" in msgs[1], r
    assert re.match(r"In Trailer:\\nWire Length: \d+\\ntrailer-x-a: b\\n\\n$", msgs[2]), r
    assert all("vu=1" in f and "iter=0" in f for _, f in _debug_lines(r)), r


def test_http_debug_full_and_off(c6, grpc_server):
    r = c6("grpc/debug.js", "-q", "-e", f"GRPC_ADDR={grpc_server.plain}", "--http-debug=full", with_target=False)
    assert r.code == 0, r
    msgs = [m for m, _ in _debug_lines(r)]
    assert [m.split(":", 1)[0] for m in msgs] == ["Out Header", "Out Payload", "In Header", "In Payload",
                                                   "In Trailer"], r
    # "Out Payload:\nWire Length: %d\nSent Time: %s\n%s\n\n": prefix + message, the message as text
    assert re.match(r"Out Payload:\\nWire Length: 16\\nSent Time: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d[.\d]* ", msgs[1]), r
    assert '\\ntext: \\"hi\\"\\ncount: 2\\n' in msgs[1], r
    assert re.match(r"In Payload:\\nWire Length: \d+\\nReceived Time: ", msgs[3]), r
    assert '\\ntext: \\"hi\\"\\n' in msgs[3] and "metadata: " in msgs[3], r
    r = c6("grpc/debug.js", "-q", "-e", f"GRPC_ADDR={grpc_server.plain}", with_target=False)
    assert r.code == 0 and _debug_lines(r) == [], r
