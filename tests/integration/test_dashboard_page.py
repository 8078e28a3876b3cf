"""The web dashboard's page and its exported report in a real headless
browser (Debian's chromium, driven by tests/integration/chromium.py):
the live page draws its charts from the start with axis labels that fit
their box (requests of ~150 ms: c6-target's /delay route), lines that stay
visible when equal, the per-request table that the end-of-test summary
agrees with, live thresholds and checks, and pause/resume/scale controls
that change the run through the REST API (issue 16, "Reports and
dashboard"). Every c6 and chromium process is killed by the fixtures."""
import json
import os
import re
import socket
import subprocess
import time
import urllib.request

import pytest

from chromium import Chromium, chromium_path
from test_dashboard import _env, _read_url

pytestmark = pytest.mark.skipif(not chromium_path(), reason="needs chromium (scripts/bootstrap.sh test)")

# two names over ~150 ms, one failing; the thresholds make the summary
# export list the per-name sub-metrics the page's table must agree with
REPORT_SCRIPT = """
import http from 'k6/http';
import { check } from 'k6';
export const options = {
  vus: 2, iterations: 30,
  thresholds: {
    'http_req_duration{name:slow}': ['max>=0'], 'http_reqs{name:slow}': ['count>=0'],
    'http_req_failed{name:slow}': ['rate>=0'], 'http_req_duration{name:bad}': ['max>=0'],
    'http_reqs{name:bad}': ['count>=0'], 'http_req_failed{name:bad}': ['rate>=0'],
    checks: ['rate>0'],
  },
};
export default function () {
  const r = http.get(`${__ENV.TARGET}/delay/150`, { tags: { name: 'slow' } });
  check(r, { 'slow is 200': (x) => x.status === 200 });
  http.get(`${__ENV.TARGET}/status/500`, { tags: { name: 'bad' } });
}
"""

# an externally-controlled scenario: what `c6 scale` (and the page) can change
LIVE_SCRIPT = """
import http from 'k6/http';
import { check, sleep } from 'k6';
export const options = {
  scenarios: { ext: { executor: 'externally-controlled', vus: 2, maxVUs: 5, duration: '40s' } },
  thresholds: { http_req_duration: ['p(95)<10000'] },
};
export default function () {
  const r = http.get(`${__ENV.TARGET}/delay/150`, { tags: { name: 'slow' } });
  check(r, { 'is 200': (x) => x.status === 200 });
  sleep(0.05);
}
"""

# Every y-axis label of every chart: its box starts inside the SVG (not cut
# off on the left) and ends left of the plot area (the axis width the chart
# measured, else the first grid line's start).
AXIS_JS = """(() => {
  const out = [];
  for (const g of document.querySelectorAll('#charts svg[role=img]')) {
    const grid = g.querySelector('line.grid');
    if (!grid) continue;
    const left = parseFloat(grid.getAttribute('x1'));
    for (const t of g.querySelectorAll('text')) {
      if (t.getAttribute('text-anchor') !== 'end' || !t.textContent || !(parseFloat(t.getAttribute('x')) < left))
        continue;   /* (the time axis's last label) */
      const b = t.getBBox();
      out.push({chart: g.getAttribute('aria-label'), text: t.textContent, x: b.x, right: b.x + b.width, left});
    }
  }
  return out;
})()"""


def _ms(v):
    """The page's ms() for a table cell."""
    if v >= 60000:
        return f"{v / 60000:.1f}m"
    if v >= 1000:
        return f"{v / 1000:.2f}s"
    if v >= 1:
        return f"{v:.2f}ms"
    return f"{v * 1000:.0f}µs"


def _check_axes(c, sid):
    labels = c.eval(sid, AXIS_JS)
    assert labels, "no axis labels"
    bad = [lab for lab in labels if lab["x"] < 0 or lab["right"] > lab["left"] + 0.5]
    assert not bad, bad
    return labels


def _free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.fixture(scope="module")
def browser():
    c = Chromium(timeout=60)
    yield c
    c.close()


