"""-o influxdb=URL against a fake InfluxDB v1 (http.server on 127.0.0.1:0):
line protocol, one point per sample, CREATE DATABASE, settings, and the
error paths (server down, memory budget, bad URL)."""
import base64
import http.server
import re
import socket
import threading
import time
import urllib.parse

import pytest


class FakeInflux:
    """Records every request: (path, query dict, headers, body text)."""

    def __init__(self, status=204, delay=0):
        self.requests, self.status = [], status
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                u = urllib.parse.urlsplit(self.path)
                if delay and u.path.endswith("/write"):
                    time.sleep(delay)
                outer.requests.append((u.path, dict(urllib.parse.parse_qsl(u.query)), dict(self.headers),
                                       body.decode("utf-8")))
                code = outer.status if u.path.endswith("/write") else 200
                payload = b'{"error":"no"}' if code >= 400 else b""
                self.send_response(code)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def writes(self):
        return [r for r in self.requests if r[0].endswith("/write")]

    def points(self):
        return [parse_line(l) for r in self.writes() for l in r[3].splitlines() if l]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def influx():
    f = FakeInflux()
    yield f
    f.close()


_TOKEN = re.compile(r'((?:[^,= \\"]|\\.)+)=("(?:[^"\\]|\\.)*"|(?:[^,= \\]|\\.)+)')


def _unescape(s):
    return re.sub(r"\\(.)", r"\1", s)


def parse_line(line):
    """'m,k=v f=1,g="x" 123' -> (measurement, {tags}, {fields}, timestamp)."""
    m = re.match(r'^((?:[^, \\]|\\.)+)((?:,(?:[^ \\]|\\.)+)?) ((?:[^ "\\]|\\.|"(?:[^"\\]|\\.)*")+) (\d+)$', line)
    assert m, f"not line protocol: {line!r}"
    tags = {_unescape(k): _unescape(v) for k, v in _TOKEN.findall(m.group(2))}
    fields = {}
    for k, v in _TOKEN.findall(m.group(3)):
        if v.startswith('"'):
            fields[_unescape(k)] = _unescape(v[1:-1])
        elif v.endswith("i"):
            fields[_unescape(k)] = int(v[:-1])
        elif v in ("true", "false"):
            fields[_unescape(k)] = v == "true"
        else:
            fields[_unescape(k)] = float(v)
    return _unescape(m.group(1)), tags, fields, int(m.group(4))


def test_influxdb_every_request_is_a_point(c6, influx, target):
    t0 = time.time_ns()
    r = c6("outputs/get.js", "-i", "25", "-o", f"influxdb={influx.url}/k6test")
    t1 = time.time_ns()
    assert r.code == 0 and r.has_summary(), r
    # the database is created first, as k6 does
    q = [x for x in influx.requests if x[0] == "/query"]
    assert q and 'CREATE DATABASE "k6test"' in urllib.parse.parse_qs(q[0][3])["q"][0], influx.requests[:1]
    assert all(w[1] == {"db": "k6test", "precision": "ns"} for w in influx.writes()), influx.writes()[0][:2]
    pts = influx.points()
    reqs = [p for p in pts if p[0] == "http_reqs"]
    assert len(reqs) == 25 == r.count("http_reqs"), r
    _, tags, fields, _ = reqs[0]
    assert tags["method"] == "GET" and tags["status"] == "200" and tags["scenario"] == "default", tags
    # url is a field by default (tagsAsFields vu,iter,url), not a tag
    assert "url" not in tags and fields["url"] == f"{target}/get" and fields["value"] == 1.0, reqs[0]
    durs = [p for p in pts if p[0] == "http_req_duration"]
    assert len(durs) == 25 and all(p[2]["value"] >= 0 for p in durs)
    stamps = [p[3] for p in reqs]
    assert stamps == sorted(stamps) and t0 <= stamps[0] and stamps[-1] <= t1, (t0, stamps, t1)
    assert {p[0] for p in pts} >= {"iterations", "iteration_duration", "checks", "data_sent"}


def test_influxdb_settings_from_env_and_url(c6, influx):
    env = {"K6_INFLUXDB_TAGS_AS_FIELDS": "status:int,expected_response:bool,method",
           "K6_INFLUXDB_USERNAME": "env-user", "K6_INFLUXDB_PASSWORD": "env-pass",
           "K6_INFLUXDB_PUSH_INTERVAL": "200ms"}
    # a path prefix before the database; the URL's precision wins
    r = c6("outputs/get.js", "-i", "10", "-e", "PAUSE=0.1", "-o",
           f"influxdb={influx.url}/proxy/influx/db2?precision=ms&retention=short", env=env)
    assert r.code == 0, r
    ws = influx.writes()
    assert len(ws) >= 3, f"pushInterval 200ms over ~1s gave {len(ws)} writes"
    path, query, headers, _ = ws[0]
    assert path == "/proxy/influx/write" and query == {"db": "db2", "precision": "ms", "rp": "short"}, ws[0][:2]
    assert headers["Authorization"] == "Basic " + base64.b64encode(b"env-user:env-pass").decode()
    reqs = [p for p in influx.points() if p[0] == "http_reqs"]
    assert len(reqs) == 10
    _, tags, fields, ts = reqs[0]
    assert fields["status"] == 200 and fields["expected_response"] is True and fields["method"] == "GET", reqs[0]
    assert "status" not in tags and "url" in tags, tags
    assert abs(ts - time.time() * 1000) < 120_000, ts   # milliseconds now


