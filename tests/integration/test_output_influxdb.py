"""-o influxdb=URL against the real InfluxDB 1.6 (Debian's influxdb, one
private influxd for the module, realservers.py): what it stores equals what
the summary counts, with k6's tags and field types; an outage in the middle
of a run; a partial write; a database name with a slash. A fake InfluxDB v1
(http.server on 127.0.0.1:0) is kept only for what the real server cannot
be made to do: show the raw requests (URL, headers), answer 500, answer
slowly, never answer."""
import base64
import calendar
import http.server
import re
import socket
import threading
import time
import urllib.parse

import pytest
from realservers import Influxd


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
                try:
                    self.send_response(code)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the client gave up waiting (the timeout cases)

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


@pytest.fixture(scope="module")
def influxd(tmp_path_factory):
    d = Influxd(tmp_path_factory.mktemp("influxd")).start()
    yield d
    d.stop()


def _written_line(r):
    """(not written, of all) from the closing 'X of Y points were not written' warning, or None."""
    for w in r.logs(level="warning"):
        m = re.search(r"influxdb output: (\d+) of (\d+) points were not written", w["msg"])
        if m:
            return int(m.group(1)), int(m.group(2))
    return None


def _unconfirmed(r):
    for w in r.logs(level="warning"):
        m = re.search(r"influxdb output: (\d+) of (\d+) points were sent but not confirmed", w["msg"])
        if m:
            return int(m.group(1))
    return 0


def test_real_influxdb_stores_what_the_summary_counts(c6, influxd, target):
    """One point per sample (k6: internal/output/influxdb/output.go,
    batchFromSamples), measurement = metric name, the sample's tags as
    tags, `value` a float field, tagsAsFields as typed fields (util.go,
    MakeFieldKinds: string, int, float, bool), time in ns; the database
    created at start (output.go, Start)."""
    env = {"K6_INFLUXDB_TAGS_AS_FIELDS": "url,status:int,expected_response:bool"}
    t0 = time.time_ns()
    r = c6("outputs/get.js", "-i", "25", "-o", f"influxdb={influxd.url}/k6types", env=env)
    t1 = time.time_ns()
    assert r.code == 0 and r.has_summary() and _written_line(r) is None, r
    stored = influxd.counts("k6types")
    assert stored["http_reqs"] == 25 == r.count("http_reqs"), (stored, r)
    assert stored["iterations"] == 25 == r.count("iterations")
    assert stored["http_req_duration"] == 25 and stored["checks"] == 25 and stored["iteration_duration"] == 25
    assert stored["data_sent"] == stored["data_received"] == 25, stored
    types = {k: t for s in influxd.query("k6types", 'SHOW FIELD KEYS FROM "http_reqs"') for k, t in s["values"]}
    assert types == {"value": "float", "url": "string", "status": "integer", "expected_response": "boolean"}, types
    tags = {k for s in influxd.query("k6types", 'SHOW TAG KEYS FROM "http_reqs"') for (k,) in s["values"]}
    # k6's default system tags with a value on a plain-HTTP request, less the fields
    assert tags == {"method", "name", "proto", "scenario"}, tags
    rows = influxd.query("k6types", 'SELECT * FROM "http_reqs"')[0]
    col = {c: i for i, c in enumerate(rows["columns"])}
    first = rows["values"][0]
    assert first[col["url"]] == f"{target}/get" and first[col["status"]] == 200, rows
    assert first[col["expected_response"]] is True and first[col["value"]] == 1 and first[col["method"]] == "GET"
    # stamps: ns within the run (the query answers RFC 3339 with ns)
    stamps = [p[0] for p in influxd.query("k6types", 'SELECT value FROM "http_reqs"')[0]["values"]]
    ns = [_rfc3339_ns(x) for x in stamps]
    assert len(set(ns)) == 25 and t0 <= min(ns) and max(ns) <= t1, (t0, ns[:3], t1)