@pytest.fixture
def report_run(c6_bin, target, tmp_path):
    """A short run exporting the report and the summary (module's script)."""
    script = tmp_path / "report.js"
    script.write_text(REPORT_SCRIPT)
    report = tmp_path / "report.html"
    p = subprocess.run([c6_bin, "run", "-q", "-e", f"TARGET={target}", "--summary-export", "summary.json",
                        "--summary-trend-stats", "avg,min,med,max,p(90),p(95),p(99)", str(script)],
                       capture_output=True, text=True, timeout=60, cwd=str(tmp_path),
                       env=_env(K6_WEB_DASHBOARD="true", K6_WEB_DASHBOARD_PORT="-1",
                                K6_WEB_DASHBOARD_PERIOD="1s", K6_WEB_DASHBOARD_EXPORT=str(report)))
    assert p.returncode == 0, p.stderr
    return report, json.loads((tmp_path / "summary.json").read_text())


def test_report_tables_match_summary_axes_fit_no_errors(browser, report_run):
    c = browser
    report, summary = report_run
    m = summary["metrics"]
    c.errors.clear()
    sid = c.open("file://" + str(report))
    c.wait(sid, "document.getElementById('state').textContent.startsWith('finished')", "the report drawn")

    # a report has no controls (no run to control)
    assert c.eval(sid, "getComputedStyle(document.getElementById('controls')).display") == "none"
    # the per-request table: one row per name tag, its numbers the summary's
    # (k6 summary export: http_reqs{name:X} count/rate, the trend's stats)
    rows = c.eval(sid, "[...document.querySelectorAll('#requests tr')].slice(1)"
                       ".map(r => [...r.children].map(td => td.textContent))")
    by = {r[0]: r for r in rows}
    assert set(by) == {"slow", "bad"}, rows
    for name in ("slow", "bad"):
        dur, reqs, failed = (m[f"http_req_duration{{name:{name}}}"], m[f"http_reqs{{name:{name}}}"],
                             m[f"http_req_failed{{name:{name}}}"])
        row = by[name]
        assert int(row[1]) == reqs["count"] == 30, (row, reqs)
        assert int(row[2]) == failed["passes"], (row, failed)   # http_req_failed's "passes" are failures
        assert row[4:9] == [_ms(dur["avg"]), _ms(dur["p(90)"]), _ms(dur["p(95)"]), _ms(dur["p(99)"]),
                            _ms(dur["max"])], (row, dur)
    assert int(by["bad"][2]) == 30 and int(by["slow"][2]) == 0
    # and the raw numbers of the last snapshot, not only their formatting
    snap = c.eval(sid, "window.C6_EVENTS.filter(e => e.event === 'snapshot').pop().data")
    for r in snap["requests"]:
        dur, reqs = m[f"http_req_duration{{name:{r['name']}}}"], m[f"http_reqs{{name:{r['name']}}}"]
        for k, sk in (("avg", "avg"), ("p90", "p(90)"), ("p95", "p(95)"), ("p99", "p(99)"), ("max", "max")):
            assert r[k] == pytest.approx(dur[sk], rel=1e-9), (k, r, dur)
        assert r["rate"] == pytest.approx(reqs["rate"], rel=1e-6), (r, reqs)
    # the "request rate" tile is the summary's http_reqs rate (count over
    # the duration), as the metrics table shows it; it was the last period's
    assert snap["http_reqs"] / snap["t"] == pytest.approx(m["http_reqs"]["rate"], rel=1e-6)
    tile = c.eval(sid, "[...document.querySelectorAll('.card')].find(d => d.firstChild.textContent === "
                       "'request rate').lastChild.textContent")
    table = c.eval(sid, "[...document.querySelectorAll('#metrics tr')].find(r => r.firstChild.textContent === "
                        "'http_reqs').lastChild.textContent")
    assert re.search(r"rate=(\S+)/s", table).group(1) + "/s" == tile, (tile, table)
    # per scenario: the default one, its iterations and requests
    scen = c.eval(sid, "[...document.querySelectorAll('#scenarios tr')].slice(1)"
                       ".map(r => [...r.children].map(td => td.textContent))")
    assert scen == [["default", "30", "60", "30"] + scen[0][4:]], scen

    # the response-time distribution: bars, as many requests as the run's
    bars = c.eval(sid, "[...document.querySelectorAll('rect.bar')].map(b => b.querySelector('title').textContent)")
    counts = sum(int(re.search(r": (\d+) ", b).group(1)) for b in bars)
    assert bars and counts == m["http_reqs"]["count"], bars

    # axes: the duration chart reaches past 100 ms and its labels fit
    labels = _check_axes(c, sid)
    dur_labels = [lab["text"] for lab in labels if lab["chart"].startswith("Request duration")]
    assert any(re.fullmatch(r"[1-9]\d\dms|[\d.]+s", t) for t in dur_labels), dur_labels
    # equal lines stay visible: each series of a chart has its own width
    widths = c.eval(sid, "[...document.querySelectorAll('#charts svg[role=img]')].map(g => "
                         "[...g.querySelectorAll('polyline')].map(p => p.getAttribute('stroke-width')))")
    for ws in widths:
        assert len(set(ws)) == len(ws), widths
    assert max(len(ws) for ws in widths) >= 4, widths  # the duration chart: avg, p90, p95, p99
    # the per-period percentiles are the period's: the duration chart's first
    # point (the start) has no requests yet, so no percentiles
    first = c.eval(sid, "window.C6_EVENTS.filter(e => e.event === 'snapshot')[0].data")
    assert first["t"] < 0.5 and first["http_req_duration"]["p95"] is None, first
    assert c.errors == [], c.errors


