"""A hostile peer for tests: a raw-socket server on loopback whose behaviour is a
Python function, plus a way to run c6 against it and read its peak memory.

    def endless_chunks(conn, request):          # request: the bytes of the head read
        conn.sendall(b"HTTP/1.1 200 OK\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n")
        while feed(conn, b"1000\\r\\n" + b"x" * 4096 + b"\\r\\n"):
            pass

    with HostileServer(endless_chunks) as srv:
        r = run_c6(c6_bin, script, env={"URL": srv.url}, timeout=30)
        assert r.peak_rss_kb < 200_000

Every server is bounded: it stops serving after `max_seconds` (default 20) or
`max_bytes` sent per connection (default 2 GiB), whichever comes first, and
closes with the `with` block. Only 127.0.0.1 is ever bound.

`HostileServer(behave, tls=True)` serves HTTPS (url https://...) with a
self-signed certificate made once per process (the script must skip
verification: insecureSkipTLSVerify); behave then gets the TLS socket, after
the handshake.
"""

import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

_HEAD_END = b"\r\n\r\n"


class Stop(Exception):
    """Raised by feed() when the server is closing or a bound is reached."""


_tls_lock = threading.Lock()
_tls_ctx = None


def tls_context():
    """A server SSLContext with a self-signed certificate for 127.0.0.1 (made
    with openssl the first time, in a temporary directory)."""
    global _tls_ctx
    with _tls_lock:
        if _tls_ctx is None:
            d = tempfile.mkdtemp(prefix="c6-hostile-tls-")
            subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                            "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
                            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                            "-keyout", "key.pem", "-out", "cert.pem"],
                           cwd=d, check=True, capture_output=True, timeout=60)
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(os.path.join(d, "cert.pem"), os.path.join(d, "key.pem"))
            _tls_ctx = ctx
        return _tls_ctx


class HostileServer:
    def __init__(self, behave, max_seconds=20.0, max_bytes=2 << 30, read_request=True, tls=False):
        self.behave = behave
        self.max_seconds = max_seconds
        self.max_bytes = max_bytes
        self.read_request = read_request
        self.tls = tls_context() if tls else None
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self.connections = 0
        self.requests = []          # the request heads read, in order
        self.deadline = time.monotonic() + max_seconds
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.stopping.set()
        self.thread.join(5)
        self.sock.close()

    def alive(self):
        return not self.stopping.is_set() and time.monotonic() < self.deadline

    def _accept(self):
        while self.alive():
            try:
                c, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            threading.Thread(target=self._serve, args=(c,), daemon=True).start()

    def _serve(self, conn):
        conn.settimeout(2)
        try:
            if self.tls:
                conn = self.tls.wrap_socket(conn, server_side=True)   # handshakes
        except OSError:   # ssl.SSLError too: the client gave up or spoke no TLS
            conn.close()
            return
        conn = _Bounded(conn, self)
        try:
            head = read_head(conn) if self.read_request else b""
            self.requests.append(head)
            self.behave(conn, head)
        except (Stop, OSError):
            pass
        finally:
            conn.close()


class _Bounded:
    """A socket whose sends stop at the server's byte and time bounds."""

    def __init__(self, sock, server):
        self.sock, self.server, self.sent = sock, server, 0

    def sendall(self, data):
        if not self.server.alive() or self.sent + len(data) > self.server.max_bytes:
            raise Stop()
        self.sock.sendall(data)
        self.sent += len(data)

    def __getattr__(self, name):
        return getattr(self.sock, name)


def feed(conn, data):
    """Send data; False (instead of an exception) once the peer is gone or a bound hit."""
    try:
        conn.sendall(data)
        return True
    except (Stop, OSError):
        return False


def read_head(conn, limit=1 << 20):
    """Read up to the end of a request head (or `limit` bytes); returns what was read."""
    got = b""
    while _HEAD_END not in got and len(got) < limit:
        chunk = conn.recv(65536)
        if not chunk:
            break
        got += chunk
    return got


class Result:
    def __init__(self, code, out, err, elapsed, peak_rss_kb):
        self.code, self.out, self.err = code, out, err
        self.elapsed, self.peak_rss_kb = elapsed, peak_rss_kb

    def __repr__(self):
        return (f"<c6 exit={self.code} {self.elapsed:.1f}s peak={self.peak_rss_kb} KB\n"
                f"stdout={self.out[-3000:]}\nstderr={self.err[-3000:]}>")


