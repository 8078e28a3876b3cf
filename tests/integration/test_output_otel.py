"""-o opentelemetry (OTLP metrics over HTTP, protobuf body) as k6 v2.2.0 has
it (internal/output/opentelemetry: output.go, registry.go, config.go,
exporter.go). No OTLP receiver can be installed from Debian 12 (Prometheus
2.42 predates its OTLP receiver; there is no collector package), so the
receivers here are an http.server (OTLP/HTTP) and a python3-grpcio server
(OTLP/gRPC) on 127.0.0.1 that decode every export with message classes
generated at test time by Debian's protoc from data/otlp/otlp_metrics.proto,
written from the OTLP specification."""
from concurrent import futures

from conftest import _openssl
import http.server
import json
import pathlib
import re
import time
import subprocess
import sys
import threading

import grpc
import pytest

PROTO = pathlib.Path(__file__).resolve().parent / "data" / "otlp"
# the Go SDK's default explicit bucket bounds (sdk/metric, DefaultAggregationSelector)
BOUNDS = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000]


@pytest.fixture(scope="module")
def pb(tmp_path_factory):
    out = tmp_path_factory.mktemp("otlp_pb")
    subprocess.run(["protoc", f"-I{PROTO}", f"--python_out={out}", "otlp_metrics.proto"], check=True, timeout=60)
    sys.path.insert(0, str(out))
    try:
        import otlp_metrics_pb2
    finally:
        sys.path.remove(str(out))
    return otlp_metrics_pb2


class Receiver:
    """Records (path, headers, decoded request); answers 200 with an
    ExportMetricsServiceResponse, with a partial_success when told; fail:
    statuses to answer the first requests with (an empty body)."""

    def __init__(self, pb, rejected=0, fail=()):
        self.requests = []
        fail = list(fail)
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                req = pb.ExportMetricsServiceRequest()
                req.ParseFromString(body)
                outer.requests.append((self.path, dict(self.headers), req))
                if fail:
                    self.send_response(fail.pop(0))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                resp = pb.ExportMetricsServiceResponse()
                if rejected:
                    resp.partial_success.rejected_data_points = rejected
                    resp.partial_success.error_message = "too many attributes"
                payload = resp.SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def env(self, **more):
        e = {"K6_OTEL_EXPORTER_PROTOCOL": "http/protobuf", "K6_OTEL_HTTP_EXPORTER_ENDPOINT": self.endpoint,
             "K6_OTEL_HTTP_EXPORTER_INSECURE": "true"}
        e.update(more)
        return e

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(pb):
    r = Receiver(pb)
    yield r
    r.close()


def _attrs(kvs):
    return {kv.key: kv.value.string_value for kv in kvs}


def _metrics(req):
    """{name: Metric} of one export (one resource, one scope)."""
    (rm,) = req.resource_metrics
    (sm,) = rm.scope_metrics
    return {m.name: m for m in sm.metrics}


