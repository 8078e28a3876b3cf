"""The web dashboard (K6_WEB_DASHBOARD / -o web-dashboard): the page, the
Server-Sent Events stream, the exported HTML report and its errors."""
import json
import os
import re
import selectors
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from conftest import script_path

SCRIPT = """
import http from 'k6/http';
import { check, sleep } from 'k6';
export const options = {
  vus: 2, duration: '3s',
  thresholds: { http_req_duration: ['p(95)<5000'], checks: ['rate>0.5'] },
};
export default function () {
  const r = http.get(`${__ENV.TARGET}/`);
  check(r, { 'status is 200': (x) => x.status === 200 });
  sleep(0.1);
}
"""


def _env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("K6_")}
    env["K6_ADDRESS"] = "127.0.0.1:0"
    env.update(extra)
    return env


def _read_url(proc, timeout=15):
    """Reads c6's stdout until the banner's "web dashboard: URL" line."""
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    seen, deadline = "", time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if sel.select(timeout=0.2):
                chunk = os.read(proc.stdout.fileno(), 4096).decode("utf-8", "replace")
                seen += chunk
                m = re.search(r"web dashboard: (http://\S+)\n", seen)
                if m:
                    return m.group(1), seen
    finally:
        sel.close()
    return None, seen


def _status(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def _sse_events(url, timeout=20):
    """[(event, data)] from /events until the stream ends (after "end")."""
    events, name, data = [], None, []
    with urllib.request.urlopen(url + "/events", timeout=timeout) as r:
        assert r.headers["Content-Type"].startswith("text/event-stream")
        for raw in r:
            line = raw.decode("utf-8").rstrip("\n")
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                data.append(line[6:])
            elif line == "" and name:
                events.append((name, json.loads("\n".join(data))))
                name, data = None, []
    return events


def test_live_page_events_and_exported_report(c6_bin, target, tmp_path):
    script = tmp_path / "dash.js"
    script.write_text(SCRIPT)
    report = tmp_path / "report.html"
    env = _env(K6_WEB_DASHBOARD="true", K6_WEB_DASHBOARD_HOST="127.0.0.1", K6_WEB_DASHBOARD_PORT="0",
               K6_WEB_DASHBOARD_PERIOD="1s", K6_WEB_DASHBOARD_EXPORT=str(report))
    proc = subprocess.Popen([c6_bin, "run", "-e", f"TARGET={target}", str(script)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env, cwd=str(tmp_path))
    try:
        url, seen = _read_url(proc)
        assert url and not url.endswith(":0"), seen
        with urllib.request.urlopen(url + "/", timeout=10) as r:
            page = r.read().decode("utf-8")
            assert r.headers["Content-Type"].startswith("text/html")
        assert "c6 web dashboard" in page and "EventSource" in page and "C6_EVENTS" in page
        assert _status(url + "/nope") == 404
        events = _sse_events(url)   # read while the run goes on; ends after "end"
    finally:
        try:
            out, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
    assert proc.returncode == 0, err.decode()
    names = [n for n, _ in events]
    assert names[0] == "config" and names[-1] == "end", names
    assert events[0][1]["scenarios"] == ["default"] and events[0][1]["period"] == 1
    snaps = [d for n, d in events if n == "snapshot"]
    assert len(snaps) >= 3, names
    ts = [s["t"] for s in snaps]
    assert ts == sorted(ts) and len(set(ts)) == len(ts), ts
    # a first point at the start, not one period later (issue 16: the
    # charts were empty for a whole period), then one per period
    assert ts[0] < 0.5 and ts[1] >= 0.9 and ts[-1] < 6, ts
    reqs = [s["http_reqs"] for s in snaps]
    assert reqs == sorted(reqs) and reqs[1] > 0, reqs
    # each period's rate is that period's count over its length
    assert abs(snaps[1]["http_req_rate"] * (ts[1] - ts[0]) - (reqs[1] - reqs[0])) < 0.01
    assert snaps[-1]["vus_max"] == 2 and snaps[1]["scenario_vus"]["default"] == 2
    assert snaps[-1]["checks"] == 1 and snaps[-1]["http_req_failed_total"] == 0
    assert 0 < snaps[-1]["http_req_duration"]["p95"] < 5000
    end = events[-1][1]
    metrics = {m["name"]: m for m in end["metrics"]}
    total = metrics["http_reqs"]["values"]["count"]
    assert total == reqs[-1], (total, reqs)
    assert {(t["metric"], t["source"], t["ok"]) for t in end["thresholds"]} == {
        ("http_req_duration", "p(95)<5000", True), ("checks", "rate>0.5", True)}
    assert end["checks"] == [{"name": "status is 200", "group": "", "passes": total, "fails": 0}]
    # the summary counts the same requests
    m = re.search(r"http_reqs\.*: (\d+)", out.decode())
    assert m and int(m.group(1)) == total

    html = report.read_text()
    assert html.startswith("<!DOCTYPE html>") and "c6 web dashboard" in html
    m = re.search(r"window\.C6_EVENTS=(\[.*?\]);</script>", html, re.S)
    assert m, html[:500]
    inline = json.loads(m.group(1))
    assert [e["event"] for e in inline] == names
    assert inline[-1]["data"] == end


def test_no_server_with_port_minus_one_still_exports(c6, tmp_path):
    report = tmp_path / "r.html"
    r = c6("basic_get.js", "-i", "2", "-o", f"web-dashboard=port=-1&export={report}")
    assert r.code == 0, r.err
    # k6 prints the line with the dashboard output's description minus its
    # name: nothing without a server (internal/cmd/ui.go, xk6-dashboard's
    # Description() returns the bare name when port < 0)
    assert "\n web dashboard:\n" in r.out and "output: -\n" in r.out, r.out
    html = report.read_text()
    assert '"event":"end"' in html and '"name":"http_reqs"' in html


def test_busy_port_is_a_clear_error(c6, tmp_path):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    port = s.getsockname()[1]
    try:
        r = c6("basic_get.js", "-i", "1", env={"K6_WEB_DASHBOARD": "true", "K6_WEB_DASHBOARD_HOST": "127.0.0.1",
                                             "K6_WEB_DASHBOARD_PORT": str(port)})
    finally:
        s.close()
    assert r.code == 255, (r.code, r.err)
    assert f"web dashboard: listen tcp 127.0.0.1:{port}: bind: address already in use" in r.err
    assert "http_reqs" not in r.out   # the test did not run


def test_bad_settings_name_the_variable(c6):
    r = c6("basic_get.js", "-i", "1", env={"K6_WEB_DASHBOARD": "true", "K6_WEB_DASHBOARD_PERIOD": "soon"})
    assert r.code == 104 and "K6_WEB_DASHBOARD_PERIOD" in r.err, (r.code, r.err)
    r = c6("basic_get.js", "-i", "1", "-o", "web-dashboard=port=99999")
    assert r.code == 104 and "port" in r.err and "99999" in r.err, (r.code, r.err)
    r = c6("basic_get.js", "-i", "1", env={"K6_WEB_DASHBOARD": "maybe"})
    assert r.code == 104 and "K6_WEB_DASHBOARD" in r.err, (r.code, r.err)


@pytest.mark.skipif(not shutil.which("node"), reason="needs node to run the page's script")
def test_report_page_draws_charts_and_summary(c6, tmp_path):
    """The report's own script, run with a stand-in DOM, draws the charts
    and the summary tables from the inlined events."""
    report = tmp_path / "r.html"
    script = tmp_path / "checks.js"
    script.write_text(SCRIPT.replace("vus: 2, duration: '3s'", "iterations: 6"))
    r = c6(str(script), "-o", f"web-dashboard=port=-1&export={report}")
    assert r.code == 0, r.err
    p = subprocess.run(["node", script_path("dashboard_dom.js"), str(report)], capture_output=True, text=True,
                       timeout=30)
    assert p.returncode == 0, p.stderr
    drawn = json.loads(p.stdout)
    assert drawn["state"].startswith("finished in") and drawn["summaryShown"], drawn
    assert drawn["charts"] == 6 and drawn["lines"] >= 5, drawn  # 6: the distribution too
    assert "requests 6" in drawn["cards"], drawn["cards"]
    assert "✓ pass http_req_duration p(95)<5000" in drawn["thresholds"], drawn["thresholds"]
    assert "status is 200" in drawn["checks"] and "http_reqs counter count=6" in drawn["metrics"], drawn
