"""Why a Queued run waits (README "Test-run service"): its REST JSON has a
`queue` object, {"position": N, "waiting_for": "..."}, and `c6 cloud run`
prints that reason when it first applies and again when it changes (not at
every poll). c6's own: k6 cloud shows no such field. One service for the
module; every wait is bounded, every process killed at the end.
"""
import pytest

from test_service import Service, finish, run_id


@pytest.fixture(scope="module")
def svc(c6_bin, tmp_path_factory):
    s = Service(c6_bin, tmp_path_factory.mktemp("svc-queue"))
    s.start()
    yield s
    s.close()


def queued(svc, rid):
    run = svc.run(rid)
    return run.get("queue") if run["status"] == 0 else None


def test_queue_explains_the_wait(svc):
    # one agent of 2 VUs; a run of 5 VUs cannot start: all registered
    # agents together have too few VUs (it stays Queued, not refused:
    # agents may register later)
    svc.agent(2)
    svc.wait_agents(1)
    p1 = svc.cloud("vus5.js")
    svc.wait(lambda: len(svc.api("GET", "/v1/runs")[1]["runs"]) == 1, "the first run")
    first = svc.api("GET", "/v1/runs")[1]["runs"][0]["id"]
    why1 = "needs 5 VUs; all 1 registered agents together have 2: it cannot start until more register"
    svc.wait(lambda: queued(svc, first) == {"position": 1, "waiting_for": why1}, "the first run's reason")
    # a second run (2 VUs, which the free agent could take) waits behind it: FIFO
    p2 = svc.cloud("short2.js")
    svc.wait(lambda: len(svc.api("GET", "/v1/runs")[1]["runs"]) == 2, "the second run")
    second = [r["id"] for r in svc.api("GET", "/v1/runs")[1]["runs"] if r["id"] != first][0]
    why2 = f"behind run {first}, first in the queue"
    svc.wait(lambda: queued(svc, second) == {"position": 2, "waiting_for": why2}, "the second run's reason")
    # the list carries it too (the web page shows it from there)
    runs = {r["id"]: r for r in svc.api("GET", "/v1/runs")[1]["runs"]}
    assert runs[first]["queue"]["waiting_for"] == why1 and runs[second]["queue"]["position"] == 2
    assert queued(svc, first)["waiting_for"] == why1   # still waiting: nothing changed
    # a second agent (3 VUs): together 5, the first run starts, then the second
    svc.agent(3)
    c1, out1, err1 = finish(p1)
    c2, out2, err2 = finish(p2)
    assert c1 == 0 and c2 == 0, err1 + err2
    assert run_id(out1) == first and run_id(out2) == second
    r1, r2 = svc.run(first), svc.run(second)
    assert [h["status"] for h in r1["statuses"]] == [-2, -1, 0, 1, 2, 3]
    assert [h["status"] for h in r2["statuses"]] == [-2, -1, 0, 1, 2, 3]
    assert "queue" not in r1 and "queue" not in r2   # only while Queued
    # the CLIs printed each reason once (polled every 250 ms for seconds)
    line1 = f"run {first}: queued, position 1: {why1}"
    line2 = f"run {second}: queued, position 2: {why2}"
    assert err1.count(line1) == 1, err1
    assert err2.count(line2) == 1, err2