def test_influxdb_user_in_url(c6, influx):
    r = c6("outputs/get.js", "-i", "2", "-o", f"influxdb=http://me:s%40cret@{influx.url[7:]}/x")
    assert r.code == 0, r
    assert influx.writes()[0][2]["Authorization"] == "Basic " + base64.b64encode(b"me:s@cret").decode()
    # the banner shows k6's description, the address alone (no user, no password)
    # k6: internal/output/influxdb/output.go, Description(): "InfluxDBv1 (<addr>)"
    assert "cret" not in r.out and f"output: InfluxDBv1 ({influx.url})\n" in r.out, r.out[:800]


def _free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_influxdb_server_down_warns_and_run_succeeds(c6):
    r = c6("outputs/get.js", "-i", "5", "-o", f"influxdb=http://127.0.0.1:{_free_port()}/k6")
    assert r.code == 0 and r.count("http_reqs") == 5, r
    warns = [w["msg"] for w in r.logs(level="warning") if "influxdb output" in w["msg"]]
    assert any("cannot send" in w for w in warns), r
    assert any(re.search(r"\d+ of \d+ points were not written", w) for w in warns), r


def test_influxdb_error_status_is_a_warning(c6):
    f = FakeInflux(status=500)
    try:
        r = c6("outputs/get.js", "-i", "3", "-o", f"influxdb={f.url}/k6")
    finally:
        f.close()
    assert r.code == 0, r
    assert any("answered 500" in w["msg"] and "no" in w["msg"] for w in r.logs(level="warning")), r


def test_influxdb_over_memory_budget_drops_and_counts(c6, influx):
    r = c6("outputs/get.js", "-i", "5", "-o", f"influxdb={influx.url}/k6", env={"C6_OUTPUT_BUDGET": "10"})
    assert r.code == 0, r
    assert not influx.writes()
    warns = " ".join(w["msg"] for w in r.logs(level="warning"))
    assert "memory budget" in warns and re.search(r"(\d+) of \1 points were not written \(\1 over the memory budget", warns), r


def test_influxdb_slow_server_does_not_hold_the_run(c6):
    """Writes take 1.5 s each, one at a time, batches every 100 ms: the
    test runs its course, and at the end the queue gets a bounded grace
    (C6_OUTPUT_GRACE_MS) before what is left is counted and given up."""
    f = FakeInflux(delay=1.5)
    env = {"K6_INFLUXDB_PUSH_INTERVAL": "100ms", "K6_INFLUXDB_CONCURRENT_WRITES": "1", "C6_OUTPUT_GRACE_MS": "1000"}
    try:
        r = c6("outputs/get.js", "-d", "1s", "-e", "PAUSE=0.01", "-o", f"influxdb={f.url}/k6", env=env)
    finally:
        f.close()
    assert r.code == 0 and r.count("http_reqs") > 20, r
    assert r.elapsed < 6, r.elapsed
    warns = " ".join(w["msg"] for w in r.logs(level="warning"))
    assert re.search(r"\d+ points were still queued when the end-of-test grace period ran out", warns), r


@pytest.mark.parametrize("arg,why", [
    ("ftp://127.0.0.1/k6", "unsupported scheme"),
    ("udp://127.0.0.1:8089", "udp:// is not supported"),
    ("not a url", "is not a URL"),
    ("ws://127.0.0.1/k6", "unsupported scheme"),
    # Go's url.Parse reasons, from c6's one URL splitter (util/url.c)
    ("http://[::1/k6", "missing ']' in host"),
    ("http://127.0.0.1:99999/k6", "invalid port"),
    ("http://127.0.0.1:1/k6?bogus=1", "unknown query parameter: bogus"),
    ("http://127.0.0.1:1/k6?precision=week", "unknown precision"),
])
def test_influxdb_bad_argument_exits_255(c6, arg, why):
    # k6: createOutputs returns "could not create the 'influxdb' output: ..."
    # without an exit code of its own, so k6 exits 255 (internal/cmd/outputs.go, root.go)
    r = c6("outputs/get.js", "-i", "1", "-o", f"influxdb={arg}")
    assert r.code == 255 and "could not create the 'influxdb' output: " in r.err and why in r.err, r


def test_influxdb_bad_env_exits_255(c6):
    r = c6("outputs/get.js", "-i", "1", "-o", "influxdb=http://127.0.0.1:1/k6",
           env={"K6_INFLUXDB_TAGS_AS_FIELDS": "vu:integer"})
    assert r.code == 255 and "K6_INFLUXDB_TAGS_AS_FIELDS" in r.err and "invalid type (integer)" in r.err, r