def test_otel_http_exports_what_the_summary_counts(c6, receiver, tmp_path):
    """k6 feeds every sample to OTel instruments (output.go, dispatch):
    Counter -> Float64Counter, Gauge -> Float64Gauge, Trend ->
    Float64Histogram, Rate -> Int64Counter "<name>.total" with a condition
    attribute "zero"/"nonzero" (singleCounterForRate, the default); unit
    "ms" for times, "By" for data (normalizeUnit); the metric prefix
    (K6_OTEL_METRIC_PREFIX) before the name; the sample's tags as
    attributes; the SDK's periodic reader exports cumulative totals every
    K6_OTEL_EXPORT_INTERVAL and once more at shutdown; resource
    service.name=k6 and service.version, scope "k6" (output.go, Start).
    Headers from K6_OTEL_HEADERS, percent-decoded (exporter.go,
    parseHeaders); POST to http://ENDPOINT/v1/metrics when insecure."""
    export = tmp_path / "summary.json"
    env = receiver.env(K6_OTEL_EXPORT_INTERVAL="300ms", K6_OTEL_METRIC_PREFIX="k6_",
                       K6_OTEL_HEADERS="X-Scope-OrgID=team%201,X-Key=abc",
                       OTEL_RESOURCE_ATTRIBUTES=" team = load%20testers ,nope,service.name=lost,telemetry.sdk.name=x")
    r = c6("outputs/get.js", "-i", "20", "-e", "PAUSE=0.05", f"--summary-export={export}", "-o", "opentelemetry",
           env=env)
    assert r.code == 0 and r.has_summary(), r
    # k6: config.go, Config.String
    assert f"output: opentelemetry (http/protobuf, http://{receiver.endpoint}/v1/metrics)" in r.out, r.out[:800]
    assert not [w for w in r.logs(level="warning") if "opentelemetry" in w["msg"]], r
    assert len(receiver.requests) >= 3, len(receiver.requests)      # periodic, not only at the end
    path, headers, last = receiver.requests[-1]
    assert path == "/v1/metrics" and headers["Content-Type"] == "application/x-protobuf", (path, headers)
    assert headers["X-Scope-OrgID"] == "team 1" and headers["X-Key"] == "abc", headers
    (rm,) = last.resource_metrics
    res = _attrs(rm.resource.attributes)
    # resource.Default() (OTEL_RESOURCE_ATTRIBUTES trimmed and decoded, a pair
    # without "=" left out; then the SDK's telemetry.sdk.*), merged with k6's
    # service.name/version (output.go, Start), keys sorted (attribute.Set)
    assert res["service.name"] == "k6" and res["service.version"], res
    assert res["team"] == "load testers" and "nope" not in res, res
    assert res["telemetry.sdk.language"] == "go" and res["telemetry.sdk.name"] == "opentelemetry", res
    assert res["telemetry.sdk.version"], res
    keys = [kv.key for kv in rm.resource.attributes]
    assert keys == sorted(keys), keys
    assert rm.scope_metrics[0].scope.name == "k6"
    m = _metrics(last)
    exported = json.loads(export.read_text())["metrics"]
    cumulative = 2

    reqs = m["k6_http_reqs"]
    assert reqs.WhichOneof("data") == "sum" and reqs.sum.is_monotonic and reqs.unit == "", reqs
    assert reqs.sum.aggregation_temporality == cumulative
    assert sum(p.as_double for p in reqs.sum.data_points) == 20 == r.count("http_reqs")
    a = _attrs(reqs.sum.data_points[0].attributes)
    assert a["method"] == "GET" and a["status"] == "200" and a["scenario"] == "default", a
    assert "vu" not in a and "iter" not in a and a["url"].endswith("/get"), a
    assert list(a) == sorted(a), list(a)                                # an attribute.Set is sorted

    sent = m["k6_data_sent"]
    assert sent.unit == "By" and sum(p.as_double for p in sent.sum.data_points) == exported["data_sent"]["count"]

    dur = m["k6_http_req_duration"]
    assert dur.WhichOneof("data") == "histogram" and dur.unit == "ms", dur
    assert dur.histogram.aggregation_temporality == cumulative
    (h,) = [p for p in dur.histogram.data_points if _attrs(p.attributes).get("status") == "200"]
    assert h.count == 20 and sum(h.bucket_counts) == 20 and list(h.explicit_bounds) == BOUNDS, h
    assert len(h.bucket_counts) == len(BOUNDS) + 1
    tr = exported["http_req_duration"]
    assert abs(h.min - tr["min"]) < 1e-6 and abs(h.max - tr["max"]) < 1e-6, (h.min, h.max, tr)
    assert abs(h.sum - tr["avg"] * 20) < 1e-6 * max(1, h.sum), (h.sum, tr)
    assert m["k6_iteration_duration"].unit == "ms"

    checks = m["k6_checks.total"]
    assert checks.unit == "" and checks.sum.is_monotonic, checks
    by_cond = {_attrs(p.attributes)["condition"]: p.as_int for p in checks.sum.data_points}
    assert by_cond == {"nonzero": 20}, by_cond                          # all 20 passed; no "zero" point
    assert _attrs(checks.sum.data_points[0].attributes)["check"] == "is 200"
    failed = {_attrs(p.attributes)["condition"]: p.as_int for p in m["k6_http_req_failed.total"].sum.data_points}
    assert failed == {"zero": 20}, failed

    # cumulative: one start time per metric, totals that only grow, later times
    starts, last_t, last_v = set(), 0, 0
    for _, _, req in receiver.requests:
        it = _metrics(req).get("k6_iterations")
        if not it:
            continue
        (p,) = it.sum.data_points
        starts.add(p.start_time_unix_nano)
        assert p.time_unix_nano > last_t and p.as_double >= last_v and p.start_time_unix_nano <= p.time_unix_nano
        last_t, last_v = p.time_unix_nano, p.as_double
    assert len(starts) == 1 and last_v == 20, (starts, last_v)