def _api(port, method="GET", attrs=None):
    body = json.dumps({"data": {"type": "status", "id": "default", "attributes": attrs}}).encode() if attrs else None
    req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/status", data=body, method=method)
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r)["data"]["attributes"]


def _iterations(port):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/metrics/iterations")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.load(r)["data"]["attributes"]["sample"]["count"]
    except urllib.error.HTTPError:
        return 0


def test_live_page_controls_change_the_run(browser, c6_bin, target, tmp_path):
    c = browser
    script = tmp_path / "live.js"
    script.write_text(LIVE_SCRIPT)
    api_port = _free_port()
    proc = subprocess.Popen([c6_bin, "run", "-e", f"TARGET={target}", "--address", f"127.0.0.1:{api_port}",
                             str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                            cwd=str(tmp_path), env=_env(K6_WEB_DASHBOARD="true", K6_WEB_DASHBOARD_PORT="0",
                                                        K6_WEB_DASHBOARD_PERIOD="1s"))
    try:
        url, seen = _read_url(proc)
        assert url, seen
        assert url.startswith("http://127.0.0.1:"), url   # localhost by default
        c.errors.clear()
        sid = c.open(url + "/")
        # the first point comes at the start; then the charts have lines
        c.wait(sid, "document.querySelectorAll('#charts polyline').length >= 4", "lines in the charts")
        _check_axes(c, sid)
        # the controls appear once the page reached the REST API
        c.wait(sid, "!document.getElementById('controls').hidden && !document.getElementById('pause').disabled",
               "the controls")
        # the live tables: per request, thresholds and checks during the run
        c.wait(sid, "document.querySelectorAll('#requests tr').length === 2", "the per-request table")
        assert not c.eval(sid, "document.getElementById('live').hidden")
        c.wait(sid, "document.getElementById('live-checks').textContent.includes('is 200')", "live checks")
        c.wait(sid, "document.getElementById('live-thresholds').textContent.includes('p(95)<10000')",
               "live thresholds")

        assert c.errors == [], c.errors   # (no favicon request either: the page names none)
        # pause: iterations stop growing
        c.eval(sid, "document.getElementById('pause').click(); 1")
        c.wait(sid, "document.getElementById('control-msg').textContent === 'pause: done'", "paused")
        assert _api(api_port)["paused"] is True
        time.sleep(1.0)   # the iterations in flight end (~0.2 s each)
        n1 = _iterations(api_port)
        time.sleep(1.5)
        assert _iterations(api_port) == n1, "iterations went on while paused"
        c.wait(sid, "document.getElementById('state').textContent === 'paused'", "the paused state")
        # resume: they grow again
        c.eval(sid, "document.getElementById('resume').click(); 1")
        c.wait(sid, "document.getElementById('control-msg').textContent === 'resume: done'", "resumed")
        deadline = time.monotonic() + 10
        while _iterations(api_port) <= n1 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _iterations(api_port) > n1

        # scale beyond maxVUs: the API's error, shown on the page
        # (k6 lib/executor/externally_controlled.go UpdateConfig)
        c.eval(sid, "document.getElementById('scale-vus').value = '9'; "
                    "document.getElementById('controls').requestSubmit(); 1")
        c.wait(sid, "document.getElementById('control-msg').textContent.includes("
                    "'must be less than or equal to the number of maxVUs (5)')", "the scale error")
        assert c.eval(sid, "document.getElementById('control-msg').className") == "msg"
        c.errors.clear()   # (the browser logs the refused request)
        # scale to 4: the run's VUs change
        c.eval(sid, "document.getElementById('scale-vus').value = '4'; "
                    "document.getElementById('controls').requestSubmit(); 1")
        c.wait(sid, "document.getElementById('control-msg').textContent === 'scale to 4 VUs: done'", "scaled")
        deadline = time.monotonic() + 10
        while _api(api_port)["vus"] != 4 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _api(api_port)["vus"] == 4
        c.wait(sid, "(() => { const s = [...document.querySelectorAll('.card')].find(d => "
                    "d.firstChild.textContent === 'VUs'); return s && s.lastChild.textContent.startsWith('4 /'); })()",
               "4 VUs on the page")

        # the dashboard's proxy refuses what a page of another site could
        # send without a preflight (a form's POST, a text/plain PATCH)
        for method, ctype in (("POST", "application/json"), ("PATCH", "text/plain")):
            req = urllib.request.Request(url + "/api/v1/status", data=b'{"data":{"attributes":{"paused":true}}}',
                                         method=method, headers={"Content-Type": ctype})
            with pytest.raises(urllib.error.HTTPError) as e:
                urllib.request.urlopen(req, timeout=10)
            assert e.value.code in (405, 415), (method, e.value.code)
        # nor a page reaching this port through a DNS name rebound to 127.0.0.1
        req = urllib.request.Request(url + "/api/v1/status", data=b'{"data":{"attributes":{"paused":true}}}',
                                     method="PATCH", headers={"Content-Type": "application/json",
                                                              "Host": "evil.example:80"})
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(req, timeout=10)
        assert e.value.code == 403
        assert _api(api_port)["paused"] is False
        assert c.errors == [], c.errors

        _api(api_port, "PATCH", {"stopped": True})
        proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def test_controls_say_when_the_api_is_off(browser, c6_bin, target, tmp_path):
    """--address '' (no REST API): the page says so, its controls are off."""
    script = tmp_path / "live.js"
    script.write_text(LIVE_SCRIPT.replace("duration: '40s'", "duration: '4s'"))
    proc = subprocess.Popen([c6_bin, "run", "-e", f"TARGET={target}", "--address", "", str(script)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                            cwd=str(tmp_path), env=_env(K6_WEB_DASHBOARD="true", K6_WEB_DASHBOARD_PORT="0",
                                                        K6_WEB_DASHBOARD_PERIOD="1s"))
    try:
        url, seen = _read_url(proc)
        assert url, seen
        sid = browser.open(url + "/")
        browser.wait(sid, "document.getElementById('control-msg').textContent.includes('the REST API is off')",
                     "the message")
        assert browser.eval(sid, "document.getElementById('pause').disabled") is True
        proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
