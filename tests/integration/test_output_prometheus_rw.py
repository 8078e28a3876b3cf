"""-o experimental-prometheus-rw against the real Prometheus 2.42 (Debian's
prometheus with --web.enable-remote-write-receiver, one private server for
the module, realservers.py): what it stores equals what the summary counts,
labels included, and an outage in the middle of a run. A fake remote-write
endpoint (http.server on 127.0.0.1:0; the body snappy-decoded with ctypes
on libsnappy.so.1 and the protobuf WriteRequest decoded by hand here) is
kept for what the real server does not show: the raw requests (headers,
label order, stale markers, one sample per series per push)."""
import base64
import re
import ctypes
import http.server
import json
import socket
import struct
import threading
import time

import pytest
from realservers import Prometheus

_snappy = ctypes.CDLL("libsnappy.so.1")


def snappy_decode(data):
    n = ctypes.c_size_t()
    assert _snappy.snappy_uncompressed_length(data, ctypes.c_size_t(len(data)), ctypes.byref(n)) == 0, "not snappy"
    out = ctypes.create_string_buffer(n.value)
    assert _snappy.snappy_uncompress(data, ctypes.c_size_t(len(data)), out, ctypes.byref(n)) == 0, "bad snappy"
    return out.raw[:n.value]


def _varint(b, i):
    shift = v = 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7F) << shift
        shift += 7
        if c < 0x80:
            return v, i


def pb_fields(b):
    """[(field, wire type, value)]: bytes for type 2, int for 0, raw 8 bytes for 1."""
    out, i = [], 0
    while i < len(b):
        key, i = _varint(b, i)
        f, wt = key >> 3, key & 7
        if wt == 0:
            v, i = _varint(b, i)
        elif wt == 1:
            v, i = b[i:i + 8], i + 8
        elif wt == 2:
            n, i = _varint(b, i)
            v, i = b[i:i + n], i + n
        else:
            raise AssertionError(f"unexpected wire type {wt}")
        out.append((f, wt, v))
    assert i == len(b), "trailing bytes"
    return out


def decode_write_request(body):
    """[(labels dict, label names in order, [(value, ts_ms)])]"""
    series = []
    for f, wt, ts in pb_fields(snappy_decode(body)):
        assert (f, wt) == (1, 2), (f, wt)
        labels, order, samples = {}, [], []
        for g, wt2, v in pb_fields(ts):
            if g == 1:
                lab = {h: x.decode() for h, _, x in pb_fields(v)}
                labels[lab[1]] = lab[2]
                order.append(lab[1])
            elif g == 2:
                s = {h: x for h, _, x in pb_fields(v)}
                samples.append((struct.unpack("<d", s[1])[0], s[2]))
        series.append((labels, order, samples))
    return series


class FakeRemoteWrite:
    def __init__(self):
        self.requests = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                outer.requests.append((self.path, dict(self.headers), body))
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/api/v1/write"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def series(self):
        return [s for _, _, body in self.requests for s in decode_write_request(body)]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def prw():
    f = FakeRemoteWrite()
    yield f
    f.close()


def _last(series, name, **labels):
    """The last sample of the named series whose labels include `labels`."""
    hits = [s for s in series if s[0].get("__name__") == name and all(s[0].get(k) == v for k, v in labels.items())]
    assert hits, f"no series {name} {labels} in {sorted({s[0]['__name__'] for s in series})}"
    return hits[-1][2][-1]


@pytest.fixture(scope="module")
def prom(tmp_path_factory):
    d = Prometheus(tmp_path_factory.mktemp("prometheus")).start()
    yield d
    d.stop()


def _one(prom, promql, at):
    """The value of a query that must answer exactly one series."""
    res = prom.query(promql, at)
    assert len(res) == 1, (promql, res)
    return res[0][1]