def test_otel_partial_success_counts_rejected_points(c6, pb):
    """An OTLP receiver that accepts a request but rejects some of its data
    points says so in a 200 answer's partial_success (OTLP spec, "Partial
    Success"); the Go exporter reports its error message. c6 counts those
    points as not written."""
    rec = Receiver(pb, rejected=3)
    try:
        r = c6("outputs/get.js", "-i", "2", "-o", "opentelemetry", env=rec.env())
    finally:
        rec.close()
    assert r.code == 0, r
    warns = " ".join(w["msg"] for w in r.logs(level="warning"))
    assert "partial success: 3 data points rejected: too many attributes" in warns, r
    assert re.search(r"opentelemetry output: 3 of \d+ data points were not written \(0 over the memory budget, "
                     r"0 in 0 failed requests, 3 refused by the server in 1 partial writes\)", warns), r


def test_experimental_opentelemetry_warns_and_works(c6, receiver):
    # k6: internal/cmd/outputs.go, getAllOutputConstructors (the message as k6 has it, no space after "output.")
    r = c6("outputs/get.js", "-i", "2", "-o", "experimental-opentelemetry", env=receiver.env())
    assert r.code == 0 and receiver.requests, r
    assert ("OpenTelemetry output has been graduated as a stable output.You can now use just \"opentelemetry\" "
            "instead of \"experimental-opentelemetry\". The experimental version will be removed in future "
            "versions.") in [w["msg"] for w in r.logs(level="warning")], r


@pytest.mark.parametrize("env,why", [
    # k6: config.go, Validate / validateExporterProtocol, wrapped in GetConsolidatedConfig
    ({"K6_OTEL_EXPORTER_PROTOCOL": "udp"}, "error validating OpenTelemetry output config: unsupported exporter "
                                           "protocol \"udp\", only \"grpc\" and \"http/protobuf\" are supported"),
    ({"K6_OTEL_EXPORTER_PROTOCOL": "http/protobuf", "K6_OTEL_HTTP_EXPORTER_ENDPOINT": "http://127.0.0.1:4318"},
     "error validating OpenTelemetry output config: HTTP exporter endpoint must only be host and port, no scheme"),
    ({"K6_OTEL_SERVICE_NAME": ""}, "error validating OpenTelemetry output config: providing service name is required"),
    # config.go, parseEnvs
    ({"K6_OTEL_EXPORTER_TYPE": "http"}, "parse environment variables options failed: K6_OTEL_EXPORTER_TYPE is no "
                                        "longer supported, use K6_OTEL_EXPORTER_PROTOCOL instead"),
    # exporter.go, parseHeaders
    ({"K6_OTEL_EXPORTER_PROTOCOL": "http/protobuf", "K6_OTEL_HEADERS": "a=1,nope"},
     "failed to parse headers: invalid header \"nope\", expected format key=value"),
])
def test_otel_bad_settings_exit_255(c6, env, why):
    # "could not create the 'opentelemetry' output: ..." (internal/cmd/outputs.go); 255 as k6
    # exits with it (config.go's own TODO says so, in spite of the InvalidConfig code it sets)
    r = c6("outputs/get.js", "-i", "1", "-o", "opentelemetry", env=env)
    msg = " ".join(line["msg"] for line in r.logs(level="error"))
    assert r.code == 255 and "could not create the 'opentelemetry' output: " in msg and why in msg, r


