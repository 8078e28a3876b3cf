"""The real servers k6 users send results to, from Debian's packages
(scripts/bootstrap.sh's test group installs them): influxd (InfluxDB 1.6)
and prometheus (2.42, with its remote-write receiver). Each runs as a
private process on 127.0.0.1 ports of its own with its data in a pytest
temp directory; stop() ends it (the fixtures call it), restart() stops it
and starts it again on the same port and data (an outage in the middle of a
run). A missing package fails the test with what to install, it is never
skipped."""
import json
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _exe(name, package):
    exe = shutil.which(name)
    if not exe:
        pytest.fail(f"{name} is not installed: scripts/bootstrap.sh test installs Debian's {package} package")
    return exe


class _Server:
    """A child process with a readiness URL; subclasses set self.argv,
    self.ready_url and self.logpath before start()."""

    proc = None

    def start(self, timeout=60):
        self.log = open(self.logpath, "ab")
        self.proc = subprocess.Popen(self.argv, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                with urllib.request.urlopen(self.ready_url, timeout=2) as r:
                    if r.status in (200, 204):
                        return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        pytest.fail(f"{self.argv[0]} did not start: {self.logpath.read_text(errors='replace')[-3000:]}")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if self.proc:
            self.log.close()
            self.proc = None

    def restart(self):
        self.stop()
        return self.start()


class Influxd(_Server):
    """url (http://127.0.0.1:PORT); query(db, q) -> the first result's
    series, as InfluxQL answers it over /query."""

    def __init__(self, base):
        exe = _exe("influxd", "influxdb")
        http_port, rpc_port = free_port(), free_port()
        # no usage reporting, everything on 127.0.0.1 ports of our own, no
        # _internal monitor database, no other listener (graphite, udp, ifql
        # and the rest are off by default in 1.6; it has no admin UI)
        (base / "influxdb.conf").write_text(f"""reporting-disabled = true
bind-address = "127.0.0.1:{rpc_port}"
[meta]
  dir = "{base}/meta"
[data]
  dir = "{base}/data"
  wal-dir = "{base}/wal"
  query-log-enabled = false
[monitor]
  store-enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:{http_port}"
  log-enabled = false
  pprof-enabled = false
[ifql]
  enabled = false
[logging]
  level = "warn"
  suppress-logo = true
""")
        self.argv = [exe, "-config", str(base / "influxdb.conf")]
        self.logpath = base / "influxd.log"
        self.url = f"http://127.0.0.1:{http_port}"
        self.ready_url = self.url + "/ping"

    def query(self, db, q):
        u = f"{self.url}/query?" + urllib.parse.urlencode({"db": db, "q": q})
        with urllib.request.urlopen(u, timeout=30) as r:
            res = json.loads(r.read())["results"][0]
        assert "error" not in res, res
        return res.get("series", [])

    def count(self, db, measurement, where=""):
        s = self.query(db, f'SELECT count(value) FROM "{measurement}" {where}')
        return s[0]["values"][0][1] if s else 0

    def counts(self, db):
        """{measurement: points stored} over the whole database."""
        return {s["name"]: s["values"][0][1] for s in self.query(db, "SELECT count(value) FROM /.*/")}

    def post(self, path, body):
        """POSTs body (str) to path; returns (status, reply text)."""
        req = urllib.request.Request(self.url + path, data=body.encode(), method="POST")
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()


class Prometheus(_Server):
    """write_url (its remote-write receiver); query(promql, at) -> the
    instant vector as [(labels, value)]."""

    def __init__(self, base):
        exe = _exe("prometheus", "prometheus")
        port = free_port()
        # no scrape targets: all it stores comes from remote write
        (base / "prometheus.yml").write_text("global:\n  scrape_interval: 1h\nscrape_configs: []\n")
        self.argv = [exe, f"--config.file={base / 'prometheus.yml'}", f"--storage.tsdb.path={base / 'data'}",
                     f"--web.listen-address=127.0.0.1:{port}", "--web.enable-remote-write-receiver",
                     "--log.level=warn"]
        self.logpath = base / "prometheus.log"
        self.url = f"http://127.0.0.1:{port}"
        self.write_url = self.url + "/api/v1/write"
        self.ready_url = self.url + "/-/ready"

    def api(self, path, **params):
        with urllib.request.urlopen(f"{self.url}{path}?" + urllib.parse.urlencode(params), timeout=30) as r:
            res = json.loads(r.read())
        assert res["status"] == "success", res
        return res["data"]

    def query(self, promql, at=None):
        params = {"query": promql}
        if at is not None:
            params["time"] = f"{at:.3f}"
        d = self.api("/api/v1/query", **params)
        assert d["resultType"] == "vector", d
        return [(x["metric"], float(x["value"][1])) for x in d["result"]]

    def samples(self, selector, at, window="1h"):
        """[(labels, [(t, value)])]: the raw samples of selector stored in
        the window up to `at` (a range selector answers them as stored)."""
        d = self.api("/api/v1/query", query=f"{selector}[{window}]", time=f"{at:.3f}")
        assert d["resultType"] == "matrix", d
        return [(x["metric"], [(float(t), float(v)) for t, v in x["values"]]) for x in d["result"]]
