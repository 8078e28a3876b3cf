"""Distributed runs: `c6 coordinator` with 2-4 `c6 agent` processes on
127.0.0.1 (README "Distributed runs"; k6's design doc
docs/design/020-distributed-execution-and-test-suites.md, its nine points).

Every process is bounded in time: each test kills what it started at the
end. A small counting HTTP server (Counter) counts setup()'s and teardown()'s
hits and hands out the abort ticket.
"""
import http.server
import json
import os
import re
import signal
import socket
import struct
import subprocess
import threading
import time

import pytest

from conftest import SCRIPTS

DIST = SCRIPTS / "dist"

# the wire (src/dist/proto.h): 4-byte big-endian length, type byte, payload
MSG_HELLO, MSG_REFUSE, MSG_WELCOME, MSG_ARCHIVE = 1, 2, 3, 4
DIST_PROTO = 3   # DIST_PROTO_VERSION
DIST_EXIT_FAILED = 103   # k6's GenericEngine exit code: a distributed run that failed


class Counter:
    """Counts GET paths; /ticket answers its own count (1 for the first)."""

    def __init__(self):
        self.hits = {}
        self.lock = threading.Lock()
        counter = self

        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                with counter.lock:
                    counter.hits[self.path] = counter.hits.get(self.path, 0) + 1
                    n = counter.hits[self.path]
                body = str(n).encode() if self.path == "/ticket" else b"ok"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self.srv.server_address[1]}"
        self.thread = threading.Thread(target=self.srv.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()


@pytest.fixture
def counter():
    c = Counter()
    yield c
    c.close()


class Proc:
    """A c6 process whose stderr is collected by a thread (wait_for a line)."""

    def __init__(self, args, cwd, env=None):
        self.p = subprocess.Popen(args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  env=dict(os.environ, **env) if env else None)
        self.err_lines, self.out = [], b""
        self.cv = threading.Condition()
        self.t_err = threading.Thread(target=self._read_err, daemon=True)
        self.t_out = threading.Thread(target=self._read_out, daemon=True)
        self.t_err.start()
        self.t_out.start()

    def _read_err(self):
        for line in self.p.stderr:
            with self.cv:
                self.err_lines.append(line.decode(errors="replace"))
                self.cv.notify_all()

    def _read_out(self):
        self.out = self.p.stdout.read()

    def wait_for(self, pattern, timeout):
        """The first match of pattern in stderr within timeout, else None."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self.cv:
            while True:
                for line in self.err_lines:
                    m = rx.search(line)
                    if m:
                        return m
                left = deadline - time.monotonic()
                if left <= 0 or (self.p.poll() is not None and not self.t_err.is_alive()):
                    return None
                self.cv.wait(min(left, 0.2))

    def wait(self, timeout):
        rc = self.p.wait(timeout=timeout)
        self.t_err.join(5)
        self.t_out.join(5)
        return rc

    @property
    def err(self):
        with self.cv:
            return "".join(self.err_lines)

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
        try:
            self.p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass


class Dist:
    """A coordinator on 127.0.0.1:0 and its agents; kills all at the end."""

    def __init__(self, c6_bin, tmp_path):
        self.c6, self.tmp, self.procs = c6_bin, tmp_path, []

    def coordinator(self, *args, listen="127.0.0.1:0"):
        c = Proc([self.c6, "coordinator", "--listen", listen, *args], self.tmp)
        self.procs.append(c)
        m = c.wait_for(r"coordinator listening on 127\.0\.0\.1:(\d+)", 30)
        assert m, f"coordinator did not listen:\n{c.err}"
        self.port = int(m.group(1))
        self.addr = f"127.0.0.1:{self.port}"
        return c

    def agent(self, *args, name=None, env=None):
        d = self.tmp / (name or f"agent{len(self.procs)}")
        d.mkdir(exist_ok=True)
        # TMPDIR: the test's archive directory (c6-agent-XXXXXX) under the
        # agent's own, where a killed agent leaves it, not in /tmp
        a = Proc([self.c6, "agent", self.addr, *args], d, {"TMPDIR": str(d), **(env or {})})
        a.dir = d
        self.procs.append(a)
        return a

    def close(self):
        for p in self.procs:
            p.kill()


@pytest.fixture
def dist(c6_bin, tmp_path):
    d = Dist(c6_bin, tmp_path)
    yield d
    d.close()


def _frame(t, payload):
    return struct.pack(">IB", len(payload), t) + payload


def _read_frame(s, timeout=10):
    s.settimeout(timeout)
    head = b""
    while len(head) < 5:
        chunk = s.recv(5 - len(head))
        if not chunk:
            return None, None
        head += chunk
    n, t = struct.unpack(">IB", head)
    body = b""
    while len(body) < n:
        chunk = s.recv(min(65536, n - len(body)))
        if not chunk:
            return None, None
        body += chunk
    return t, body


def _c6_version(c6_bin):
    out = subprocess.run([c6_bin, "version"], capture_output=True, text=True, timeout=30).stdout
    return re.search(r"c6 v(\S+)", out).group(1)


# ---------------------------------------------------------------- the whole run


def test_shared_iterations_over_four_agents(dist, target, counter):
    """10,000 shared iterations over 4 agents: each runs its segment's
    2,500 (k6's execution-segment arithmetic: 10000 x 1/4), the target gets
    exactly 10,000 requests in all; setup() and teardown() hit the counter
    exactly once each (k6 design doc points 2 and 8), every iteration saw
    setup()'s data and the archive's module and open()ed file (point 1); the
    agents started together and the skew is printed (point 3)."""
    c = dist.coordinator(str(DIST / "shared.js"), "--instances", "4",
                         "-e", f"TARGET={target}", "-e", f"COUNTER={counter.url}",
                         "--summary-export", "summary.json")
    agents = [dist.agent() for _ in range(4)]
    assert c.wait(180) == 0, c.err
    for a in agents:
        assert a.wait(60) == 0, a.err
        # the agent removed the directory it wrote the archive into
        assert not list(a.dir.glob("c6-agent-*")), list(a.dir.iterdir())
        # the verdict is the coordinator's: no summary, no export on the agents
        assert not (a.dir / "summary.json").exists()
        assert b"checks_total" not in a.out, a.out[-2000:]
    # the coordinator's --summary-export, from the merged metrics
    s = json.loads((dist.tmp / "summary.json").read_text())
    assert s["metrics"]["iterations"]["count"] == 10000, s["metrics"]["iterations"]
    # 10,000 to the target, plus setup's and teardown's one each
    assert s["metrics"]["http_reqs"]["count"] == 10000 + 2, s["metrics"]["http_reqs"]
    assert s["metrics"]["checks"]["passes"] == 2 * 10000
    assert s["metrics"]["checks"]["fails"] == 0
    # the coordinator's summary text says the same
    out = c.out.decode()
    assert re.search(r"iterations\.*: 10000 ", out), out
    assert re.search(r"http_reqs\.*: 10002 ", out), out
    assert counter.hits.get("/setup") == 1, counter.hits
    assert counter.hits.get("/teardown?token=abc") == 1, counter.hits
    m = re.search(r"start skew between the 4 agents: ([\d.]+) ms", c.err)
    assert m, c.err
    # generous: a loaded 2-core machine; measured well under 5 ms when idle
    assert float(m.group(1)) < 1000, c.err
    assert "the test started on all 4 agents" in c.err


def test_abort_on_one_agent_stops_every_agent(dist, counter):
    """exec.test.abort() on one agent (k6 design doc point 6): every agent
    stops, each exits 108 as k6 does for test.abort(), and so does the
    coordinator; a 60 s test ends in seconds."""
    c = dist.coordinator(str(DIST / "abort.js"), "--instances", "3", "-e", f"COUNTER={counter.url}")
    agents = [dist.agent() for _ in range(3)]
    t0 = time.monotonic()
    assert c.wait(60) == 108, c.err
    assert time.monotonic() - t0 < 30
    for a in agents:
        assert a.wait(30) == 108, a.err
    assert re.search(r"agent \d \(127\.0\.0\.1:\d+\) stopped the test: test\.abort\(\) was called", c.err), c.err
    aborted = [a for a in agents if "abort from one agent" in a.err]
    assert len(aborted) == 1, [a.err for a in agents]
    # the coordinator ends with test.abort()'s message after its summary, as
    # `c6 run` does (internal/cmd/run.go: the run's error, printed last)
    assert re.search(r'level=error msg="test aborted: abort from one agent', c.err), c.err
    assert "iterations" in c.out.decode(), c.out.decode()


def test_abort_on_fail_threshold_stops_every_agent(dist):
    """An abortOnFail threshold crossed on the merged metrics (evaluated
    every 2 s at the coordinator, as k6's engine does) stops every agent;
    the coordinator ends with k6's abortOnFail error (internal/cmd/run.go:
    "thresholds on metrics '...' were crossed; at least one has abortOnFail
    enabled, stopping test prematurely") and exit 99; the agents, stopped
    by it, exit 99 too, without a verdict of their own."""
    c = dist.coordinator(str(DIST / "abort_on_fail.js"), "--instances", "2")
    agents = [dist.agent() for _ in range(2)]
    t0 = time.monotonic()
    assert c.wait(60) == 99, c.err
    assert time.monotonic() - t0 < 30
    for a in agents:
        assert a.wait(30) == 99, a.err
        assert "stopping test prematurely" not in a.err, a.err
        assert "the coordinator stopped the test: thresholds on metrics 'checks' were crossed on the merged" in a.err
    assert "thresholds on metrics 'checks' were crossed on the merged metrics" in c.err, c.err
    assert ("thresholds on metrics 'checks' were crossed; at least one has abortOnFail enabled, "
            "stopping test prematurely") in c.err, c.err
    # the summary, from the merged data: the threshold is shown crossed
    assert re.search(r"✗ 'rate>0\.5' rate=0\.00%", c.out.decode()), c.out.decode()


# ---------------------------------------------------------------- losses


def _index(agent):
    """The agent number an agent was given (its "joined ... as agent N" line)."""
    m = agent.wait_for(r"as agent (\d+) of", 10)
    assert m, agent.err
    return m.group(1)


def _started(dist, script, n):
    c = dist.coordinator(str(DIST / script), "--instances", str(n))
    agents = [dist.agent() for _ in range(n)]
    assert c.wait_for(rf"the test started on all {n} agents", 60), c.err
    return c, agents


def test_kill9_of_an_agent_fails_the_run_within_5s(dist):
    """kill -9 of one agent (k6 design doc point 4): the coordinator names
    it, stops the others, and exits non-zero within 5 s; teardown() still
    runs once on an agent that is there."""
    c, agents = _started(dist, "long.js", 3)
    time.sleep(1)
    victim = agents[1]
    victim.p.send_signal(signal.SIGKILL)
    t0 = time.monotonic()
    rc = c.wait(30)
    took = time.monotonic() - t0
    assert rc == DIST_EXIT_FAILED, c.err
    assert took < 5, (took, c.err)
    assert re.search(rf"agent {_index(victim)} \(127\.0\.0\.1:\d+\) lost: the connection was closed; "
                     r"stopping the test on every other agent", c.err), c.err
    survivors = [a for a in agents if a is not victim]
    for a in survivors:
        assert a.wait(10) == DIST_EXIT_FAILED, a.err
        assert "the coordinator stopped the test: agent" in a.err
    assert sum("teardown ran" in a.err for a in survivors) == 1
    # the killed agent could not remove its archive's directory: it is in
    # the TMPDIR the test gave it (the survivors removed theirs)
    assert len(list(victim.dir.glob("c6-agent-*"))) == 1, list(victim.dir.iterdir())
    assert not [d for a in survivors for d in a.dir.glob("c6-agent-*")]


def test_silent_agent_is_lost_by_heartbeat(dist):
    """An agent that stops answering without closing (a network cut, here
    SIGSTOP) is lost when its heartbeats stop: 4 s of silence."""
    c, agents = _started(dist, "long.js", 2)
    agents[0].p.send_signal(signal.SIGSTOP)
    t0 = time.monotonic()
    try:
        rc = c.wait(30)
    finally:
        agents[0].p.send_signal(signal.SIGCONT)
    took = time.monotonic() - t0
    assert rc == DIST_EXIT_FAILED, c.err
    assert 2.5 < took < 10, (took, c.err)
    assert re.search(rf"agent {_index(agents[0])} \(127\.0\.0\.1:\d+\) lost: no heartbeat", c.err), c.err
    assert agents[1].wait(10) == DIST_EXIT_FAILED, agents[1].err


def test_ctrl_c_of_an_agent_stops_every_agent(dist):
    """Ctrl-C of one agent stops it as `c6 run` (105, k6's ExternalAbort)
    and the coordinator stops the others with the same code."""
    c, agents = _started(dist, "long.js", 2)
    agents[1].p.send_signal(signal.SIGINT)
    assert c.wait(30) == 105, c.err
    assert re.search(rf"agent {_index(agents[1])} \(127\.0\.0\.1:\d+\) stopped the test: it was interrupted \(signal\)",
                     c.err), c.err
    for a in agents:
        assert a.wait(30) == 105, a.err
    # teardown() still ran, once
    assert sum("teardown ran" in a.err for a in agents) == 1


def test_agents_stop_when_the_coordinator_is_lost(dist):
    """An agent that loses its coordinator stops its test (k6 design doc,
    "Disruption resilience"), with an error and a non-zero exit."""
    c, agents = _started(dist, "long.js", 2)
    c.p.send_signal(signal.SIGKILL)
    t0 = time.monotonic()
    for a in agents:
        assert a.wait(10) == DIST_EXIT_FAILED, a.err
        assert "lost the coordinator at" in a.err
    assert time.monotonic() - t0 < 5


# ---------------------------------------------------------------- refusals


def test_refusals_wrong_token_version_and_extra_agents(dist, c6_bin):
    """Each refused with a clear message, the run unharmed: a wrong token,
    another c6 version, a hello too large (before the hello only 4 KiB is
    accepted; the coordinator never allocates what a peer announces), more
    agents than --instances, and an agent after the start."""
    c = dist.coordinator(str(DIST / "long.js"), "--instances", "1", "--token", "s3cret")
    bad = dist.agent("--token", "nope")
    assert bad.wait(30) == DIST_EXIT_FAILED
    assert "refused this agent: wrong token" in bad.err
    assert "refused an agent from 127.0.0.1" in c.err

    # another version, over a raw socket
    with socket.create_connection(("127.0.0.1", dist.port), timeout=10) as s:
        hello = {"version": "9.9.9", "proto": 1, "token": "s3cret"}
        s.sendall(_frame(MSG_HELLO, json.dumps(hello).encode()))
        t, body = _read_frame(s)
        assert t == MSG_REFUSE
        assert b"version mismatch: the coordinator runs c6 v" in body and b"the agent c6 v9.9.9" in body

    # a frame announcing 2 GiB before any hello: refused and closed at once
    with socket.create_connection(("127.0.0.1", dist.port), timeout=10) as s:
        s.sendall(struct.pack(">IB", 0x7FFFFFFF, MSG_HELLO) + b"x" * 100)
        t, body = _read_frame(s)
        assert t == MSG_REFUSE and b"not a c6 agent's hello" in body
        assert _read_frame(s) == (None, None)
    # bounded memory: the coordinator's peak RSS stays far below what was announced
    hwm_kb = int(re.search(r"VmHWM:\s+(\d+) kB", open(f"/proc/{c.p.pid}/status").read()).group(1))
    assert hwm_kb < 150 * 1024, hwm_kb

    # a raw agent with the right hello joins (gets its welcome and the archive) ...
    raw = socket.create_connection(("127.0.0.1", dist.port), timeout=10)
    hello = {"version": _c6_version(c6_bin), "proto": DIST_PROTO, "token": "s3cret"}
    raw.sendall(_frame(MSG_HELLO, json.dumps(hello).encode()))
    t, body = _read_frame(raw)
    assert t == MSG_WELCOME
    w = json.loads(body)
    assert (w["index"], w["instances"], w["segment"], w["sequence"]) == (0, 1, "0:1", "0,1")
    t, body = _read_frame(raw)
    # the test as a k6 archive: a tar (POSIX "ustar" magic at 257) with k6's metadata.json
    assert t == MSG_ARCHIVE and body[257:262] == b"ustar" and b"metadata.json" in body
    # its env is `c6 archive`'s (-e's), not the coordinator's own environment
    assert b'"PATH":' not in body and b'"HOME":' not in body
    # ... so one more is one too many
    extra = dist.agent("--token", "s3cret")
    assert extra.wait(30) == DIST_EXIT_FAILED
    assert "refused this agent: the run already has its 1 agents (--instances 1)" in extra.err
    raw.close()   # the raw agent leaves before the start: the run fails, naming it
    assert c.wait(30) == DIST_EXIT_FAILED
    assert re.search(r"agent 1 \(127\.0\.0\.1:\d+\) lost", c.err), c.err


def test_agent_after_the_start_is_refused(dist):
    """An agent connecting once the test started is refused; the run goes
    on, and a Ctrl-C of the coordinator stops it everywhere (exit 105, k6's
    ExternalAbort)."""
    c, agents = _started(dist, "long.js", 1)
    late = dist.agent()
    assert late.wait(30) == DIST_EXIT_FAILED
    assert "refused this agent: the test has already started: no agent can join it now" in late.err
    assert c.p.poll() is None and agents[0].p.poll() is None
    c.p.send_signal(signal.SIGINT)
    assert c.wait(30) == 105, c.err
    assert agents[0].wait(30) == 105, agents[0].err


def test_setup_error_on_agent_one_stops_all(dist, tmp_path):
    """setup() runs once, on agent 1: its exception (k6's 107) ends the run
    on every agent before the start, teardown() does not run."""
    s = tmp_path / "setup_throws.js"
    s.write_text("export function setup() { throw new Error('setup broke'); }\n"
                 "export default function () {}\n"
                 "export function teardown() { console.log('teardown ran'); }\n")
    c = dist.coordinator(str(s), "--instances", "2")
    agents = [dist.agent() for _ in range(2)]
    assert c.wait(60) == 107, c.err
    assert "setup() failed on agent 1 (exit code 107)" in c.err
    for a in agents:
        assert a.wait(30) == 107, a.err
        assert "teardown ran" not in a.err
    assert sum("setup broke" in a.err for a in agents) == 1


def test_agent_waits_for_a_coordinator_not_listening_yet(dist, tmp_path):
    """Agents may start first (pods do): a refused connection is retried
    for 30 s, then the agent joins."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dist.addr = f"127.0.0.1:{port}"
    a = dist.agent()
    assert a.wait_for("waiting for the coordinator at", 30), a.err
    c = dist.coordinator(str(DIST / "abort_on_fail.js"), "--instances", "1", listen=dist.addr)
    assert c.wait(60) == 99, c.err
    assert a.wait(30) == 99, a.err
    assert "joined the coordinator at" in a.err


def test_bad_script_ends_at_the_coordinator(dist, tmp_path):
    """The coordinator does the first init run as `c6 run` does: a script
    that throws at init exits 107 there, before any agent is awaited."""
    bad = tmp_path / "bad.js"
    bad.write_text("throw new Error('broken at init');\nexport default function () {}\n")
    p = subprocess.run([dist.c6, "coordinator", str(bad), "--instances", "2", "--listen", "127.0.0.1:0"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 107, p.stderr
    assert "broken at init" in p.stderr


# ---------------------------------------------------------------- one verdict from merged metrics


def _summary_lines(text):
    """The metric names and check lines of a summary text, in order."""
    names = re.findall(r"^\s+(\{?[\w{}:, .-]+?)\.{3,}: ", text, re.M)
    # check and threshold lines, a threshold's observed value left out
    checks = [re.sub(r"=\S+$", "=", x) for x in re.findall(r"^\s+[✓✗] (.+?)\s*$", text, re.M)]
    return names, checks


def test_thresholds_judged_on_merged_metrics(dist, target, c6_bin):
    """The coordinator judges thresholds on the agents' merged metrics
    (issue 13: "a threshold that passes on each agent's own data but fails
    on the merged data makes the coordinator exit 99"). Script
    merged_verdict.js, 2 agents, one started with SLOW=1:
    - http_reqs count<80: each agent's own 50 pass, the merged 100 fail;
    - http_req_duration p(95)<600: the slow agent's own data fails (4 of
      50 slow), the merged data passes (4 of 100 slow). (A p(95) that passes
      on every agent's data cannot fail on the merged data: the merged
      95th percentile lies between the agents' own.)
    Each agent's own verdict is checked with `c6 run` of its segment: 0 and
    99. The coordinator exits 99 (k6's ThresholdsHaveFailed) with k6's
    "thresholds on metrics 'http_reqs' have been crossed" and a summary
    showing count<80 crossed (count=100) and p(95)<600 passed."""
    script = str(DIST / "merged_verdict.js")
    seq = ["--execution-segment-sequence", "0,1/2,1", "-e", f"TARGET={target}"]
    own = {}
    for seg, slow in (("0:1/2", "0"), ("1/2:1", "1")):
        p = subprocess.run([c6_bin, "run", "--execution-segment", seg, *seq, "-e", f"SLOW={slow}", script],
                           capture_output=True, text=True, timeout=120, cwd=dist.tmp)
        own[slow] = p
    assert own["0"].returncode == 0, own["0"].stderr
    assert own["1"].returncode == 99, own["1"].stderr
    assert "thresholds on metrics 'http_req_duration' have been crossed" in own["1"].stderr
    assert re.search(r"http_reqs\.*: 50 ", own["0"].stdout), own["0"].stdout

    c = dist.coordinator(script, "--instances", "2", "-e", f"TARGET={target}", "--summary-export", "merged.json")
    # the slow agent: its own environment over the archive's (as `c6 run file.tar`)
    agents = [dist.agent(), dist.agent(env={"SLOW": "1"})]
    assert c.wait(180) == 99, c.err
    for a in agents:
        # stopped by no one: each ends 0, the verdict is the coordinator's
        assert a.wait(60) == 0, a.err
        assert "crossed" not in a.err, a.err
    assert "thresholds on metrics 'http_reqs' have been crossed" in c.err, c.err
    out = c.out.decode()
    assert re.search(r"✗ 'count<80' count=100\b", out), out
    assert re.search(r"✓ 'p\(95\)<600' p\(95\)=", out), out
    assert re.search(r"http_reqs\.*: 100 ", out), out
    s = json.loads((dist.tmp / "merged.json").read_text())
    assert s["metrics"]["http_reqs"]["count"] == 100
    assert s["metrics"]["http_reqs"]["thresholds"] == {"count<80": True}   # true: crossed (k6's export)
    assert s["metrics"]["http_req_duration"]["thresholds"] == {"p(95)<600": False}
    assert s["metrics"]["http_req_duration"]["max"] >= 1500


def _run_alone(c6_bin, cwd, script, *args):
    p = subprocess.run([c6_bin, "run", *args, script], capture_output=True, text=True, timeout=180, cwd=cwd)
    return p


def test_arrival_rate_total_and_summary_as_c6_run(dist, target, c6_bin):
    """A constant-arrival-rate run (50/s for 4 s) over 3 agents merges to
    the same iteration total as a single `c6 run` of the script (200, none
    dropped), and the coordinator's summary text lists the same metrics,
    in the same order, and the same checks block as `c6 run`'s."""
    script = str(DIST / "arrival.js")
    alone = _run_alone(c6_bin, dist.tmp, script, "-e", f"TARGET={target}", "--summary-export", "alone.json")
    assert alone.returncode == 0, alone.stderr
    c = dist.coordinator(script, "--instances", "3", "-e", f"TARGET={target}", "--summary-export", "merged.json")
    agents = [dist.agent() for _ in range(3)]
    assert c.wait(120) == 0, c.err
    for a in agents:
        assert a.wait(60) == 0, a.err
    one = json.loads((dist.tmp / "alone.json").read_text())["metrics"]
    merged = json.loads((dist.tmp / "merged.json").read_text())["metrics"]
    assert one["iterations"]["count"] == 200, one["iterations"]
    assert merged["iterations"]["count"] == one["iterations"]["count"], merged["iterations"]
    assert merged["http_reqs"]["count"] == one["http_reqs"]["count"] == 200
    assert merged["checks"]["passes"] == 200 and merged["checks"]["fails"] == 0
    assert "dropped_iterations" not in merged and "dropped_iterations" not in one
    # vus / vus_max: the agents' summed (10 preallocated VUs split 4+3+3)
    assert merged["vus_max"]["max"] == one["vus_max"]["max"] == 10, merged["vus_max"]
    names_one, checks_one = _summary_lines(alone.stdout)
    names_merged, checks_merged = _summary_lines(c.out.decode())
    assert names_merged == names_one, (names_merged, names_one)
    assert checks_merged == checks_one == ["'p(95)<5000' p(95)=", "status is 200"], (checks_merged, checks_one)
    assert "vus_max" in names_one and "checks_total" in names_one


def test_too_many_series_on_an_agent_fails_the_run(dist, target):
    """An agent whose time series pass its limit (C6_DIST_MAX_SERIES, here
    20; each iteration's URL is a new series) cannot send right totals: it
    tells the coordinator, which stops every agent and exits 103 naming it."""
    c = dist.coordinator(str(DIST / "many_series.js"), "--instances", "1", "-e", f"TARGET={target}")
    a = dist.agent(env={"C6_DIST_MAX_SERIES": "20"})
    assert c.wait(60) == DIST_EXIT_FAILED, c.err
    assert a.wait(30) == DIST_EXIT_FAILED, a.err
    assert re.search(r"agent 1 \(127\.0\.0\.1:\d+\) failed: too many time series: more than 20", c.err), c.err
    assert "the run's metrics would be wrong; stopping the test" in a.err, a.err


def test_handle_summary_runs_once_at_the_coordinator(dist, target):
    """handleSummary() runs at the coordinator (it has the script), on the
    merged data: its file has the run's 300 iterations and its stdout
    replaces the default summary; the agents run none."""
    c = dist.coordinator(str(DIST / "handle_summary.js"), "--instances", "2", "-e", f"TARGET={target}")
    agents = [dist.agent(), dist.agent()]
    assert c.wait(120) == 0, c.err
    for a in agents:
        assert a.wait(60) == 0, a.err
        assert not (a.dir / "hs.json").exists()
        assert b"handled:" not in a.out
    assert json.loads((dist.tmp / "hs.json").read_text()) == {"iterations": 300, "reqs": 300}
    out = c.out.decode()
    assert "handled: 300 iterations" in out, out
    assert "checks_total" not in out and "http_reqs..." not in out, out


def test_coordinator_runs_an_archive(dist, target, c6_bin):
    """The coordinator takes a k6 archive (`c6 archive`'s .tar) as its
    script, as `c6 run file.tar` does (and ships it on): the run is the
    script's, handleSummary() included."""
    p = subprocess.run([c6_bin, "archive", "-O", "hs.tar", "-e", f"TARGET={target}", str(DIST / "handle_summary.js")],
                       capture_output=True, text=True, timeout=60, cwd=dist.tmp)
    assert p.returncode == 0, p.stderr
    c = dist.coordinator(str(dist.tmp / "hs.tar"), "--instances", "2")
    agents = [dist.agent(), dist.agent()]
    assert c.wait(120) == 0, c.err
    for a in agents:
        assert a.wait(60) == 0, a.err
    assert json.loads((dist.tmp / "hs.json").read_text()) == {"iterations": 300, "reqs": 300}


# ---------------------------------------------------------------- the whole run's progress


def _progress_heads(out):
    """(complete, interrupted, vus, vus_max) of each "running (...)" line."""
    rx = re.compile(r"^running \([^)]*\), (\d+)/(\d+) VUs, (\d+) complete and (\d+) interrupted iterations", re.M)
    return [(int(m.group(3)), int(m.group(4)), int(m.group(1)), int(m.group(2))) for m in rx.finditer(out)]


def test_coordinator_draws_the_whole_runs_progress(dist):
    """The coordinator draws `c6 run`'s progress block (k6 internal/cmd/ui.go
    showProgress: "running (T), A/M VUs, N complete and I interrupted
    iterations", then a bar per scenario; on a pipe a block every second
    and once more after the summary) with every agent's numbers summed; the
    agents draw none (they run --quiet)."""
    c = dist.coordinator(str(DIST / "progress.js"), "--instances", "2")
    agents = [dist.agent() for _ in range(2)]
    assert c.wait(120) == 0, c.err
    for a in agents:
        assert a.wait(30) == 0, a.err
        assert b"running (" not in a.out and b"shared iters" not in a.out, a.out[-2000:]
    out = c.out.decode()
    heads = _progress_heads(out)
    assert len(heads) >= 3, out
    # the summary's count is the merged one; the last block says the same total
    total = int(re.search(r"iterations\.*: (\d+) ", out).group(1))
    assert heads[-1][0] == total and heads[-1][1] == 0, (heads, total)
    # VUs initialised: all 6 of the plan (3 per agent), only the sum shows it
    assert max(h[3] for h in heads) == 6, heads
    # while both scenarios run, the active VUs of both agents: up to 6 (> one agent's 3)
    assert max(h[2] for h in heads) > 3, heads
    # iterations grow block after block
    assert [h[0] for h in heads] == sorted(h[0] for h in heads), heads
    # the scenarios' bars: the shared one's 20 iterations, summed from 10 per agent
    assert re.search(r"^shared +✓ \[ 100% \] 2 VUs .* 20/20 shared iters", out, re.M), out
    assert re.search(r"^looping +✓ \[ 100% \] 4 VUs +3s", out, re.M), out


# ---------------------------------------------------------------- the whole run's REST API


def _api(addr, path, method="GET", body=None):
    """(HTTP status, JSON document) of a REST API call."""
    import urllib.error
    import urllib.request
    req = urllib.request.Request(f"http://{addr}{path}", method=method,
                                 data=json.dumps(body).encode() if body is not None else None)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, json.load(e)


def test_coordinator_serves_the_whole_runs_rest_api(dist):
    """--address on the coordinator: k6's REST API (api/v1) for the whole
    run, from the merged engine and the agents' summed VUs. GET /v1/status,
    /v1/metrics, /v1/groups and /v1/setup answer as `c6 run`'s; a pause is
    refused as k6 refuses one it cannot make (500 "Pause error",
    api/v1/status_routes.go), a VU change as a config update it rejects
    (400 "Config update error"); PATCH {"stopped":true} stops every agent,
    and the run ends as k6's stopped from its API (exit 103, k6
    exitcodes.ExternalAbort... ScriptStoppedFromRESTAPI = 103)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        addr = f"127.0.0.1:{s.getsockname()[1]}"
    c = dist.coordinator(str(DIST / "api.js"), "--instances", "2", "--address", addr)
    agents = [dist.agent() for _ in range(2)]
    assert c.wait_for(r"the test started on all 2 agents", 60), c.err
    # a progress report from both agents (every second) after the start
    deadline = time.monotonic() + 20
    while True:
        code, st = _api(addr, "/v1/status")
        a = st["data"]["attributes"]
        if a["vus"] == 4 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert code == 200
    # k6 lib.ExecutionStatus: 7 = Running; 2 VUs on each agent, summed
    assert (a["status"], a["vus"], a["vus-max"], a["running"], a["paused"], a["stopped"]) == (7, 4, 4, True, False, False), a

    # the merged metrics: vus is the sum once every agent's snapshot had it
    while True:
        code, doc = _api(addr, "/v1/metrics")
        ms = {m["id"]: m["attributes"] for m in doc["data"]}
        if "vus" in ms or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert code == 200
    assert ms["iterations"]["sample"]["count"] > 0, ms["iterations"]
    assert ms["checks"]["sample"]["rate"] == 1, ms["checks"]
    assert ms["vus"]["sample"]["value"] == 4, ms["vus"]
    code, doc = _api(addr, "/v1/metrics/iteration_duration")
    assert code == 200 and doc["data"]["attributes"]["sample"]["min"] >= 100, doc

    code, doc = _api(addr, "/v1/groups")
    assert code == 200
    names = {g["attributes"]["name"]: g["attributes"] for g in doc["data"]}
    assert "g" in names, doc
    ck = names["g"]["checks"][0]
    assert ck["name"] == "has setup data" and ck["passes"] > 0 and ck["fails"] == 0, ck

    code, doc = _api(addr, "/v1/setup")
    assert code == 200 and doc["data"]["attributes"]["data"] == {"from": "setup"}, doc

    code, doc = _api(addr, "/v1/status", "PATCH", {"data": {"attributes": {"paused": True}}})
    assert code == 500 and doc["errors"][0]["title"] == "Pause error", doc
    assert "distributed run (c6 coordinator) doesn't support pause and resume" in doc["errors"][0]["detail"]
    code, doc = _api(addr, "/v1/status", "PATCH", {"data": {"attributes": {"vus": 1}}})
    # without an externally-controlled executor: k6's 500 (api/v1/status_routes.go)
    assert code == 500 and doc["errors"][0]["title"] == "Execution config error", doc
    assert c.p.poll() is None

    code, doc = _api(addr, "/v1/status", "PATCH", {"data": {"attributes": {"stopped": True}}})
    assert code == 200, doc
    t0 = time.monotonic()
    assert c.wait(60) == 103, c.err
    assert time.monotonic() - t0 < 30
    assert "test run stopped from REST API" in c.err
    for ag in agents:
        assert ag.wait(30) == 103, ag.err
    out = c.out.decode()
    assert re.search(r"iterations\.*: \d+ ", out), out


# ---------------------------------------------------------------- TLS on the agent connection


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def _make_ca_and_cert(d, name):
    """A CA (name.ca.pem) and a certificate for 127.0.0.1 it issued (name.pem, name.key)."""
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    _openssl("req", "-x509", *ec, "-days", "1", "-subj", f"/CN=c6 test {name} CA",
             "-keyout", f"{name}.ca.key", "-out", f"{name}.ca.pem", cwd=d)
    _openssl("req", *ec, "-subj", "/CN=c6 coordinator", "-keyout", f"{name}.key", "-out", f"{name}.csr", cwd=d)
    (d / f"{name}.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{name}.ca.pem", "-CAkey", f"{name}.ca.key",
             "-CAcreateserial", "-days", "1", "-extfile", f"{name}.ext", "-out", f"{name}.pem", cwd=d)


def test_tls_between_coordinator_and_agents(dist, tmp_path):
    """--tls-cert/--tls-key on the coordinator: agents connect over TLS
    (OpenSSL, TLS >= 1.2) and check its certificate (--tls-ca, else the
    system's CAs; --insecure skips the check); the token is still required.
    Refused, each with a clear message and the run unharmed: a plain agent,
    an agent trusting another CA, a TLS agent with a wrong token."""
    _make_ca_and_cert(tmp_path, "good")
    _make_ca_and_cert(tmp_path, "other")
    c = dist.coordinator(str(DIST / "progress.js"), "--instances", "2", "--token", "s3cret",
                         "--tls-cert", str(tmp_path / "good.pem"), "--tls-key", str(tmp_path / "good.key"))
    plain = dist.agent("--token", "s3cret")
    assert plain.wait(30) == DIST_EXIT_FAILED, plain.err
    assert "a coordinator serving TLS wants --tls, --tls-ca FILE or --insecure" in plain.err
    assert c.wait_for(r"refused an agent from 127\.0\.0\.1:\d+: TLS handshake failed", 10), c.err
    distrust = dist.agent("--token", "s3cret", "--tls-ca", str(tmp_path / "other.ca.pem"))
    assert distrust.wait(30) == DIST_EXIT_FAILED, distrust.err
    assert "TLS handshake failed: certificate verification: unable to get local issuer certificate" in distrust.err
    # the system's CAs do not know this one either
    system = dist.agent("--token", "s3cret", "--tls", env={"SSL_CERT_FILE": str(tmp_path / "other.ca.pem")})
    assert system.wait(30) == DIST_EXIT_FAILED, system.err
    assert "certificate verification" in system.err
    wrong = dist.agent("--token", "nope", "--tls-ca", str(tmp_path / "good.ca.pem"))
    assert wrong.wait(30) == DIST_EXIT_FAILED, wrong.err
    assert "refused this agent: wrong token" in wrong.err
    assert c.p.poll() is None
    # the two agents of the run: one checking the certificate, one not
    agents = [dist.agent("--token", "s3cret", "--tls-ca", str(tmp_path / "good.ca.pem")),
              dist.agent("--token", "s3cret", "--insecure")]
    assert c.wait(120) == 0, c.err
    for a in agents:
        assert a.wait(30) == 0, a.err
    out = c.out.decode()
    total = int(re.search(r"iterations\.*: (\d+) ", out).group(1))
    assert total > 20 and _progress_heads(out)[-1][0] == total, out
    assert "the test started on all 2 agents" in c.err


def test_tls_flags_checked_at_the_start(dist, tmp_path):
    """--tls-cert without --tls-key, or a key that is not the certificate's,
    end the coordinator before it listens (exit 255, a flag error)."""
    _make_ca_and_cert(tmp_path, "good")
    _make_ca_and_cert(tmp_path, "other")
    script = str(DIST / "progress.js")
    r = subprocess.run([dist.c6, "coordinator", script, "--instances", "1", "--tls-cert", str(tmp_path / "good.pem")],
                       capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert r.returncode == 255 and "--tls-cert and --tls-key go together" in r.stderr, r
    r = subprocess.run([dist.c6, "coordinator", script, "--instances", "1", "--tls-cert", str(tmp_path / "good.pem"),
                        "--tls-key", str(tmp_path / "other.key")], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    # OpenSSL's own reason after c6's (SSL_CTX_use_PrivateKey_file checks the pair)
    assert r.returncode == 255 and "cannot load the TLS key" in r.stderr and "key values mismatch" in r.stderr, r


# ---------------------------------------------------------------- a failed setup()'s summary


def test_failed_setup_still_prints_the_summary_as_c6_run(dist, target, c6_bin, tmp_path):
    """setup() throws after one request: `c6 run` still prints the
    end-of-test summary (k6 internal/cmd/run.go defers it before the run,
    whatever the scheduler returns) with setup()'s metrics, then the last
    progress block, and exits 107 (ScriptException). The coordinator prints
    the same summary, from agent 1's setup() metrics, and the same exit code."""
    s = tmp_path / "setup_fails.js"
    s.write_text("import http from 'k6/http';\n"
                 "export function setup() { http.get(__ENV.TARGET + '/'); throw new Error('setup broke'); }\n"
                 "export default function () {}\n")
    alone = _run_alone(c6_bin, dist.tmp, str(s), "-e", f"TARGET={target}", "--summary-export", "alone.json")
    assert alone.returncode == 107, alone.stderr
    c = dist.coordinator(str(s), "--instances", "2", "-e", f"TARGET={target}", "--summary-export", "merged.json")
    agents = [dist.agent() for _ in range(2)]
    assert c.wait(60) == 107, c.err
    for a in agents:
        assert a.wait(30) == 107, a.err
    out = c.out.decode()
    assert re.search(r"http_reqs\.*: 1 ", out), out
    assert _summary_lines(out) == _summary_lines(alone.stdout), (out, alone.stdout)
    one = json.loads((dist.tmp / "alone.json").read_text())["metrics"]
    merged = json.loads((dist.tmp / "merged.json").read_text())["metrics"]
    assert merged["http_reqs"]["count"] == one["http_reqs"]["count"] == 1
    assert sorted(merged) == sorted(one), (sorted(merged), sorted(one))
    # the last progress block after the summary, as run's: "0/1 VUs", nothing run
    assert _progress_heads(out)[-1] == _progress_heads(alone.stdout)[-1] == (0, 0, 0, 1), out


def test_coordinator_web_dashboard_report(dist, target):
    """K6_WEB_DASHBOARD* in the coordinator's environment: its web dashboard
    draws the MERGED metrics (the test-run service exports each run's report
    so, README "Test-run service"): 50/s for 4 s over 2 agents is 200
    iterations in the report, as in one `c6 run`'s (each agent ran 100;
    the environment does not cross the wire: an agent's report would have
    its 100 only)."""
    c = Proc([dist.c6, "coordinator", "--listen", "127.0.0.1:0", str(DIST / "arrival.js"), "--instances", "2",
              "-e", f"TARGET={target}"], dist.tmp,
             env={"K6_WEB_DASHBOARD": "true", "K6_WEB_DASHBOARD_PORT": "-1", "K6_WEB_DASHBOARD_PERIOD": "1s",
                  "K6_WEB_DASHBOARD_EXPORT": str(dist.tmp / "report.html")})
    dist.procs.append(c)
    m = c.wait_for(r"coordinator listening on 127\.0\.0\.1:(\d+)", 30)
    assert m, c.err
    dist.addr = f"127.0.0.1:{m.group(1)}"
    agents = [dist.agent() for _ in range(2)]
    assert c.wait(120) == 0, c.err
    for a in agents:
        assert a.wait(60) == 0, a.err
    html = (dist.tmp / "report.html").read_text()
    start = html.index("window.C6_EVENTS=") + len("window.C6_EVENTS=")
    events = json.loads(html[start:html.index("];</script>", start) + 1])
    snaps = [e["data"] for e in events if e["event"] == "snapshot"]
    end = next(e["data"] for e in events if e["event"] == "end")
    # a snapshot a second of the 4 s, and the last one at the end
    assert len(snaps) >= 4 and [s["t"] for s in snaps] == sorted(s["t"] for s in snaps), snaps
    assert snaps[-1]["iterations"] == 200 and snaps[-1]["http_reqs"] == 200, snaps[-1]
    assert max(s["vus_max"] for s in snaps) == 10, snaps  # preAllocatedVUs, summed over the 2 agents
    its = next(x for x in end["metrics"] if x["name"] == "iterations")
    assert its["values"]["count"] == 200, its
    assert end["thresholds"] == [{"metric": "http_req_duration", "source": "p(95)<5000", "ok": True,
                                  "observed": end["thresholds"][0]["observed"]}], end["thresholds"]