def test_real_prometheus_stores_what_the_summary_counts(c6, prom, tmp_path):
    """k6's remote-write output (xk6-output-prometheus-remote-write, built
    into k6 as experimental-prometheus-rw: pkg/remotewrite/remotewrite.go,
    prometheus.go) sends counters as k6_<name>_total, rates as
    k6_<name>_rate, gauges as k6_<name>, trends as one series per
    K6_PROMETHEUS_RW_TREND_STATS stat (k6_<name>_<stat>, times in seconds),
    the tags as labels (no vu/iter), the run's totals so far at each push.
    What Prometheus then holds must be the summary's numbers."""
    test_id = f"prw-{time.time_ns()}"
    env = {"K6_PROMETHEUS_RW_SERVER_URL": prom.write_url, "K6_PROMETHEUS_RW_PUSH_INTERVAL": "500ms",
           "K6_PROMETHEUS_RW_TREND_STATS": "p(99),avg,min,max,count,sum"}
    export = tmp_path / "summary.json"
    r = c6("outputs/get.js", "-i", "20", "-e", "PAUSE=0.05", "--tag", f"testid={test_id}",
           f"--summary-export={export}", "-o", "experimental-prometheus-rw", env=env)
    at = time.time()
    assert r.code == 0 and r.has_summary(), r
    assert not [w for w in r.logs(level="warning") if "prometheus" in w["msg"]], r
    sel = f'{{testid="{test_id}"}}'
    reqs = prom.query(f"k6_http_reqs_total{sel}", at)
    assert len(reqs) == 1 and reqs[0][1] == 20 == r.count("http_reqs"), (reqs, r)
    labels = reqs[0][0]
    assert labels["method"] == "GET" and labels["status"] == "200" and labels["scenario"] == "default", labels
    assert "vu" not in labels and "iter" not in labels and labels["url"].endswith("/get"), labels
    assert _one(prom, f"k6_iterations_total{sel}", at) == 20 == r.count("iterations")
    exported = json.loads(export.read_text())["metrics"]
    assert _one(prom, f"k6_data_sent_total{sel}", at) == exported["data_sent"]["count"] > 0, exported["data_sent"]
    assert _one(prom, f"k6_data_received_total{sel}", at) == exported["data_received"]["count"] > 0
    assert _one(prom, f'k6_checks_rate{{testid="{test_id}",check="is 200"}}', at) == 1.0
    assert _one(prom, f"k6_http_req_failed_rate{sel}", at) == 0.0
    tr = r.trend("http_req_duration")
    assert _one(prom, f"k6_http_req_duration_count{sel}", at) == 20
    for stat in ("avg", "min", "max"):
        got, want = _one(prom, f"k6_http_req_duration_{stat}{sel}", at), tr[stat] / 1000
        assert abs(got - want) <= max(0.0001, want * 0.01), (stat, got, want)
    total = _one(prom, f"k6_http_req_duration_sum{sel}", at)
    assert abs(total - tr["avg"] / 1000 * 20) <= max(0.0005, total * 0.01), (total, tr)
    assert _one(prom, f"k6_http_req_duration_p99{sel}", at) <= tr["max"] / 1000 + 1e-6
    # each push is one sample per series, never one at a time Prometheus refused
    n = sum(len(v) for _, v in prom.samples(f"k6_iterations_total{sel}", at))
    assert 2 <= n <= 8, n


def test_real_prometheus_outage_mid_run(c6, prom):
    """Prometheus stops 1.5 s into a 6 s run and comes back 2 s later. The
    pushes meanwhile fail and are counted; the run's result does not
    change; the numbers c6 gives at the end are true (what Prometheus holds
    is every sample c6 counted but those it says were not written, at most
    those it could not confirm); and as each push carries the totals so far,
    the last stored values are the summary's all the same."""
    test_id = f"prw-out-{time.time_ns()}"
    env = {"K6_PROMETHEUS_RW_SERVER_URL": prom.write_url, "K6_PROMETHEUS_RW_PUSH_INTERVAL": "300ms"}
    outage = {}

    def bounce():
        time.sleep(1.5)
        prom.stop()
        time.sleep(2)
        prom.start()
        outage["up"] = time.time()

    t = threading.Thread(target=bounce)
    t.start()
    try:
        r = c6("outputs/get.js", "-d", "6s", "-e", "PAUSE=0.05", "--tag", f"testid={test_id}",
               "-o", "experimental-prometheus-rw", env=env, timeout=90)
    finally:
        t.join(timeout=90)
    at = time.time()
    assert r.code == 0 and r.has_summary(), r
    assert "up" in outage, "prometheus did not come back"
    warns = " ".join(w["msg"] for w in r.logs(level="warning"))
    assert "experimental-prometheus-rw output: cannot send to " in warns and "Callback aborted" not in warns, r
    m = re.search(r"experimental-prometheus-rw output: (\d+) of (\d+) time series samples were not written", warns)
    assert m, warns
    lost, total = int(m.group(1)), int(m.group(2))
    u = re.search(r"(\d+) of \d+ time series samples were sent but not confirmed", warns)
    unconfirmed = int(u.group(1)) if u else 0
    stored = sum(len(v) for _, v in prom.samples(f'{{testid="{test_id}"}}', at))
    assert lost > 0 and total - lost - unconfirmed <= stored <= total - lost, (lost, total, unconfirmed, stored)
    assert _one(prom, f'k6_http_reqs_total{{testid="{test_id}"}}', at) == r.count("http_reqs")
    assert _one(prom, f'k6_iterations_total{{testid="{test_id}"}}', at) == r.count("iterations")