class GrpcReceiver:
    """OTLP/gRPC: MetricsService/Export on a grpcio server (a generic
    handler, no generated service code), recording (metadata, request) and
    when each came (times, monotonic seconds); abort=(code, details) fails
    every call with that status."""

    SERVICE = "opentelemetry.proto.collector.metrics.v1.MetricsService"

    def __init__(self, pb, abort=None, tls=None, client_ca=None):
        self.requests = []
        self.times = []
        self.tls = tls

        def export(req, context):
            self.times.append(time.monotonic())
            self.requests.append((dict(context.invocation_metadata()), req))
            if abort:
                if len(abort) > 2:  # a google.rpc.Status for grpc-status-details-bin
                    context.set_trailing_metadata([("grpc-status-details-bin", abort[2])])
                context.abort(*abort[:2])
            return pb.ExportMetricsServiceResponse()

        handler = grpc.method_handlers_generic_handler(self.SERVICE, {"Export": grpc.unary_unary_rpc_method_handler(
            export, request_deserializer=pb.ExportMetricsServiceRequest.FromString,
            response_serializer=pb.ExportMetricsServiceResponse.SerializeToString)})
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
        self.server.add_generic_rpc_handlers((handler,))
        if tls:   # (cert.pem, key.pem); client_ca: a client certificate signed by it is required
            creds = grpc.ssl_server_credentials(
                [(pathlib.Path(tls[1]).read_bytes(), pathlib.Path(tls[0]).read_bytes())],
                root_certificates=pathlib.Path(client_ca).read_bytes() if client_ca else None,
                require_client_auth=bool(client_ca))
            self.endpoint = f"127.0.0.1:{self.server.add_secure_port('127.0.0.1:0', creds)}"
        else:
            self.endpoint = f"127.0.0.1:{self.server.add_insecure_port('127.0.0.1:0')}"
        self.server.start()

    def env(self, **more):
        e = {"K6_OTEL_GRPC_EXPORTER_ENDPOINT": self.endpoint}
        if not self.tls:
            e["K6_OTEL_GRPC_EXPORTER_INSECURE"] = "true"
        e.update(more)
        return e

    def close(self):
        self.server.stop(grace=None).wait(timeout=10)


def test_otel_grpc_is_the_default_protocol(c6, pb):
    """gRPC is k6's default exporter protocol (config.go, newDefaultConfig);
    the Go exporter calls MetricsService/Export (otlpmetricgrpc) with
    K6_OTEL_HEADERS as metadata, over h2c when insecure. The banner shows
    "grpc (insecure), ENDPOINT" (config.go, Config.String)."""
    rec = GrpcReceiver(pb)
    try:
        r = c6("outputs/get.js", "-i", "5", "-e", "PAUSE=0.1", "-o", "opentelemetry",
               env=rec.env(K6_OTEL_EXPORT_INTERVAL="200ms", K6_OTEL_HEADERS="x-tenant=team%20a"))
    finally:
        rec.close()
    assert r.code == 0, r
    assert f"output: opentelemetry (grpc (insecure), {rec.endpoint})" in r.out, r.out[:800]
    assert not [w for w in r.logs(level="warning") if "opentelemetry" in w["msg"]], r
    assert len(rec.requests) >= 2, len(rec.requests)
    meta, last = rec.requests[-1]
    assert meta["x-tenant"] == "team a", meta
    m = _metrics(last)
    assert sum(p.as_double for p in m["http_reqs"].sum.data_points) == 5 == r.count("http_reqs")
    assert m["http_req_duration"].histogram.data_points[0].count == 5
    assert {_attrs(p.attributes)["condition"]: p.as_int for p in m["checks.total"].sum.data_points} == {"nonzero": 5}


