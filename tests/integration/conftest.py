"""Shared fixtures for c6's integration tests.

`c6_bin` is the binary under test (C6_BIN, else build/c6); `target` is the
URL of one `c6 target` server shared by the whole session; `target_tls` is
another one that also serves HTTPS (see TargetTLS).

Below them: `c6` runs `c6 run` as a subprocess and returns a RunResult whose
helpers read the end-of-test summary (tolerant of k6's dotted padding and of
both k6 summary layouts: the v1+/v2 one with checks_total/checks_succeeded
and "N out of M", and the older one with "✓ N ✗ M") and the logfmt log lines
on stderr.
"""
import os
import pathlib
import re
import selectors
import signal
import subprocess
import tempfile
import time

import pytest

HERE = pathlib.Path(__file__).resolve().parent
SCRIPTS = HERE / "scripts"
REPO = HERE.parent.parent

# ---------------------------------------------------------------- c6 binary


@pytest.fixture(scope="session")
def c6_bin():
    path = os.environ.get("C6_BIN") or str(REPO / "build" / "c6")
    if not os.access(path, os.X_OK):
        pytest.fail(f"c6 binary not found or not executable: {path} (run `make` or set C6_BIN)")
    return path


# ---------------------------------------------------------------- target


def _start_target(c6_bin, *extra):
    """Starts `c6 target --listen 127.0.0.1:0 *extra`; returns the process
    and {scheme: base URL} from the lines it prints once listening."""
    # stderr goes to a file read when the target stops (a pipe nobody reads
    # would hide a sanitizer report, or block the server once full)
    errf = tempfile.TemporaryFile()
    proc = subprocess.Popen(
        [c6_bin, "target", "--listen", "127.0.0.1:0", *extra],
        stdout=subprocess.PIPE, stderr=errf,
    )
    proc.errf = errf
    want = {"http", "https"} if "--tls-listen" in extra else {"http"}
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    # raw reads: both lines may come in one chunk, which a buffered
    # readline would hide from the selector
    urls, seen, deadline = {}, "", time.monotonic() + 15
    while set(urls) != want and time.monotonic() < deadline and proc.poll() is None:
        if sel.select(timeout=0.2):
            seen += os.read(proc.stdout.fileno(), 4096).decode("utf-8", "replace")
            urls = {m.group(2): m.group(1).rstrip("/")
                    for m in re.finditer(r"listening on ((https?)://\S+)\n", seen)}
    sel.close()
    if set(urls) != want:
        proc.kill()
        proc.wait(timeout=5)
        pytest.fail(f"c6 target did not start; stdout={seen!r} stderr={_target_stderr(proc)!r}")
    return proc, urls


def _target_stderr(proc):
    proc.errf.seek(0)
    return proc.errf.read().decode("utf-8", "replace")


def _stop_target(proc):
    """Stops a target; fails (as the fixture's teardown) when it had died
    before or reported a sanitizer error: the tests that used it after that
    saw only refused connections."""
    died = proc.poll()
    if died is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
    err = _target_stderr(proc)
    bad = died is not None or "runtime error:" in err or "Sanitizer" in err
    assert not bad, f"c6 target {'died (exit %s)' % died if died is not None else 'reported errors'}:\n{err[-4000:]}"


@pytest.fixture(scope="session")
def target(c6_bin):
    """Starts `c6 target --listen 127.0.0.1:0` once; yields its base URL."""
    proc, urls = _start_target(c6_bin)
    yield urls["http"]
    _stop_target(proc)


class TargetTLS:
    """What `target_tls` yields: `url` (https base), `http` (the same
    server's plain base URL), `cert` (the server's self-signed certificate,
    PEM), `ca` (the client CA the server trusts), `client_cert`/`client_key`
    (issued by `ca`, CN `client_cn`), `rogue_cert`/`rogue_key` (a
    self-signed client certificate the server does not trust), `dir`."""


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="session")
def target_tls(c6_bin, tmp_path_factory):
    """A second `c6 target`, also serving HTTPS (`--tls-listen`) with the
    certificate it makes at start-up and asking for client certificates
    issued by a CA made here with openssl."""
    d = tmp_path_factory.mktemp("target_tls")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    _openssl("req", "-x509", *ec, "-days", "1", "-subj", "/CN=c6 test client CA",
             "-keyout", "ca.key", "-out", "ca.pem", cwd=d)
    _openssl("req", *ec, "-subj", "/O=c6 tests/CN=c6-client-one", "-keyout", "client.key",
             "-out", "client.csr", cwd=d)
    _openssl("x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
             "-CAcreateserial", "-days", "1", "-out", "client.pem", cwd=d)
    _openssl("req", "-x509", *ec, "-days", "1", "-subj", "/CN=c6-rogue",
             "-keyout", "rogue.key", "-out", "rogue.pem", cwd=d)
    proc, urls = _start_target(c6_bin, "--tls-listen", "127.0.0.1:0", "--tls-cert-out",
                               str(d / "server.pem"), "--tls-client-ca", str(d / "ca.pem"))
    t = TargetTLS()
    t.url, t.http, t.dir = urls["https"], urls["http"], d
    t.cert, t.ca = str(d / "server.pem"), str(d / "ca.pem")
    t.client_cert, t.client_key, t.client_cn = str(d / "client.pem"), str(d / "client.key"), "c6-client-one"
    t.rogue_cert, t.rogue_key = str(d / "rogue.pem"), str(d / "rogue.key")
    yield t
    _stop_target(proc)


