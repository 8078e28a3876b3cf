"""The test-run service's web page (README "Test-run service"), in a real
headless browser (Debian's chromium, tests/integration/chromium.py): the
page loads without a token and asks for it; with it, it lists the runs
(refreshing by itself) and shows a run's status history, thresholds,
summary and the charts of its web dashboard report, with no error in any
frame. The service, a pool agent and `c6 cloud run` are local processes;
chromium is killed at the end of the module."""
import json
import os
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from chromium import Chromium
from test_service import TOKEN, Service, finish, free_port, run_id


@pytest.fixture(scope="module")
def browser():
    c = Chromium(timeout=60)
    yield c
    c.close()


@pytest.fixture
def svc(c6_bin, tmp_path):
    s = Service(c6_bin, tmp_path)
    s.start()
    yield s
    s.close()


def get(url, token=None):
    req = urllib.request.Request(url)
    if token:
        req.add_header("Authorization", f"Token {token}")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers.get("Content-Type"), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), e.read().decode()


def text(c, sid, selector):
    return c.eval(sid, f"(document.querySelector({json.dumps(selector)}) || {{}}).textContent")


def test_page_runs_and_run(svc, browser, target):
    c = browser
    c.errors.clear()
    svc.agent(10)
    svc.wait_agents(1)

    # the page loads without a token and asks for it (its first API call
    # was refused: the browser logs that 401, nothing else)
    sid = c.open(svc.url + "/")
    c.wait(sid, "!document.getElementById('login').hidden", "the token prompt")
    assert c.eval(sid, "document.getElementById('list-view').hidden") is True
    assert c.errors and all("401" in e and "/v1/runs" in e for e in c.errors), c.errors

    # a wrong token: asked again, saying so
    c.eval(sid, "document.getElementById('token').value = 'wrong'; document.getElementById('login').requestSubmit(); 1")
    c.wait(sid, "document.getElementById('login-error').textContent === 'invalid token'", "invalid token")
    assert c.eval(sid, "sessionStorage.getItem('c6-service-token')") == "wrong"

    # the right one: the list, empty for now; from here on, no error at all
    c.errors.clear()
    c.eval(sid, f"document.getElementById('token').value = {json.dumps(TOKEN)}; "
                "document.getElementById('login').requestSubmit(); 1")
    c.wait(sid, "!document.getElementById('list-view').hidden && !document.getElementById('no-runs').hidden",
           "the empty list")
    assert c.eval(sid, "sessionStorage.getItem('c6-service-token')") == TOKEN

    # a run while the page is open: it appears, and ends Finished / failed
    # (k6's status 3 with a crossed threshold; exit 99 as `c6 run`'s)
    code, out, err = finish(svc.cloud("page.js", "-e", f"TARGET={target}"))
    assert code == 99, err
    rid = run_id(out)
    row = f"#runs tbody tr[data-id='{rid}']"
    c.wait(sid, f"(document.querySelector(\"{row} td.status\") || {{}}).textContent === '3 Finished'",
           "the finished run in the list (refreshed by the page)", timeout=30)
    cells = c.eval(sid, f"[...document.querySelectorAll(\"{row} td\")].map(td => td.textContent)")
    run = svc.run(rid)
    started = next(h["at"] for h in run["statuses"] if h["status"] == 2)
    assert cells[0] == str(rid) and cells[1] == run["name"]
    assert cells[2:4] == ["3 Finished", "failed"]
    # created, started (Running), ended: the API's times to the millisecond
    assert cells[4] == run["created"].replace("T", " ")[:23]
    assert cells[5] == started.replace("T", " ")[:23]
    assert cells[6] == run["ended"].replace("T", " ")[:23]
    assert cells[7] == "2"
    dur = float(cells[8].rstrip("s"))
    assert 2.5 <= dur <= 30, cells  # a 3 s test, Running to Finished
    assert c.eval(sid, f"document.querySelector(\"{row} a\").getAttribute('href')") == f"#/runs/{rid}"

    # its page, from the list's link
    c.eval(sid, f"document.querySelector(\"{row} a\").click(); 1")
    c.wait(sid, "document.querySelectorAll('#thresholds tbody tr').length === 2", "the run's thresholds")
    facts = c.eval(sid, "Object.fromEntries([...document.querySelectorAll('#run-facts tr')]"
                        ".map(tr => [tr.cells[0].textContent, tr.cells[1].textContent]))")
    assert facts["Status"] == "3 Finished" and facts["Result"] == "failed" and facts["Exit code"] == "99", facts
    hist = c.eval(sid, "[...document.querySelectorAll('#history tbody tr')].map(tr => +tr.cells[0].textContent)")
    assert hist == [-2, -1, 0, 1, 2, 3]
    thr = c.eval(sid, "[...document.querySelectorAll('#thresholds tbody tr')]"
                      ".map(tr => [...tr.cells].map(td => td.textContent))")
    thr = {t[1]: t for t in thr}
    assert thr["iterations"][0] == "\u2713 pass" and thr["iterations"][2] == "count>=1", thr
    assert thr["checks"][0] == "\u2717 fail" and thr["checks"][2] == "rate>0.99" and thr["checks"][3] == "0.5", thr
    summary = text(c, sid, "#summary")
    assert "THRESHOLDS" in summary and "http_reqs" in summary and "status is 201" in summary, summary

    # the charts: the dashboard's own, in its report (a sandboxed frame,
    # drawn once on screen); every line has a point a second or so
    c.eval(sid, "document.getElementById('report').scrollIntoView(); 1")
    lines = c.frame_eval(sid, "document.querySelectorAll('#charts polyline').length >= 5 && "
                              "[...document.querySelectorAll('#charts polyline')]"
                              ".map(p => p.getAttribute('points').trim().split(/\\s+/).length)",
                         "the report's charts")
    assert len(lines) >= 5 and all(n >= 2 for n in lines), lines
    assert "finished" in c.frame_eval(sid, "document.getElementById('state').textContent", "the report's state")

    # the same page at /runs/ID (the token is still in this tab's storage)
    c.send("Page.navigate", {"url": f"{svc.url}/runs/{rid}"}, session=sid)
    c.wait(sid, "document.querySelectorAll('#history tbody tr').length === 6", "the run's page at /runs/ID")
    assert c.errors == []

    # over HTTP: the page has no data; the report and the API need the token
    for path in ("/", f"/runs/{rid}"):
        status, ctype, body = get(svc.url + path)
        assert status == 200 and ctype.startswith("text/html") and run["name"] not in body
    assert get(f"{svc.url}/v1/runs/{rid}/report")[0] == 401
    assert get(f"{svc.url}/v1/runs/{rid}/report", "wrong")[0] == 401
    status, ctype, body = get(f"{svc.url}/v1/runs/{rid}/report", TOKEN)
    assert status == 200 and ctype.startswith("text/html") and "window.C6_EVENTS=" in body
    assert get(f"{svc.url}/v1/runs/{rid + 1}/report", TOKEN)[0] == 404
    assert get(f"{svc.url}/runs/x")[0] == 401  # not the page: an API path, so the token