def test_otel_grpc_error_status_is_counted(c6, pb):
    """A call that ends with a gRPC error status stored nothing: its data
    points count as not written, and the warning names the status as gRPC
    does (UNAVAILABLE, with the server's message). UNAVAILABLE is retried
    (otlpmetricgrpc's retryable codes) until the retry time is over: the
    backoff scaled down by the test-only C6_OTEL_RETRY_INITIAL_MS."""
    rec = GrpcReceiver(pb, abort=(grpc.StatusCode.UNAVAILABLE, "busy now"))
    try:
        r = c6("outputs/get.js", "-i", "2", "-o", "opentelemetry", env=rec.env(C6_OTEL_RETRY_INITIAL_MS="100"))
    finally:
        rec.close()
    assert r.code == 0 and len(rec.requests) >= 2, (r, len(rec.requests))
    # all tries carry the same export
    assert len({req.SerializeToString() for _, req in rec.requests}) == 1
    warns = " ".join(w["msg"] for w in r.logs(level="warning"))
    assert "answered grpc-status 14 (UNAVAILABLE): busy now" in warns, r
    assert re.search(r"opentelemetry output: (\d+) of \1 data points were not written \(0 over the memory budget, "
                     r"\1 in 1 failed requests\)", warns), r


def test_otel_grpc_over_tls(c6, pb, tmp_path):
    """Without K6_OTEL_GRPC_EXPORTER_INSECURE the call goes over TLS (HTTP/2
    by ALPN); K6_OTEL_TLS_INSECURE_SKIP_VERIFY accepts the test's
    self-signed certificate (exporter.go / tls.go, buildTLSConfig)."""
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
             "-subj", "/CN=127.0.0.1", "-keyout", "key.pem", "-out", "cert.pem", cwd=tmp_path)
    rec = GrpcReceiver(pb, tls=(str(tmp_path / "cert.pem"), str(tmp_path / "key.pem")))
    try:
        r = c6("outputs/get.js", "-i", "3", "-o", "opentelemetry", env=rec.env(K6_OTEL_TLS_INSECURE_SKIP_VERIFY="true"))
    finally:
        rec.close()
    assert r.code == 0, r
    assert f"output: opentelemetry (grpc, {rec.endpoint})" in r.out, r.out[:800]
    assert not [w for w in r.logs(level="warning") if "opentelemetry" in w["msg"]], r
    assert rec.requests and sum(p.as_double for p in _metrics(rec.requests[-1][1])["http_reqs"].sum.data_points) == 3


def _tls_files(tmp_path):
    """A server certificate for 127.0.0.1 (its own CA) and a client
    certificate with its key, another self-signed pair."""
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
             "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
             "-keyout", "key.pem", "-out", "cert.pem", cwd=tmp_path)
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
             "-subj", "/CN=k6 client", "-keyout", "ckey.pem", "-out", "ccert.pem", cwd=tmp_path)
    return {k: str(tmp_path / f) for k, f in
            (("cert", "cert.pem"), ("key", "key.pem"), ("ccert", "ccert.pem"), ("ckey", "ckey.pem"))}


