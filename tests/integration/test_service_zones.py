"""Load zones and --local-execution of the test-run service (README
"Test-run service"). A run asks for zones as k6 cloud does
(options.cloud.distribution, or the older options.ext.loadimpact.distribution:
{label: {loadZone, percent}}, percentages summing to 100, Grafana Cloud k6
docs "Use load zones"); agents serve the zone of their --zone. `c6 cloud run
--local-execution` runs the test in the CLI (k6's flag, internal/cmd/cloud_run.go:
the test runs locally, its results go to the service) as the run's only
agent. Local processes on 127.0.0.1, all killed at the end, every wait bounded.
"""
import json
import os
import re
import signal
import subprocess
import tarfile

import pytest

from test_service import SVC, TOKEN, Service, finish, run_id


@pytest.fixture
def svc(c6_bin, tmp_path):
    s = Service(c6_bin, tmp_path)
    s.start()
    yield s
    s.close()


def zone_agent(svc, zone, capacity=10):
    log = open(svc.tmp / f"agent-{zone}.log", "w")
    p = subprocess.Popen([svc.bin, "agent", "--server", svc.url, "--capacity-vus", str(capacity), "--token", TOKEN,
                          "--zone", zone], stdout=log, stderr=subprocess.STDOUT)
    svc.procs.append(p)
    return svc.tmp / f"agent-{zone}.log"


def vus_logged(path, zone, label, instance):
    # the VUs that ran an iteration on this agent, as the script logs them;
    # K6_CLOUDRUN_LOAD_ZONE is the agent's zone, K6_CLOUDRUN_DISTRIBUTION the
    # label it serves, K6_CLOUDRUN_INSTANCE_ID its segment's number
    text = path.read_text()
    assert "zone=" in text, text
    found = re.findall(r"zone=(\S+) label=(\S+) instance=(\S+) vu=(\d+)", text)
    assert all(f[:3] == (zone, label, instance) for f in found), found
    return sorted(int(f[3]) for f in found)


def test_distribution_splits_vus_by_percent(svc):
    # 10 VUs, 30% zone-a and 70% zone-b: the zone-a agent runs 3 VUs and the
    # zone-b agent 7 (k6 cloud splits a test's VUs between load zones by
    # their percent, with execution segments). The zone-b agent registers
    # first, so registration order alone would give it the first share.
    log_b = zone_agent(svc, "zone-b")
    log_a = zone_agent(svc, "zone-a")
    svc.wait_agents(2)
    agents = svc.api("GET", "/v1/agents")[1]["agents"]
    assert sorted(a["zone"] for a in agents) == ["zone-a", "zone-b"]
    code, out, err = finish(svc.cloud("zones.js"))
    assert code == 0, err
    a, b = vus_logged(log_a, "zone-a", "east", "0"), vus_logged(log_b, "zone-b", "west", "1")
    # each VU ran its one iteration there (VU ids are the instance's own, as in k6)
    assert a == [1, 2, 3] and b == list(range(1, 8)), (a, b)
    assert re.search(r"iterations\.+: 10 ", out), out
    run = svc.run(run_id(out))
    assert run["status"] == 3 and run["load_zones"] == [
        {"label": "east", "loadZone": "zone-a", "percent": 30},
        {"label": "west", "loadZone": "zone-b", "percent": 70}]


def test_unserved_zone_refused(svc):
    # a zone no registered agent serves: refused at validation (k6 cloud
    # refuses an unknown load zone too), exit 255 as for any refused
    # submission, nothing stored
    zone_agent(svc, "zone-a")
    svc.wait_agents(1)
    code, out, err = finish(svc.cloud("zones_unserved.js"))
    assert code == 255
    assert 'load zone \\"amazon:us:ashburn\\" (distribution label \\"ashburn\\") is not served by any agent' in err, err
    assert "zone-a" in err   # the zones there are
    assert svc.api("GET", "/v1/runs")[1]["runs"] == []


def test_bad_distribution_refused(svc):
    # percentages that do not sum to 100: refused with the reason, nothing stored
    zone_agent(svc, "zone-a")
    zone_agent(svc, "zone-b")
    svc.wait_agents(2)
    code, out, err = finish(svc.cloud("zones_bad.js"))
    assert code == 255
    assert "options.cloud.distribution: the sum of the percentages must equal 100, not 90" in err, err
    assert svc.api("GET", "/v1/runs")[1]["runs"] == []