def test_prometheus_rw_series_names_and_values(c6, prw):
    env = {"K6_PROMETHEUS_RW_SERVER_URL": prw.url, "K6_PROMETHEUS_RW_TREND_STATS": "p(99),avg,count,sum,max,p(99.9)"}
    r = c6("outputs/get.js", "-i", "20", "-o", "experimental-prometheus-rw", env=env)
    assert r.code == 0 and r.has_summary(), r
    assert prw.requests, r
    path, headers, _ = prw.requests[0]
    assert path == "/api/v1/write" and headers["Content-Encoding"] == "snappy", headers
    assert headers["Content-Type"] == "application/x-protobuf" and headers["X-Prometheus-Remote-Write-Version"] == "0.1.0"
    series = prw.series()
    for labels, order, samples in series:
        assert order == sorted(order), order              # the spec wants sorted labels
        assert len(samples) == 1 and "vu" not in labels and "iter" not in labels
    names = {s[0]["__name__"] for s in series}
    assert {"k6_http_reqs_total", "k6_iterations_total", "k6_checks_rate", "k6_http_req_failed_rate",
            "k6_http_req_duration_p99", "k6_http_req_duration_avg", "k6_http_req_duration_count",
            "k6_http_req_duration_sum", "k6_http_req_duration_max", "k6_http_req_duration_p999",
            "k6_data_sent_total"} <= names, names
    # the last value of a counter is the total over the run
    value, ts = _last(series, "k6_http_reqs_total", method="GET", status="200", scenario="default")
    assert value == 20 == r.count("http_reqs"), (value, r)
    assert _last(series, "k6_iterations_total")[0] == 20
    assert _last(series, "k6_checks_rate", check="is 200")[0] == 1.0
    # trends: count as is, times in seconds
    assert _last(series, "k6_http_req_duration_count", status="200")[0] == 20
    avg = _last(series, "k6_http_req_duration_avg", status="200")[0]
    mx = _last(series, "k6_http_req_duration_max", status="200")[0]
    total = _last(series, "k6_http_req_duration_sum", status="200")[0]
    assert 0 < avg <= mx < 10 and abs(total - avg * 20) < 1e-9, (avg, mx, total)
    summary_max = r.trend("http_req_duration")["max"] / 1000
    assert abs(mx - summary_max) <= max(0.0001, summary_max * 0.01), (mx, summary_max)
    assert ts > 1_600_000_000_000, ts                        # milliseconds since the epoch


def test_prometheus_rw_vus_labelled_with_run_tags(c6, prw):
    """Issue 10, item 11: k6 emits vus and vus_max with the run's tags
    (internal/execution/scheduler.go, emitVUsAndVUsMax), so their series
    carry options.tags as labels (remotewrite/prometheus.go, MapSeries);
    c6's had none."""
    env = {"K6_PROMETHEUS_RW_SERVER_URL": prw.url, "K6_PROMETHEUS_RW_PUSH_INTERVAL": "500ms"}
    r = c6("parity/outputs/load_tagged.js", "-u", "2", "-d", "2.5s", "-o", "experimental-prometheus-rw",
           env=env, timeout=60)
    assert r.code == 0, r
    vus = [s for s in prw.series() if s[0]["__name__"] in ("k6_vus", "k6_vus_max")]
    assert {s[0]["__name__"] for s in vus} == {"k6_vus", "k6_vus_max"}, vus
    assert all(s[0] == {"__name__": s[0]["__name__"], "testid": "parity-10"} for s in vus), vus
    assert _last(vus, "k6_vus_max", testid="parity-10")[0] == 2