def test_otel_tls_certificate_and_client_certificate(c6, pb, tmp_path):
    """K6_OTEL_TLS_CERTIFICATE is the only root trusted (k6 tls.go:
    RootCAs = a pool of that file), K6_OTEL_TLS_CLIENT_CERTIFICATE/_KEY the
    client certificate a server asking for one gets (tls.LoadX509KeyPair).
    Without the CA the self-signed server is not trusted: nothing stored."""
    f = _tls_files(tmp_path)
    rec = GrpcReceiver(pb, tls=(f["cert"], f["key"]), client_ca=f["ccert"])
    try:
        r = c6("outputs/get.js", "-i", "2", "-o", "opentelemetry",
               env=rec.env(K6_OTEL_TLS_CERTIFICATE=f["cert"], K6_OTEL_TLS_CLIENT_CERTIFICATE=f["ccert"],
                           K6_OTEL_TLS_CLIENT_KEY=f["ckey"]))
        assert r.code == 0, r
        assert not [w for w in r.logs(level="warning") if "opentelemetry" in w["msg"]], r
        assert rec.requests and sum(p.as_double for p in _metrics(rec.requests[-1][1])["http_reqs"].sum.data_points) == 2
        seen = len(rec.requests)
        # no client certificate: the server refuses the handshake
        r = c6("outputs/get.js", "-i", "1", "-o", "opentelemetry", env=rec.env(K6_OTEL_TLS_CERTIFICATE=f["cert"]))
        assert r.code == 0 and len(rec.requests) == seen, r
        assert [w for w in r.logs(level="warning") if "were not written" in w["msg"]], r
        # the system's roots only: the self-signed server is not trusted
        r = c6("outputs/get.js", "-i", "1", "-o", "opentelemetry",
               env=rec.env(K6_OTEL_TLS_CLIENT_CERTIFICATE=f["ccert"], K6_OTEL_TLS_CLIENT_KEY=f["ckey"]))
        assert r.code == 0 and len(rec.requests) == seen, r
        assert [w for w in r.logs(level="warning") if "were not written" in w["msg"]], r
    finally:
        rec.close()


def test_otel_tls_bad_files_exit_255(c6, tmp_path):
    """buildTLSConfig's errors, from getExporter (k6 exporter.go): the
    output is not created, exit 255 as for the other settings."""
    f = _tls_files(tmp_path)
    (tmp_path / "junk.pem").write_text("not a certificate\n")
    pre = "failed to create OpenTelemetry exporter: "
    cases = [
        ({"K6_OTEL_TLS_CERTIFICATE": str(tmp_path / "none.pem")},
         f'{pre}failed to read root certificate from "{tmp_path / "none.pem"}": open {tmp_path / "none.pem"}: '
         "no such file or directory"),
        ({"K6_OTEL_TLS_CERTIFICATE": str(tmp_path / "junk.pem")}, f"{pre}failed to append root certificate to the pool"),
        ({"K6_OTEL_TLS_CLIENT_CERTIFICATE": f["ccert"]},
         f"{pre}failed to load client certificate: open : no such file or directory"),
        ({"K6_OTEL_TLS_CLIENT_CERTIFICATE": f["ccert"], "K6_OTEL_TLS_CLIENT_KEY": f["key"]},
         f"{pre}failed to load client certificate: tls: private key does not match public key"),
        ({"K6_OTEL_TLS_CLIENT_CERTIFICATE": str(tmp_path / "junk.pem"), "K6_OTEL_TLS_CLIENT_KEY": f["ckey"]},
         f"{pre}failed to load client certificate: tls: failed to find any PEM data in certificate input"),
    ]
    for env, why in cases:
        r = c6("outputs/get.js", "-i", "1", "-o", "opentelemetry", env=env)
        msg = " ".join(line["msg"] for line in r.logs(level="error"))
        assert r.code == 255 and why in msg, (why, r)