# ---------------------------------------------------------------- summary parsing

CHECK_MARKS = "✓✗"
# "name.....: values" — the name may carry a sub-metric selector in braces.
_METRIC_RE = re.compile(r"^\s*(?:[✓✗]\s+)?([A-Za-z_][\w]*(?:\{[^}]*\})?)\s*\.+\s*:\s*(.*?)\s*$")
_DUR_PART_RE = re.compile(r"(\d+(?:\.\d+)?)(ns|µs|μs|us|ms|h|m|s)")
_DUR_UNITS_MS = {"ns": 1e-6, "µs": 1e-3, "μs": 1e-3, "us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}


def parse_duration_ms(text):
    """'1.5ms' -> 1.5, '2m3.5s' -> 123500, '120µs' -> 0.12, '0s' -> 0, '7' -> 7."""
    text = text.strip()
    try:
        return float(text)
    except ValueError:
        pass
    pos, total = 0, 0.0
    for m in _DUR_PART_RE.finditer(text):
        if m.start() != pos:
            raise ValueError(f"not a duration: {text!r}")
        total += float(m.group(1)) * _DUR_UNITS_MS[m.group(2)]
        pos = m.end()
    if pos != len(text) or pos == 0:
        raise ValueError(f"not a duration: {text!r}")
    return total


_SUBMETRIC_RE = re.compile(r"^\s*(?:[✓✗]\s+)?\{\s*([^}]*?)\s*\}\s*\.+\s*:\s*(.*?)\s*$")


def parse_metrics(stdout):
    """Maps each metric line of the summary to its value text (first wins).

    A sub-metric line ("  { expected_response:true }....: ...") that follows
    its parent is stored as "parent{expected_response:true}"."""
    out = {}
    parent = None
    for line in stdout.splitlines():
        m = _METRIC_RE.match(line)
        if m:
            parent = m.group(1).split("{")[0]
            if m.group(1) not in out:
                out[m.group(1)] = m.group(2)
            continue
        m = _SUBMETRIC_RE.match(line)
        if m and parent:
            key = parent + "{" + re.sub(r"\s+", "", m.group(1)) + "}"
            out.setdefault(key, m.group(2))
    return out


def parse_checks(stdout):
    """Per-check lines: {name: {"ok": bool, "passes": int|None, "fails": int|None}}.

    Accepts "✓ name" / "✗ name" optionally followed by a line like
    "↳  50% — ✓ 5 / ✗ 5". Metric lines (with dotted padding) are skipped."""
    checks = {}
    last = None
    for line in stdout.splitlines():
        s = line.strip()
        m = re.match(r"^↳\s*(\d+(?:\.\d+)?)%\s*\S*\s*✓\s*(\d+)\s*/\s*✗\s*(\d+)", s)
        if m and last is not None:
            checks[last]["passes"] = int(m.group(2))
            checks[last]["fails"] = int(m.group(3))
            continue
        m = re.match(r"^([✓✗])\s+(.+?)$", s)
        if m and not _METRIC_RE.match(line) and not re.match(r"^'.*'", m.group(2)):
            last = m.group(2)
            checks[last] = {"ok": m.group(1) == "✓", "passes": None, "fails": None}
        elif s:
            last = None if not s.startswith("↳") else last
    return checks


class RunResult:
    def __init__(self, args, code, out, err, elapsed):
        self.args, self.code, self.out, self.err, self.elapsed = args, code, out, err, elapsed
        self.metrics = parse_metrics(out)

    def __repr__(self):
        return (f"<c6 {' '.join(map(str, self.args))} -> exit {self.code} in {self.elapsed:.2f}s>\n"
                f"--- stdout ---\n{self.out[-6000:]}\n--- stderr ---\n{self.err[-6000:]}")

    # -- summary
    def has_summary(self):
        return "http_reqs" in self.metrics or "iterations" in self.metrics

    def metric(self, name):
        assert name in self.metrics, f"metric {name!r} not in the summary\n{self!r}"
        return self.metrics[name]

    def count(self, name):
        """First number of a counter/gauge line ('100   50.1/s' -> 100)."""
        text = self.metric(name)
        m = re.match(r"^([-+]?\d+(?:\.\d+)?)", text)
        assert m, f"no number at the start of {name}: {text!r}"
        return float(m.group(1))

    def rate(self, name):
        """(percent, hits, total) of a Rate line: '25.00% 1 out of 4' or '25.00% ✓ 1 ✗ 3'."""
        text = self.metric(name)
        m = re.match(r"^(\d+(?:\.\d+)?)%\s+(\d+)\s+out of\s+(\d+)", text)
        if m:
            return float(m.group(1)), int(m.group(2)), int(m.group(3))
        m = re.match(r"^(\d+(?:\.\d+)?)%\s+✓\s*(\d+)\s+✗\s*(\d+)", text)
        assert m, f"unrecognised rate line for {name}: {text!r}"
        return float(m.group(1)), int(m.group(2)), int(m.group(2)) + int(m.group(3))

    def trend(self, name):
        """{'avg': ms, 'min': ms, 'p(95)': ms, ...} of a Trend line."""
        stats = {}
        for k, v in re.findall(r"([\w()./]+)=(\S+)", self.metric(name)):
            try:
                stats[k] = parse_duration_ms(v)
            except ValueError:
                stats[k] = v
        return stats

    def gauge_minmax(self, name):
        text = self.metric(name)
        mn = re.search(r"min=([-\d.]+)", text)
        mx = re.search(r"max=([-\d.]+)", text)
        return (float(mn.group(1)) if mn else None, float(mx.group(1)) if mx else None)

    def checks(self):
        return parse_checks(self.out)

    def checks_total(self):
        """(passes, fails) over all checks, from either summary layout."""
        if "checks_total" in self.metrics or "checks_succeeded" in self.metrics:
            _, ok, total = self.rate("checks_succeeded")
            return ok, total - ok
        _, ok, total = self.rate("checks")
        return ok, total - ok

    def threshold(self, metric, expr):
        """True if the threshold shows ✓, False if ✗, None if not found.

        v2 layout: a metric header line then "✓ 'expr' stat=value";
        older layout: "✓ metric.....: values" (expression not repeated)."""
        current = None          # the metric header the ✓/✗ lines belong to
        for line in self.out.splitlines():
            s = line.strip()
            if s and s[:1] not in CHECK_MARKS and not s.startswith("█"):
                current = s
            elif expr in s and s[:1] in CHECK_MARKS and current == metric:
                return s[0] == "✓"
        for line in self.out.splitlines():
            s = line.strip()
            if s[:1] in CHECK_MARKS and re.match(rf"^[✓✗]\s+{re.escape(metric)}\.+:", s):
                return s[0] == "✓"
        return None

    # -- logs
    def logs(self, level=None, source=None):
        """Parsed logfmt lines of stderr: [{'level':..., 'msg':..., ...}]."""
        out = []
        for line in self.err.splitlines():
            rec = parse_logfmt(line)
            if "msg" not in rec:
                continue
            if level and rec.get("level") != level:
                continue
            if source and rec.get("source") != source:
                continue
            out.append(rec)
        return out

    def console(self):
        """Messages of console.* calls, in order."""
        return [r["msg"] for r in self.logs(source="console")]


_LOGFMT_RE = re.compile(r'(\w+)=(?:"((?:[^"\\]|\\.)*)"|(\S*))')


def parse_logfmt(line):
    rec = {}
    for m in _LOGFMT_RE.finditer(line):
        if m.group(2) is not None:
            val = re.sub(r"\\(.)", lambda e: {"n": "\n", "t": "\t", "r": "\r"}.get(e.group(1), e.group(1)),
                         m.group(2))
        else:
            val = m.group(3)
        rec.setdefault(m.group(1), val)
    return rec


def script_path(name):
    p = pathlib.Path(name)
    return str(p if p.is_absolute() else SCRIPTS / p)


@pytest.fixture
def c6(c6_bin, target):
    """run(script, *flags, env=None, target=True, timeout=60) -> RunResult.

    Runs `c6 run [-e TARGET=<url>] *flags script` from the scripts folder.
    `env` entries are added to (or, when None, removed from) the
    environment; K6_* variables of the caller's environment are dropped."""

    def run(script, *flags, env=None, with_target=True, timeout=60, cwd=None):
        penv = {k: v for k, v in os.environ.items() if not k.startswith("K6_")}
        # each run's REST API on a port of its own (runs may overlap)
        penv["K6_ADDRESS"] = "127.0.0.1:0"
        for k, v in (env or {}).items():
            if v is None:
                penv.pop(k, None)
            else:
                penv[k] = v
        args = [c6_bin, "run"]
        if with_target:
            args += ["-e", f"TARGET={target}"]
        args += [str(f) for f in flags]
        if script is not None:
            args.append(script_path(script))
        t0 = time.monotonic()
        try:
            p = subprocess.run(args, capture_output=True, text=True, encoding="utf-8", errors="replace",
                               timeout=timeout, env=penv,
                               cwd=cwd or str(SCRIPTS), stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as e:
            pytest.fail(f"c6 run timed out after {timeout}s: {args}\nstdout={e.stdout!r}\nstderr={e.stderr!r}")
        return RunResult(args[1:], p.returncode, p.stdout, p.stderr, time.monotonic() - t0)

    return run