def test_prometheus_rw_pushes_periodically_without_repeating_timestamps(c6, prw):
    env = {"K6_PROMETHEUS_RW_SERVER_URL": prw.url, "K6_PROMETHEUS_RW_PUSH_INTERVAL": "300ms"}
    r = c6("outputs/get.js", "-i", "12", "-e", "PAUSE=0.1", "-o", "experimental-prometheus-rw", env=env)
    assert r.code == 0, r
    assert len(prw.requests) >= 3, len(prw.requests)
    seen = {}
    for labels, _, samples in prw.series():
        key = tuple(sorted(labels.items()))
        for v, ts in samples:
            assert ts > seen.get(key, (0, -1))[1], f"series {key} went back or repeated at {ts}"
            assert v >= seen.get(key, (0, 0))[0] or not key[0][1].endswith("_total"), key
            seen[key] = (v, ts)
    reqs = [v for k, (v, _) in seen.items() if dict(k)["__name__"] == "k6_http_reqs_total"]
    assert sum(reqs) == 12, reqs


def test_prometheus_rw_auth_headers_labels_stale(c6, prw):
    env = {"K6_PROMETHEUS_RW_SERVER_URL": prw.url, "K6_PROMETHEUS_RW_USERNAME": "u",
           "K6_PROMETHEUS_RW_PASSWORD": "p:w", "K6_PROMETHEUS_RW_HTTP_HEADERS": "X-One:1,X-Two: two",
           "K6_PROMETHEUS_RW_HEADERS_X-Three": "3", "K6_PROMETHEUS_RW_LABELS": "testid=abc,method=NOPE",
           "K6_PROMETHEUS_RW_STALE_MARKERS": "true"}
    r = c6("outputs/get.js", "-i", "3", "-o", "experimental-prometheus-rw", env=env)
    assert r.code == 0, r
    _, headers, _ = prw.requests[0]
    assert headers["Authorization"] == "Basic " + base64.b64encode(b"u:p:w").decode()
    assert headers["X-One"] == "1" and headers["X-Two"] == "two" and headers["X-Three"] == "3", headers
    series = prw.series()
    labels = [s[0] for s in series if s[0]["__name__"] == "k6_http_reqs_total"][0]
    # a static label is added, a tag of the same name wins
    assert labels["testid"] == "abc" and labels["method"] == "GET", labels
    last = decode_write_request(prw.requests[-1][2])
    stale = [v for _, _, smp in last for v, _ in smp]
    assert stale and all(struct.pack("<d", v) == struct.pack("<Q", 0x7FF0000000000002) for v in stale)


def _free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_prometheus_rw_server_down_warns_and_run_succeeds(c6):
    env = {"K6_PROMETHEUS_RW_SERVER_URL": f"http://127.0.0.1:{_free_port()}/api/v1/write"}
    r = c6("outputs/get.js", "-i", "4", "-o", "experimental-prometheus-rw", env=env)
    assert r.code == 0 and r.count("http_reqs") == 4, r
    warns = [w["msg"] for w in r.logs(level="warning")]
    assert any("experimental-prometheus-rw output" in w and "cannot send" in w for w in warns), r


@pytest.mark.parametrize("env,why", [
    ({"K6_PROMETHEUS_RW_SERVER_URL": "ftp://127.0.0.1/x"}, "must start with http"),
    ({"K6_PROMETHEUS_RW_SERVER_URL": "http://127.0.0.1:70000/x"}, "invalid port"),
    ({"K6_PROMETHEUS_RW_TREND_STATS": "p(99),p95"}, "p95\\\" is not a trend stat"),
    ({"K6_PROMETHEUS_RW_PUSH_INTERVAL": "soon"}, "K6_PROMETHEUS_RW_PUSH_INTERVAL"),
    ({"K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM": "true"}, "native histograms are not supported"),
    ({"K6_PROMETHEUS_RW_STALE_MARKERS": "maybe"}, "not a boolean"),
])
def test_prometheus_rw_bad_settings_exit_255(c6, env, why):
    # k6: "could not create the '...' output: ..." has no exit code of its own: 255
    r = c6("outputs/get.js", "-i", "1", "-o", "experimental-prometheus-rw", env=env)
    assert r.code == 255 and "could not create the 'experimental-prometheus-rw' output: " in r.err and why in r.err, r


def test_removed_output_exits_255_with_k6s_text(c6):
    # k6: internal/cmd/outputs_builtin.go, getAllOutputConstructors (statsd)
    r = c6("outputs/get.js", "-i", "1", "-o", "statsd")
    assert r.code == 255, r
    assert ("could not create the 'statsd' output: the statsd output was deprecated in k6 v0.47.0 and removed "
            "in k6 v0.55.0, please use the new xk6 statsd output extension instead.") in r.logs(level="error")[0]["msg"], r