def test_otel_rates_as_a_pair_of_counters(c6, pb):
    """K6_OTEL_SINGLE_COUNTER_FOR_RATE=false: k6's deprecated pair
    (output.go pairOfCountersForRate, registry.go getOrCreateCountersForRate):
    "<name>.occurred" counts the non-zero samples, "<name>.total" all of
    them, no condition attribute; a rate with no non-zero sample has no
    ".occurred" (an instrument with no point is not exported); k6's
    deprecation warning at the start (output.go, Start)."""
    rec = GrpcReceiver(pb)
    try:
        r = c6("outputs/get.js", "-i", "4", "-o", "opentelemetry",
               env=rec.env(K6_OTEL_SINGLE_COUNTER_FOR_RATE="false"))
    finally:
        rec.close()
    assert r.code == 0, r
    assert ("Exporting rate metrics as a pair of counters is deprecated and will be removed in future releases. "
            "Please migrate to the new format.") in [w["msg"] for w in r.logs(level="warning")], r
    m = _metrics(rec.requests[-1][1])
    assert "checks.total" in m and "checks.occurred" in m, sorted(m)
    assert [p.as_int for p in m["checks.occurred"].sum.data_points] == [4]
    assert [p.as_int for p in m["checks.total"].sum.data_points] == [4]
    assert all("condition" not in _attrs(p.attributes) for p in m["checks.total"].sum.data_points)
    assert sum(p.as_int for p in m["http_req_failed.total"].sum.data_points) == 4
    assert "http_req_failed.occurred" not in m, sorted(m)


@pytest.mark.parametrize("fail,tries,lost", [((503, 503), 3, False), ((429, 502), 3, False), ((504,), 2, False),
                                             ((400,), 1, True)])
def test_otel_http_retries(c6, pb, fail, tries, lost):
    """otlpmetrichttp (client.go UploadMetrics) retries 429, 502, 503 and 504
    with retry.DefaultConfig (5 s, at most 30 s, for 1 minute; scaled down
    here by the test-only C6_OTEL_RETRY_INITIAL_MS) and nothing else: a 400
    is one request and its points are lost ("failed to send metrics to ...").
    Two retries always fit in the HTTP exporter's time (30 s, 6x the first
    interval: the waits are at most 1.5x and 2.25x it)."""
    rec = Receiver(pb, fail=fail)
    try:
        r = c6("outputs/get.js", "-i", "2", "-o", "opentelemetry", env=rec.env(C6_OTEL_RETRY_INITIAL_MS="100"))
    finally:
        rec.close()
    assert r.code == 0, r
    assert len(rec.requests) == tries, (r, len(rec.requests))
    assert len({req.SerializeToString() for _, _, req in rec.requests}) == 1
    warns = " ".join(w["msg"] for w in r.logs(level="warning"))
    if lost:
        assert re.search(r"opentelemetry output: (\d+) of \1 data points were not written \(0 over the memory "
                         r"budget, \1 in 1 failed requests\)", warns), r
        assert "answered 400" in warns, r
    else:
        assert "not written" not in warns and "answered" not in warns, r
        m = _metrics(rec.requests[-1][2])
        assert sum(p.as_double for p in m["http_reqs"].sum.data_points) == 2 == r.count("http_reqs")


def test_otel_grpc_non_retryable_status(c6, pb):
    """INVALID_ARGUMENT is not among otlpmetricgrpc's retryable codes, nor is
    RESOURCE_EXHAUSTED without a RetryInfo detail: one call each."""
    for code in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.RESOURCE_EXHAUSTED):
        rec = GrpcReceiver(pb, abort=(code, "no"))
        try:
            r = c6("outputs/get.js", "-i", "1", "-o", "opentelemetry", env=rec.env(C6_OTEL_RETRY_INITIAL_MS="100"))
        finally:
            rec.close()
        assert r.code == 0 and len(rec.requests) == 1, (code, r, len(rec.requests))
        assert f"answered grpc-status {code.value[0]}" in " ".join(w["msg"] for w in r.logs(level="warning")), r


def _pb_field(num, payload):
    """A length-delimited protobuf field (payload < 128 bytes)."""
    return bytes([num << 3 | 2, len(payload)]) + payload


