"""The test-run service (README "Test-run service"): `c6 server`, pooled
`c6 agent --server URL` processes and the `c6 cloud` CLI, all local
processes on 127.0.0.1. Statuses are the codes of k6's "Test Status codes"
page (-2 Created ... 9 Aborted by limit); exit codes are `c6 run`'s (k6's
errext/exitcodes: 99 ThresholdsHaveFailed, 105 ExternalAbort, 107
ScriptException). Every process is killed at the end of its test; every
wait is bounded.
"""
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from conftest import SCRIPTS

SVC = SCRIPTS / "service"
TOKEN = "s3cret-token"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Service:
    def __init__(self, c6_bin, tmp_path):
        self.bin = c6_bin
        self.db = str(tmp_path / "service.db")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.procs = []
        self.server = None
        self.tmp = tmp_path

    def start(self, *extra):
        log = open(self.tmp / f"server-{len(self.procs)}.log", "w")
        self.server = subprocess.Popen(
            [self.bin, "server", "--listen", f"127.0.0.1:{self.port}", "--db", self.db, "--token", TOKEN, *extra],
            stdout=log, stderr=subprocess.STDOUT)
        self.procs.append(self.server)
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                self.api("GET", "/v1/agents")
                return
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        pytest.fail("the service did not start listening")

    def agent(self, capacity=10, token=TOKEN):
        p = subprocess.Popen([self.bin, "agent", "--server", self.url, "--capacity-vus", str(capacity),
                              "--token", token],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.procs.append(p)
        return p

    def wait_agents(self, n):
        self.wait(lambda: len([a for a in self.api("GET", "/v1/agents")[1]["agents"] if a["state"] == "free"]) >= n,
                  "agents free")

    def cloud(self, script, *extra, token=TOKEN):
        env = dict(os.environ, K6_CLOUD_HOST=self.url, K6_CLOUD_TOKEN=token)
        p = subprocess.Popen([self.bin, "cloud", "run", *extra, str(SVC / script)], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.procs.append(p)
        return p

    def api(self, method, path, body=None, token=TOKEN):
        req = urllib.request.Request(self.url + path, data=body, method=method)
        if token:
            req.add_header("Authorization", f"Token {token}")
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def run(self, rid):
        code, j = self.api("GET", f"/v1/runs/{rid}")
        assert code == 200, j
        return j

    def wait(self, pred, what, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if pred():
                return
            time.sleep(0.1)
        pytest.fail(f"timed out waiting for {what}")

    def wait_status(self, rid, status, timeout=60):
        self.wait(lambda: self.run(rid)["status"] == status, f"run {rid} in status {status}", timeout)

    def close(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
        for p in self.procs:
            p.wait(timeout=10)


@pytest.fixture
def svc(c6_bin, tmp_path):
    s = Service(c6_bin, tmp_path)
    s.start()
    yield s
    s.close()


def finish(p, timeout=90):
    out, err = p.communicate(timeout=timeout)
    return p.returncode, out, err


def run_id(out):
    # "run N submitted: URL" is the CLI's first line
    first = out.splitlines()[0]
    assert first.startswith("run ") and " submitted: " in first, out
    return int(first.split()[1])


def history(run):
    return [h["status"] for h in run["statuses"]], [h["at"] for h in run["statuses"]]


def test_normal_run(svc):
    # Created, Validated, Queued, Initializing, Running, Finished, in order,
    # each later than the one before; c6 run's exit code 0; result passed
    svc.agent(10)
    svc.wait_agents(1)
    code, out, err = finish(svc.cloud("ok.js"))
    assert code == 0, err
    rid = run_id(out)
    run = svc.run(rid)
    codes, ats = history(run)
    assert codes == [-2, -1, 0, 1, 2, 3]
    assert ats == sorted(ats) and len(set(ats)) == len(ats)   # RFC 3339 UTC, same width: sortable
    assert run["status_name"] == "Finished" and run["result"] == "passed" and run["exit_code"] == 0
    assert [h["status_name"] for h in run["statuses"]] == [
        "Created", "Validated", "Queued", "Initializing", "Running", "Finished"]
    # the CLI streamed every change and printed the summary (the coordinator's)
    for name in ("Created", "Validated", "Queued", "Initializing", "Running", "Finished"):
        assert f"run {rid}: {name} (" in err
    assert "'count>=4' count=4" in out and "iterations" in run["summary"]
    # REST: list and filter by status
    assert [r["id"] for r in svc.api("GET", "/v1/runs?status=3")[1]["runs"]] == [rid]
    assert svc.api("GET", "/v1/runs?status=0")[1]["runs"] == []
    assert svc.api("GET", "/v1/runs?status=12")[0] == 400


def test_threshold_crossed(svc):
    # k6: thresholds crossed at the end -> exit 99; the run is Finished (3), result failed
    svc.agent(10)
    svc.wait_agents(1)
    code, out, err = finish(svc.cloud("crossed.js"))
    assert code == 99, err
    run = svc.run(run_id(out))
    assert run["status"] == 3 and run["result"] == "failed" and run["exit_code"] == 99
    assert "'count>100'" in out


def test_abort_on_fail(svc):
    # an abortOnFail threshold stops the run: Aborted by threshold (8), exit 99
    svc.agent(10)
    svc.wait_agents(1)
    t0 = time.time()
    code, out, err = finish(svc.cloud("abortonfail.js"))
    assert code == 99, err
    assert time.time() - t0 < 25   # well before the 30 s duration
    run = svc.run(run_id(out))
    assert run["status"] == 8 and run["status_name"] == "Aborted by threshold" and run["result"] == "failed"


def test_setup_exception(svc):
    # an exception in setup(): exit 107 (ScriptException); Aborted by script error (7)
    svc.agent(10)
    svc.wait_agents(1)
    code, out, err = finish(svc.cloud("setup_throws.js"))
    assert code == 107, err
    run = svc.run(run_id(out))
    assert run["status"] == 7 and run["status_name"] == "Aborted by script error"


def test_cloud_stop(svc, c6_bin):
    # `c6 cloud stop ID` while Running: Aborted by user (5); the CLI exits 105 (ExternalAbort)
    svc.agent(10)
    svc.wait_agents(1)
    p = svc.cloud("long.js")
    rid = None
    deadline = time.time() + 30
    while rid is None and time.time() < deadline:
        runs = svc.api("GET", "/v1/runs")[1]["runs"]
        rid = runs[0]["id"] if runs else None
        time.sleep(0.1)
    assert rid
    svc.wait_status(rid, 2)
    env = dict(os.environ, K6_CLOUD_HOST=svc.url, K6_CLOUD_TOKEN=TOKEN)
    stop = subprocess.run([c6_bin, "cloud", "stop", str(rid)], env=env, capture_output=True, text=True, timeout=30)
    assert stop.returncode == 0, stop.stderr
    code, out, err = finish(p, 40)
    assert code == 105, err
    run = svc.run(rid)
    assert run["status"] == 5 and run["status_name"] == "Aborted by user"
    assert history(run)[0] == [-2, -1, 0, 1, 2, 5]
    # an ended run cannot be stopped again; an unknown one is not found
    assert svc.api("POST", f"/v1/runs/{rid}/stop", b"")[0] == 409
    assert svc.api("POST", "/v1/runs/999/stop", b"")[0] == 404
    assert svc.api("GET", "/v1/runs/999")[0] == 404


def test_wrong_token_refused(svc, c6_bin):
    # submit, REST and agent registration all need the service's token
    code, out, err = finish(svc.cloud("ok.js", token="wrong"))
    assert code != 0 and "invalid token" in err
    assert svc.api("GET", "/v1/runs", token="wrong")[0] == 401
    assert svc.api("GET", "/v1/runs", token=None)[0] == 401
    assert svc.api("GET", "/v1/runs")[1]["runs"] == []   # nothing stored
    a = svc.agent(10, token="wrong")
    _, aerr = a.communicate(timeout=20)
    assert a.returncode == 103 and "invalid token" in aerr
    assert svc.api("GET", "/v1/agents")[1]["agents"] == []


def test_bad_submission(svc):
    # not an archive: refused with the reason, nothing stored, the service stays up
    code, j = svc.api("POST", "/v1/runs", b"x" * 10)
    assert code == 400 and "archive" in j["error"]
    code, j = svc.api("POST", "/v1/runs", b"\0" * 4096)
    assert code == 400 and j["error"]
    assert svc.api("GET", "/v1/runs")[1]["runs"] == []
    assert svc.api("GET", "/v1/agents")[0] == 200


def test_queue_fifo(svc):
    # one agent of 2 VUs, two runs of 2 VUs: the second waits in Queued
    # while the first runs, then gets the agent
    svc.agent(2)
    svc.wait_agents(1)
    p1 = svc.cloud("short2.js")
    svc.wait(lambda: len(svc.api("GET", "/v1/runs")[1]["runs"]) == 1, "the first run")
    p2 = svc.cloud("short2.js")
    c1, out1, err1 = finish(p1)
    c2, out2, err2 = finish(p2)
    assert c1 == 0 and c2 == 0, err1 + err2
    r1, r2 = svc.run(run_id(out1)), svc.run(run_id(out2))
    assert r1["id"] < r2["id"]
    h1 = {h["status"]: h["at"] for h in r1["statuses"]}
    h2 = {h["status"]: h["at"] for h in r2["statuses"]}
    assert history(r2)[0] == [-2, -1, 0, 1, 2, 3]
    assert h2[0] < h1[3]    # queued before the first ended
    assert h2[1] > h1[3]    # initialised only after it


def test_restart_keeps_queue(svc):
    # no agent: the run stays Queued; the service stops and starts again:
    # still Queued, and it runs once an agent joins
    p = svc.cloud("ok.js")
    svc.wait(lambda: [r["status"] for r in svc.api("GET", "/v1/runs")[1]["runs"]] == [0], "a queued run")
    rid = svc.api("GET", "/v1/runs")[1]["runs"][0]["id"]
    svc.server.send_signal(signal.SIGTERM)
    svc.server.wait(timeout=20)
    svc.start()
    assert svc.run(rid)["status"] == 0
    svc.agent(10)
    code, out, err = finish(p)
    assert code == 0, err
    assert history(svc.run(rid))[0] == [-2, -1, 0, 1, 2, 3]


def test_restart_mid_run_aborts_by_system(svc):
    # kill -9 of the service while a run is Running: at the next start the
    # run is Aborted by system (6)
    svc.agent(10)
    svc.wait_agents(1)
    p = svc.cloud("long.js")
    svc.wait(lambda: [r["status"] for r in svc.api("GET", "/v1/runs")[1]["runs"]] == [2], "a running run")
    rid = svc.api("GET", "/v1/runs")[1]["runs"][0]["id"]
    svc.server.kill()
    svc.server.wait(timeout=10)
    svc.start()
    run = svc.run(rid)
    assert run["status"] == 6 and run["status_name"] == "Aborted by system" and run["result"] == "failed"
    code, out, err = finish(p, 40)
    assert code != 0


def test_limits_known_at_validation(c6_bin, tmp_path):
    # k6 Cloud's limits (seed 000: more than 20,000 max VUs, longer than 60
    # min), configurable: a test over one is kept as Aborted by limit (9)
    # with a message naming the limit, never queued; the CLI exits 97
    # (k6's CloudTestRunFailed)
    s = Service(c6_bin, tmp_path)
    s.start("--max-vus", "1", "--max-duration", "20s")
    try:
        code, out, err = finish(s.cloud("ok.js"))          # 2 VUs
        assert code == 97 and "--max-vus (1)" in err, err
        code, out, err = finish(s.cloud("abortonfail.js"))  # 30 s + 30 s graceful stop, 1 VU
        assert code == 97 and "--max-duration (20s)" in err, err
        runs = s.api("GET", "/v1/runs")[1]["runs"]
        assert [r["status"] for r in runs] == [9, 9]
        assert [h["status"] for h in runs[0]["statuses"]] == [-2, 9]
        assert "max VUs (2)" in runs[0]["error"]
    finally:
        s.close()


def test_agent_killed_aborts_by_system(svc):
    # kill -9 of the run's agent: the coordinator loses it (exit 103,
    # GenericEngine), the run is Aborted by system (6)
    a = svc.agent(10)
    svc.wait_agents(1)
    p = svc.cloud("long.js")
    svc.wait(lambda: [r["status"] for r in svc.api("GET", "/v1/runs")[1]["runs"]] == [2], "a running run")
    rid = svc.api("GET", "/v1/runs")[1]["runs"][0]["id"]
    a.kill()   # its run's agent (a child) dies with it
    code, out, err = finish(p, 40)
    assert code == 103, err
    run = svc.run(rid)
    assert run["status"] == 6 and run["status_name"] == "Aborted by system"
    assert [x["state"] for x in svc.api("GET", "/v1/agents")[1]["agents"]] != ["busy"]


def test_ctrl_c_stops_the_run(svc):
    # Ctrl-C on `c6 cloud run`: the run is Aborted by user (5), exit 105
    svc.agent(10)
    svc.wait_agents(1)
    p = svc.cloud("long.js")
    svc.wait(lambda: [r["status"] for r in svc.api("GET", "/v1/runs")[1]["runs"]] == [2], "a running run")
    rid = svc.api("GET", "/v1/runs")[1]["runs"][0]["id"]
    p.send_signal(signal.SIGINT)
    code, out, err = finish(p, 40)
    assert code == 105, err
    assert svc.run(rid)["status"] == 5


def test_silent_run_times_out(c6_bin, tmp_path):
    # the run's coordinator freezes (SIGSTOP): its agent loses it and stops,
    # after which no agent tells the service it runs the test; past
    # --run-timeout the run is Timed out (4)
    s = Service(c6_bin, tmp_path)
    s.start("--run-timeout", "2s")
    try:
        s.agent(10)
        s.wait_agents(1)
        p = s.cloud("long.js")
        s.wait(lambda: [r["status"] for r in s.api("GET", "/v1/runs")[1]["runs"]] == [2], "a running run")
        rid = s.api("GET", "/v1/runs")[1]["runs"][0]["id"]
        kids = subprocess.run(["pgrep", "-P", str(s.server.pid)], capture_output=True, text=True).stdout.split()
        assert len(kids) == 1
        os.kill(int(kids[0]), signal.SIGSTOP)
        s.wait_status(rid, 4, 40)
        run = s.run(rid)
        assert run["status_name"] == "Timed out" and run["result"] == "failed" and run["exit_code"] is None
        code, out, err = finish(p, 40)
        assert code == 97   # k6's CloudTestRunFailed: the run has no exit code of its own
    finally:
        s.close()


def test_stop_queued_and_initializing(svc):
    # Aborted by user (5) before the start too: a queued run ends at once
    # (exit 105, ExternalAbort); an Initializing one (its only agent, a
    # registration through the API, never joins) has its coordinator stopped
    p = svc.cloud("ok.js")
    svc.wait(lambda: [r["status"] for r in svc.api("GET", "/v1/runs")[1]["runs"]] == [0], "a queued run")
    rid = svc.api("GET", "/v1/runs")[1]["runs"][0]["id"]
    code, j = svc.api("POST", f"/v1/runs/{rid}/stop", b"")
    assert code == 200 and j["status"] == 5
    code, out, err = finish(p, 30)
    assert code == 105, err
    assert history(svc.run(rid))[0] == [-2, -1, 0, 5]

    code, j = svc.api("POST", "/v1/agents", json.dumps({"capacity_vus": 5}).encode())
    assert code == 201
    aid = j["id"]
    assert svc.api("GET", f"/v1/agents/{aid}/work?idle=1") == (200, {})
    p = svc.cloud("ok.js")
    svc.wait(lambda: [r["status"] for r in svc.api("GET", "/v1/runs")[1]["runs"]][-1:] == [1], "an initializing run")
    rid2 = svc.api("GET", "/v1/runs")[1]["runs"][-1]["id"]
    got = []
    svc.wait(lambda: got.append(svc.api("GET", f"/v1/agents/{aid}/work?idle=1")[1]) or got[-1],
             "the coordinator's address")   # once it listens; handed once
    work = got[-1]
    assert svc.api("GET", f"/v1/agents/{aid}/work?idle=1") == (200, {})
    assert work["run"] == rid2 and work["coordinator"].startswith("127.0.0.1:") and len(work["token"]) == 32
    assert svc.api("POST", f"/v1/runs/{rid2}/stop", b"")[0] == 200
    code, out, err = finish(p, 30)
    assert code == 105, err
    assert history(svc.run(rid2))[0] == [-2, -1, 0, 1, 5]
    assert svc.api("GET", "/v1/agents/999/work?idle=1")[0] == 404


def test_coordinator_host(c6_bin, tmp_path):
    # --coordinator-host: each run's coordinator listens there and the agents
    # are sent there (127.0.0.2: another loopback address than the default)
    s = Service(c6_bin, tmp_path)
    s.start("--coordinator-host", "127.0.0.2")
    try:
        s.agent(10)
        s.wait_agents(1)
        code, out, err = finish(s.cloud("ok.js"))
        assert code == 0, err
        rid = run_id(out)
        assert s.run(rid)["status"] == 3
        log = (tmp_path / "service.db.d" / f"run-{rid}" / "coordinator.log").read_text()
        assert "coordinator listening on 127.0.0.2:" in log
    finally:
        s.close()


def test_archive_submitted(svc, c6_bin, tmp_path):
    # `c6 cloud run file.tar`: an archive is submitted as a script is
    tar = tmp_path / "ok.tar"
    subprocess.run([c6_bin, "archive", "-O", str(tar), str(SVC / "ok.js")], check=True, timeout=60,
                   capture_output=True)
    svc.agent(10)
    svc.wait_agents(1)
    env = dict(os.environ, K6_CLOUD_HOST=svc.url, K6_CLOUD_TOKEN=TOKEN)
    p = subprocess.run([c6_bin, "cloud", "run", str(tar)], env=env, capture_output=True, text=True, timeout=90)
    assert p.returncode == 0, p.stderr
    run = svc.run(run_id(p.stdout))
    assert run["status"] == 3 and run["name"] == "ok.tar" and "'count>=4' count=4" in p.stdout


def test_oversized_archive_refused(svc):
    # more than 64 MiB: 413, nothing stored, the service stays up
    code, j = svc.api("POST", "/v1/runs", b"\0" * ((64 << 20) + 1))
    assert code == 413 and "64 MiB" in j["error"]
    assert svc.api("GET", "/v1/runs")[1]["runs"] == []
    assert svc.server.poll() is None


def test_invalid_script_never_queued(svc):
    # a script that fails its init run is refused by `c6 cloud run` itself,
    # with `c6 run`'s message and exit code (107, ScriptException), before
    # anything reaches the service
    bad = svc.tmp / "bad.js"
    bad.write_text("throw new Error('init broke');\nexport default function () {}\n")
    env = dict(os.environ, K6_CLOUD_HOST=svc.url, K6_CLOUD_TOKEN=TOKEN)
    p = subprocess.run([svc.bin, "cloud", "run", str(bad)], env=env, capture_output=True, text=True, timeout=60)
    r = subprocess.run([svc.bin, "run", str(bad)], capture_output=True, text=True, timeout=60)
    assert p.returncode == r.returncode == 107
    assert "init broke" in p.stderr and "init broke" in r.stderr
    assert svc.api("GET", "/v1/runs")[1]["runs"] == []


def test_two_runs_side_by_side(svc):
    # two agents of 2 VUs, two runs of 2 VUs: each gets one agent and they
    # run at the same time (two coordinators side by side)
    svc.agent(2)
    svc.agent(2)
    svc.wait_agents(2)
    p1 = svc.cloud("short2.js")
    svc.wait(lambda: len(svc.api("GET", "/v1/runs")[1]["runs"]) == 1, "the first run")
    p2 = svc.cloud("short2.js")
    c1, out1, err1 = finish(p1)
    c2, out2, err2 = finish(p2)
    assert c1 == 0 and c2 == 0, err1 + err2
    r1, r2 = svc.run(run_id(out1)), svc.run(run_id(out2))
    h1 = {h["status"]: h["at"] for h in r1["statuses"]}
    h2 = {h["status"]: h["at"] for h in r2["statuses"]}
    assert h2[2] < h1[3] and h1[2] < h2[3]   # both Running at once
    assert r1["vus"] == r2["vus"] == 2