def log_records(result, level=None, source=None):
    """The log lines of a run made with --log-format=json, as dicts (lines that
    are not JSON, e.g. a sanitizer report, are skipped), filtered by level and
    source ("console" for console.log)."""
    out = []
    for line in result.err.splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if isinstance(rec, dict) and (level is None or rec.get("level") == level) \
                and (source is None or rec.get("source") == source):
            out.append(rec)
    return out


def console_json(result):
    """What the script console.log'ged as JSON, one value per call, in order
    (run with --log-format=json; a script's per-request results travel this way)."""
    return [json.loads(rec["msg"]) for rec in log_records(result, source="console")]


# Runs argv[2:] in a child and writes "<wait status> <ru_maxrss>" to fd argv[1].
# Why a go-between: Linux carries a process's RSS high-water mark across
# execve (the old address space's peak goes into the rusage maxrss), and
# subprocess spawns with vfork, whose address space is the test's own; c6's
# ru_maxrss would then be at least pytest's peak (250 MB with a 200 MB
# bytearray around, for a c6 of 15 MB). Forked from this small interpreter,
# the floor is its ~10 MB, below what c6 uses idle.
_SPAWN = """
import os, sys
fd = int(sys.argv[1])
pid = os.fork()
if pid == 0:
    try:
        os.execv(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
os.write(fd, b"%d %d" % (status, usage.ru_maxrss))
"""


def rss_env(**env):
    """A run's environment for a peak-RSS measurement. Under `make asan`
    (ASAN_OPTIONS set) ASan's quarantine of freed memory (256 MB by default)
    is kept small, so that the peak RSS still measures what c6 holds."""
    if "ASAN_OPTIONS" in os.environ:
        env["ASAN_OPTIONS"] = os.environ["ASAN_OPTIONS"] + ":quarantine_size_mb=8"
    return env


def run_c6(c6_bin, script, *flags, env=None, timeout=60, cwd=None):
    """`c6 run -q *flags script`; returns a Result with c6's peak RSS in KB
    (ru_maxrss from wait4 of c6 itself, forked from a small go-between process
    so that the test process's own memory does not count; see _SPAWN).
    A run still going after `timeout` seconds is killed and fails the test."""
    penv = {k: v for k, v in os.environ.items() if not k.startswith("K6_")}
    penv["K6_ADDRESS"] = "127.0.0.1:0"
    penv.update(env or {})
    args = [c6_bin, "run", "-q", *[str(f) for f in flags], str(script)]
    rfd, wfd = os.pipe()
    t0 = time.monotonic()
    try:
        # its own process group, so that a kill reaches c6 and the go-between
        p = subprocess.Popen([sys.executable, "-c", _SPAWN, str(wfd), *args],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=penv, cwd=cwd,
                             stdin=subprocess.DEVNULL, pass_fds=(wfd,), start_new_session=True)
    finally:
        os.close(wfd)
    box = {"out": b"", "err": b"", "rep": b""}

    def drain(name, f):
        box[name] = f.read()

    rep = os.fdopen(rfd, "rb")
    readers = [threading.Thread(target=drain, args=("out", p.stdout), daemon=True),
               threading.Thread(target=drain, args=("err", p.stderr), daemon=True),
               threading.Thread(target=drain, args=("rep", rep), daemon=True)]
    for t in readers:
        t.start()
    killed = threading.Event()

    def kill():
        killed.set()
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    killer = threading.Timer(timeout, kill)
    killer.start()
    p.wait()
    killer.cancel()
    for t in readers:
        t.join(10)
    rep.close()
    out = box["out"].decode("utf-8", "replace")
    err = box["err"].decode("utf-8", "replace")
    if killed.is_set() or not box["rep"]:
        r = Result(p.returncode, out, err, time.monotonic() - t0, 0)
        raise AssertionError(f"c6 did not stop within {timeout}s (or its go-between failed): {args}\n{r!r}")
    status, maxrss = (int(x) for x in box["rep"].split())
    return Result(os.waitstatus_to_exitcode(status), out, err, time.monotonic() - t0, maxrss)