def test_otel_grpc_resource_exhausted_with_retry_info_is_retried(c6, pb):
    """otlpmetricgrpc (retryableGRPCStatus) retries RESOURCE_EXHAUSTED only
    when the status carries a google.rpc.RetryInfo detail."""
    retry_info = _pb_field(1, b"\x08\x00")  # RetryInfo{retry_delay: Duration{seconds: 0}}
    detail = _pb_field(1, b"type.googleapis.com/google.rpc.RetryInfo") + _pb_field(2, retry_info)
    status = bytes([0x08, 8]) + _pb_field(2, b"slow down") + _pb_field(3, detail)
    rec = GrpcReceiver(pb, abort=(grpc.StatusCode.RESOURCE_EXHAUSTED, "slow down", status))
    try:
        r = c6("outputs/get.js", "-i", "1", "-o", "opentelemetry", env=rec.env(C6_OTEL_RETRY_INITIAL_MS="100"))
    finally:
        rec.close()
    assert r.code == 0 and len(rec.requests) >= 2, (r, len(rec.requests))


def _retry_info_status(seconds):
    """A google.rpc.Status RESOURCE_EXHAUSTED with a RetryInfo{retry_delay: seconds}."""
    retry_info = _pb_field(1, bytes([0x08, seconds]))  # Duration{seconds}
    detail = _pb_field(1, b"type.googleapis.com/google.rpc.RetryInfo") + _pb_field(2, retry_info)
    return bytes([0x08, 8]) + _pb_field(2, b"slow down") + _pb_field(3, detail)


@pytest.mark.parametrize("delay,calls", [(1, 2), (2, 1)])
def test_otel_grpc_retry_info_delay(c6, pb, delay, calls):
    """The exporters' retry (internal/retry RequestFunc) waits the greater
    of the backoff and RetryInfo's retry_delay (otlpmetricgrpc
    throttleDelay), and gives up at once when that delay would end past
    MaxElapsedTime ("max retry time would elapse"). Scaled by the test-only
    C6_OTEL_RETRY_INITIAL_MS=600: backoff 300-900 ms, MaxElapsedTime 1.2 s
    for gRPC. A 1 s delay: the second call 1 s after the first, then no
    third (1 + 1 s > 1.2 s); a 2 s delay: one call."""
    rec = GrpcReceiver(pb, abort=(grpc.StatusCode.RESOURCE_EXHAUSTED, "slow down", _retry_info_status(delay)))
    try:
        r = c6("outputs/get.js", "-i", "1", "-o", "opentelemetry", env=rec.env(C6_OTEL_RETRY_INITIAL_MS="600"))
    finally:
        rec.close()
    assert r.code == 0 and len(rec.requests) == calls, (r, len(rec.requests))
    if calls == 2:
        gap = rec.times[1] - rec.times[0]
        assert 0.95 <= gap < 2.0, gap  # the backoff alone would be 0.3-0.9 s


def test_otel_retries_end_with_the_grace_period(c6, pb):
    """With the real backoff (the first retry 2.5 s to 7.5 s after the
    first try) and an end-of-test grace of 1 s (C6_OUTPUT_GRACE_MS), the
    retry that would end past the grace is not waited for: one request, its
    points lost, the run over in about a second after the test."""
    rec = Receiver(pb, fail=[503] * 10)
    try:
        r = c6("outputs/get.js", "-i", "1", "-o", "opentelemetry", env=rec.env(C6_OUTPUT_GRACE_MS="1000"))
    finally:
        rec.close()
    assert r.code == 0 and len(rec.requests) == 1, (r, len(rec.requests))
    assert r.elapsed < 2.4, r
    warns = " ".join(w["msg"] for w in r.logs(level="warning"))
    assert re.search(r"opentelemetry output: (\d+) of \1 data points were not written", warns), r