def test_page_queued_reason(svc, browser):
    # no agent: the run stays Queued and the list shows why, from its
    # "queue" (c6's own field) next to the status
    c = browser
    c.errors.clear()
    p = svc.cloud("short2.js")
    why = "needs 2 VUs; no agent is registered: it cannot start until one registers"
    svc.wait(lambda: [r.get("queue") for r in svc.api("GET", "/v1/runs")[1]["runs"]] ==
             [{"position": 1, "waiting_for": why}], "the queued run")
    rid = svc.api("GET", "/v1/runs")[1]["runs"][0]["id"]
    sid = c.open(svc.url + "/")
    c.wait(sid, "!document.getElementById('login').hidden", "the token prompt")
    c.errors.clear()
    c.eval(sid, f"document.getElementById('token').value = {json.dumps(TOKEN)}; "
                "document.getElementById('login').requestSubmit(); 1")
    want = json.dumps(f"0 Queued (position 1: {why})")
    c.wait(sid, f"(document.querySelector(\"#runs tbody tr[data-id='{rid}'] td.status\") || {{}}).textContent "
                f"=== {want}", "the reason in the list")
    assert c.errors == []
    c.send("Page.navigate", {"url": "about:blank"}, session=sid)   # no more refreshes once the service is gone
    assert svc.api("POST", f"/v1/runs/{rid}/stop")[0] == 200
    finish(p)


def test_page_without_server_token(c6_bin, tmp_path, browser):
    # a service without --token: no prompt, the runs at once, no error
    c = browser
    c.errors.clear()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "K6_CLOUD_TOKEN"}
    p = subprocess.Popen([c6_bin, "server", "--listen", f"127.0.0.1:{port}", "--db", str(tmp_path / "s.db")],
                         env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                if get(f"http://127.0.0.1:{port}/v1/runs")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        sid = c.open(f"http://127.0.0.1:{port}/")
        c.wait(sid, "!document.getElementById('list-view').hidden && !document.getElementById('no-runs').hidden",
               "the list")
        assert c.eval(sid, "document.getElementById('login').hidden") is True
        assert c.eval(sid, "document.getElementById('forget').hidden") is True
        assert c.errors == []
    finally:
        p.kill()
        p.wait(timeout=10)