def test_zone_run_waits_for_its_zone(svc):
    # agents of another zone are free but the asked zone has none free:
    # the run stays Queued; an agent of that zone frees it
    zone_agent(svc, "zone-a")
    zone_agent(svc, "zone-b")
    svc.wait_agents(2)
    busy = svc.cloud("long.js")   # no distribution: it takes the first free agent
    svc.wait(lambda: [r["status"] for r in svc.api("GET", "/v1/runs")[1]["runs"]] == [2], "the first run running")
    first = svc.api("GET", "/v1/runs")[1]["runs"][0]["id"]
    p = svc.cloud("zones.js")
    svc.wait(lambda: len(svc.api("GET", "/v1/runs")[1]["runs"]) == 2, "the second run")
    second = [r for r in svc.api("GET", "/v1/runs")[1]["runs"] if r["id"] != first][0]["id"]
    import time
    time.sleep(1.5)
    assert svc.run(second)["status"] == 0   # Queued: zone-b is free, zone-a is not
    # and says so (c6's own "queue" field): the busy zone's share of the 10
    # VUs, rounded up (the first free agent is either: they register at once)
    busy_zone = [a["zone"] for a in svc.api("GET", "/v1/agents")[1]["agents"] if a["run"] == first]
    label, share = {"zone-a": ("east (30%)", 3), "zone-b": ("west (70%)", 7)}[busy_zone[0]]
    assert svc.run(second)["queue"] == {"position": 1, "waiting_for": (
        f"its share {label} needs {share} VUs; the free agents of zone {busy_zone[0]} have 0 "
        "(0 of 1 free; the others are busy or not heard from)")}
    assert svc.api("POST", f"/v1/runs/{first}/stop")[0] == 200
    code, out, err = finish(p)
    assert code == 0, err
    assert svc.run(second)["status"] == 3
    finish(busy)


def test_local_execution_without_agents(svc):
    # no pool agent at all: the CLI runs the test itself, the service records
    # it (-2 ... 3), the summary is printed, exit 0 as `c6 run`
    code, out, err = finish(svc.cloud("ok.js", "--local-execution"))
    assert code == 0, err
    assert "✓ 'count>=4' count=4" in out, out
    run = svc.run(run_id(out))
    assert [h["status"] for h in run["statuses"]] == [-2, -1, 0, 1, 2, 3]
    assert run["local_execution"] is True and run["result"] == "passed" and run["exit_code"] == 0
    assert svc.api("GET", "/v1/agents")[1]["agents"] == []


def test_local_execution_threshold_crossed(svc):
    # a crossed threshold: Finished with result failed, exit 99 (k6's ThresholdsHaveFailed)
    code, out, err = finish(svc.cloud("crossed.js", "--local-execution"))
    assert code == 99, err
    run = svc.run(run_id(out))
    assert run["status"] == 3 and run["result"] == "failed" and run["exit_code"] == 99


def test_local_execution_ctrl_c(svc):
    # Ctrl-C on the CLI: the run stops through the service, Aborted by user
    # (5), exit 105 (k6's ExternalAbort); its local agent does not outlive it
    p = svc.cloud("long.js", "--local-execution")
    svc.wait(lambda: [r["status"] for r in svc.api("GET", "/v1/runs")[1]["runs"]] == [2], "a running run")
    rid = svc.api("GET", "/v1/runs")[1]["runs"][0]["id"]
    p.send_signal(signal.SIGINT)
    code, out, err = finish(p, 40)
    assert code == 105, err
    assert svc.run(rid)["status"] == 5
    left = subprocess.run(["pgrep", "-P", str(p.pid)], capture_output=True, text=True).stdout.split()
    assert left == []


def test_inspect_and_archive_keep_cloud_options(c6_bin, tmp_path):
    # options.cloud and options.ext are kept in the consolidated options, as
    # k6 keeps them (lib.Options' Cloud and External): `c6 inspect` shows them
    # and the archive's metadata.json carries them, for the service to read
    script = str(SVC / "zones.js")
    r = subprocess.run([c6_bin, "inspect", script], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    opts = json.loads(r.stdout)
    assert opts["cloud"]["distribution"]["west"] == {"loadZone": "zone-b", "percent": 70}
    tar = tmp_path / "a.tar"
    r = subprocess.run([c6_bin, "archive", "-O", str(tar), str(SVC / "zones_unserved.js")], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    with tarfile.open(tar) as t:
        meta = json.load(t.extractfile("metadata.json"))
    assert meta["options"]["ext"]["loadimpact"]["distribution"]["ashburn"]["percent"] == 100
    assert "cloud" not in meta["options"]   # omitted when not set


def test_coordinator_sequence_and_slots(c6_bin, tmp_path):
    # the mechanism zones use, on its own: `c6 coordinator --sequence 0,3/10,1`
    # gives the agent asking --slot=1 the segment 3/10:1 even when it joins
    # first (so 7 of zones.js's 10 VUs), the one asking --slot=0 0:3/10 (3
    # VUs); an agent asking for a slot already taken is refused
    from test_dist import Dist
    d = Dist(c6_bin, tmp_path)
    try:
        c = d.coordinator(str(SVC / "zones.js"), "--sequence", "0,3/10,1")
        big = d.agent("--slot=1", name="big")
        assert big.wait_for(r"as agent 1 of 2 \(segment 3/10:1\)", 30), big.err
        dup = d.agent("--slot=1", name="dup")
        assert dup.wait_for(r'refused this agent: the execution segment it asks for \(--slot\) is taken', 30), dup.err
        small = d.agent("--slot=0", name="small")
        assert small.wait_for(r"as agent 2 of 2 \(segment 0:3/10\)", 30), small.err
        assert c.wait(60) == 0, c.err
        assert big.wait(30) == 0 and small.wait(30) == 0
        assert len(re.findall(r"zone=\S* label=\S* instance=\S* vu=", big.err)) == 7, big.err
        assert len(re.findall(r"zone=\S* label=\S* instance=\S* vu=", small.err)) == 3, small.err
    finally:
        d.close()