def _rfc3339_ns(s):
    """'2026-12-06T20:00:00.123456789Z' -> ns since the epoch."""
    m = re.match(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$", s)
    assert m, s
    sec = calendar.timegm(time.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S"))
    return sec * 1_000_000_000 + int((m.group(2) or "0").ljust(9, "0"))


def test_real_influxdb_outage_mid_run(c6, influxd):
    """influxd stops 1.5 s into a 7 s run and comes back 2 s later. The
    batches sent meanwhile fail (connection refused) and are counted; the
    run's result does not change; the closing warning's numbers are true:
    what the server holds is every point c6 counted but those it says were
    not written (and at most those it could not confirm). k6 logs each
    failed batch ("Couldn't write stats", output.go flushMetrics) and goes
    on; c6 also counts."""
    env = {"K6_INFLUXDB_PUSH_INTERVAL": "200ms"}
    outage = {}

    def bounce():
        time.sleep(1.5)
        outage["down"] = time.time_ns()
        influxd.stop()
        time.sleep(2)
        influxd.start()
        outage["up"] = time.time_ns()

    t = threading.Thread(target=bounce)
    t.start()
    try:
        r = c6("outputs/get.js", "-d", "7s", "-e", "PAUSE=0.05", "-o", f"influxdb={influxd.url}/k6outage",
               env=env, timeout=90)
    finally:
        t.join(timeout=90)
    assert r.code == 0 and r.has_summary(), r
    assert "up" in outage, "influxd did not come back"
    warns = " ".join(w["msg"] for w in r.logs(level="warning"))
    assert "influxdb output: cannot send to " in warns and "Callback aborted" not in warns, r
    lost, total = _written_line(r)
    unconfirmed = _unconfirmed(r)
    stored = influxd.counts("k6outage")
    assert lost > 0 and total - lost - unconfirmed <= sum(stored.values()) <= total - lost, (lost, total, stored, r)
    assert stored["http_reqs"] < r.count("http_reqs"), (stored, r)
    after = influxd.query("k6outage", f'SELECT count(value) FROM "http_reqs" WHERE time > {outage["up"]}')
    assert after and after[0]["values"][0][1] > 10, (after, outage)     # writing again once it was back


def test_real_influxdb_partial_write_counts_what_was_dropped(c6, influxd):
    """A batch part of which InfluxDB cannot store (here a field type
    conflict: `value` of http_reqs already an integer) gets 400 "partial
    write: ... dropped=N" and the rest of the batch is stored
    (influxdb 1.6: tsdb.PartialWriteError). Only the N points count as not
    written; c6 counted the whole batch."""
    assert influxd.post("/query", "q=CREATE+DATABASE+k6partial")[0] == 200
    # now: field types are kept per shard (a week of time in 1.6)
    assert influxd.post("/write?db=k6partial", f"http_reqs value=1i {time.time_ns() - 10**9}\n")[0] == 204
    r = c6("outputs/get.js", "-i", "5", "-o", f"influxdb={influxd.url}/k6partial")
    assert r.code == 0, r
    warns = " ".join(w["msg"] for w in r.logs(level="warning"))
    assert "partial write: field type conflict" in warns, r
    stored = influxd.counts("k6partial")
    lost, total = _written_line(r)
    assert lost == 5 == r.count("http_reqs"), (lost, r)
    assert stored["http_reqs"] == 1 and stored["iterations"] == 5 and stored["http_req_duration"] == 5, stored
    assert sum(stored.values()) - 1 == total - lost, (stored, total, lost)
    m = re.search(r"5 of \d+ points were not written \(0 over the memory budget, 0 in 0 failed requests, "
                  r"5 refused by the server in (\d+) partial writes\)", warns)
    assert m and int(m.group(1)) >= 1, warns


def test_real_influxdb_database_name_with_a_slash(c6, influxd):
    """k6 takes the URL's whole path but its first '/' as the database
    (internal/output/influxdb/config.go, ParseURL: TrimPrefix(u.Path, "/"),
    Addr = scheme://host): `/a/b` is the database "a/b", written to
    /write?db=a%2Fb, not a prefix "/a" and a database "b". It sends
    `CREATE DATABASE a/b` bare (output.go, Start), which InfluxQL refuses
    (harmless, a debug line), and InfluxDB 1.x has no such database (it
    refuses the name): the writes get its 404, as with k6."""
    r = c6("outputs/get.js", "-i", "2", "-o", f"influxdb={influxd.url}/a/b")
    assert r.code == 0, r
    assert f"output: InfluxDBv1 ({influxd.url})\n" in r.out, r.out[:800]
    warns = " ".join(w["msg"] for w in r.logs(level="warning"))
    assert f"{influxd.url}/write?db=a%2Fb&precision=ns answered 404" in warns, r
    assert 'database not found: \\"a/b\\"' in warns, r
    dbs = {n for s in influxd.query("", "SHOW DATABASES") for (n,) in s["values"]}
    assert not dbs & {"a", "b", "a/b"}, dbs


def test_influxdb_settings_from_env_and_url(c6, influx):
    env = {"K6_INFLUXDB_TAGS_AS_FIELDS": "status:int,expected_response:bool,method",
           "K6_INFLUXDB_USERNAME": "env-user", "K6_INFLUXDB_PASSWORD": "env-pass",
           "K6_INFLUXDB_PUSH_INTERVAL": "200ms"}
    # the whole path is the database, slashes and all, as k6's ParseURL
    # has it (config.go: TrimPrefix(u.Path, "/")); the URL's precision wins
    r = c6("outputs/get.js", "-i", "10", "-e", "PAUSE=0.1", "-o",
           f"influxdb={influx.url}/proxy/influx/db2?precision=ms&retention=short", env=env)
    assert r.code == 0, r
    ws = influx.writes()
    assert len(ws) >= 3, f"pushInterval 200ms over ~1s gave {len(ws)} writes"
    path, query, headers, _ = ws[0]
    assert path == "/write" and query == {"db": "proxy/influx/db2", "precision": "ms", "rp": "short"}, ws[0][:2]
    # CREATE DATABASE with the name bare, as k6 (output.go, Start)
    q = [x for x in influx.requests if x[0] == "/query"]
    assert q and urllib.parse.parse_qs(q[0][3])["q"] == ["CREATE DATABASE proxy/influx/db2"], q
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
    # the request in flight when the grace ran out had its whole body sent:
    # not confirmed (the server may have it), in words, not libcurl's
    # "Callback aborted"
    assert "Callback aborted" not in warns and "the end-of-test grace period ran out before an answer from" in warns
    assert re.search(r"\d+ of \d+ points were sent but not confirmed \(1 requests got no answer\)", warns), r


def test_influxdb_timeout_is_not_confirmed(c6):
    """A write the server took but did not answer in time may have been
    stored: its points are "not confirmed", not "not written" (c6's own
    per-request timeout, 10 s, C6_OUTPUT_TIMEOUT_MS here; k6's InfluxDB
    client has none and waits)."""
    f = FakeInflux(delay=2)
    env = {"C6_OUTPUT_TIMEOUT_MS": "400"}
    try:
        r = c6("outputs/get.js", "-i", "3", "-o", f"influxdb={f.url}/k6", env=env)
    finally:
        f.close()
    assert r.code == 0, r
    warns = " ".join(w["msg"] for w in r.logs(level="warning"))
    assert f"{f.url}/write?db=k6&precision=ns did not answer within 400 ms" in warns, r
    assert re.search(r"influxdb output: (\d+) of \1 points were sent but not confirmed \(1 requests got no answer\): "
                     r"the server may or may not have stored them", warns), r
    assert not re.search(r"\d+ of \d+ points were not written", warns) and "timed out" not in warns, r


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
