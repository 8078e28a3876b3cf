"""A headless Chromium (Debian's `chromium`) driven over the DevTools
protocol, for tests of c6's web pages. The protocol goes over a pipe
(--remote-debugging-pipe: Chromium reads commands on its fd 3 and writes
answers and events on its fd 4, each message JSON ended by a NUL byte), so
no websocket module is needed. Every wait is bounded; close() kills the
browser and removes its profile.

Errors a page makes are collected from every frame (out-of-process ones
too, through auto-attach): uncaught exceptions (Runtime.exceptionThrown),
console.error/assert calls and the browser's own error entries
(Log.entryAdded: failed loads, CSP violations, ...)."""
import base64
import datetime
import fcntl
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.parse


def chromium_path():
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _above(fd, low):
    """fd moved to a number >= low."""
    high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, low)
    os.close(fd)
    return high


class Chromium:
    def __init__(self, timeout=30):
        exe = chromium_path()
        if not exe:
            raise RuntimeError("chromium is not installed (scripts/bootstrap.sh test)")
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="c6-chromium-")
        to_chrome_r, self._w = os.pipe()
        self._r, from_chrome_w = os.pipe()
        # above 4, so that putting one on 3 cannot overwrite the other
        to_chrome_r, from_chrome_w = _above(to_chrome_r, 10), _above(from_chrome_w, 10)
        args = [exe, "--headless=new", "--remote-debugging-pipe", f"--user-data-dir={self.profile}",
                "--no-first-run", "--no-default-browser-check", "--disable-gpu", "--disable-extensions",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,2000", "about:blank"]
        if os.geteuid() == 0:
            args.insert(1, "--no-sandbox")  # Chromium refuses to run as root with its sandbox
        # bash (dash takes single-digit fds only) puts the pipes on fds 3 and 4, then becomes chromium
        self.proc = subprocess.Popen(
            ["bash", "-c", f'exec "$0" "$@" 3<&{to_chrome_r} 4>&{from_chrome_w}', *args],
            pass_fds=(to_chrome_r, from_chrome_w), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._next = 0
        self._answers = {}
        self._cond = threading.Condition()
        self.events = []  # (sessionId, method, params)
        self.errors = []  # texts of the errors the pages made
        self.sessions = []  # sessions of out-of-process frames
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self._wlock = threading.Lock()

    # ---- the pipe ----
    def _read(self):
        pending = b""
        while True:
            try:
                chunk = os.read(self._r, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                with self._cond:
                    self._answers[None] = "closed"
                    self._cond.notify_all()
                return
            pending += chunk
            while b"\0" in pending:
                raw, pending = pending.split(b"\0", 1)
                self._dispatch(json.loads(raw))

    def _dispatch(self, m):
        with self._cond:
            if "id" in m:
                self._answers[m["id"]] = m
            else:
                sid, method, p = m.get("sessionId"), m.get("method"), m.get("params", {})
                self.events.append((sid, method, p))
                if method == "Runtime.exceptionThrown":
                    d = p.get("exceptionDetails", {})
                    self.errors.append("exception: " + (d.get("exception", {}).get("description") or d.get("text", "")))
                elif method == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                    self.errors.append("console." + p["type"] + ": " +
                                       " ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", [])))
                elif method == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                    e = p["entry"]
                    self.errors.append(f"log ({e.get('source')}): {e.get('text')} {e.get('url', '')}".strip())
                elif method == "Target.attachedToTarget" and p.get("targetInfo", {}).get("type") == "iframe":
                    self.sessions.append(p["sessionId"])
            self._cond.notify_all()
        if m.get("method") == "Target.attachedToTarget" and m["params"].get("targetInfo", {}).get("type") == "iframe":
            # an out-of-process frame: watch it too
            sid = m["params"]["sessionId"]
            threading.Thread(target=self._watch_session, args=(sid,), daemon=True).start()

    def _watch_session(self, sid):
        try:
            for method in ("Runtime.enable", "Log.enable"):
                self.send(method, session=sid)
            self.send("Runtime.runIfWaitingForDebugger", session=sid)
        except Exception:  # the frame went away
            pass

    def send(self, method, params=None, session=None, timeout=None):
        with self._wlock:
            self._next += 1
            mid = self._next
            msg = {"id": mid, "method": method, "params": params or {}}
            if session:
                msg["sessionId"] = session
            os.write(self._w, json.dumps(msg).encode() + b"\0")
        deadline = time.time() + (timeout or self.timeout)
        with self._cond:
            while mid not in self._answers:
                if None in self._answers:
                    raise RuntimeError(f"chromium closed the pipe during {method}")
                left = deadline - time.time()
                if left <= 0:
                    raise TimeoutError(f"no answer from chromium to {method}")
                self._cond.wait(left)
            m = self._answers.pop(mid)
        if "error" in m:
            raise RuntimeError(f"{method}: {m['error']}")
        return m.get("result", {})

    # ---- a page ----
    def open(self, url, network=False):
        """A new tab watched for errors, at url; returns its session. With
        network, its Network.* events are recorded from the start (for har())."""
        tid = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        sid = self.send("Target.attachToTarget", {"targetId": tid, "flatten": True})["sessionId"]
        for method in ("Page.enable", "Runtime.enable", "Log.enable") + (("Network.enable",) if network else ()):
            self.send(method, session=sid)
        self.send("Target.setAutoAttach", {"autoAttach": True, "waitForDebuggerOnStart": False, "flatten": True},
                  session=sid)
        self.send("Page.navigate", {"url": url}, session=sid)
        return sid

    def eval(self, sid, expr, context=None):
        """The value of a JavaScript expression (JSON-able) in the page (or an execution context)."""
        p = {"expression": expr, "returnByValue": True, "awaitPromise": True}
        if context:
            p["contextId"] = context
        r = self.send("Runtime.evaluate", p, session=sid)
        if "exceptionDetails" in r:
            raise RuntimeError(f"{expr}: {r['exceptionDetails']}")
        return r["result"].get("value")

    def wait(self, sid, expr, what, timeout=None, context=None):
        """Waits (bounded) until expr is truthy in the page; returns its value."""
        deadline = time.time() + (timeout or self.timeout)
        last = None
        while time.time() < deadline:
            try:
                last = self.eval(sid, expr, context)
                if last:
                    return last
            except RuntimeError:  # (a navigation in progress)
                pass
            time.sleep(0.1)
        raise TimeoutError(f"timed out waiting for {what} (last value {last!r}); errors: {self.errors}")

    def frame_eval(self, sid, expr, what, timeout=None):
        """Waits until expr is truthy in the page's first child frame (a
        sandboxed frame is cross-origin: it is reached in its own execution
        context, in this process or through its out-of-process session)."""
        deadline = time.time() + (timeout or self.timeout)
        while time.time() < deadline:
            tree = self.send("Page.getFrameTree", session=sid)["frameTree"]
            kids = tree.get("childFrames", [])  # (frames in this process only)
            fid = kids[0]["frame"]["id"] if kids else None
            with self._cond:
                ctxs = [p["context"]["id"] for s, m, p in self.events
                        if fid and s == sid and m == "Runtime.executionContextCreated"
                        and p["context"].get("auxData", {}).get("frameId") == fid
                        and p["context"].get("auxData", {}).get("isDefault")]
                destroyed = {p.get("executionContextId") for s, m, p in self.events
                             if s == sid and m == "Runtime.executionContextDestroyed"}
                oop = list(self.sessions)
            for ctx in reversed([c for c in ctxs if c not in destroyed]):
                try:
                    v = self.eval(sid, expr, ctx)
                    if v:
                        return v
                except RuntimeError:
                    pass
            for s in oop:
                try:
                    v = self.eval(s, expr)
                    if v:
                        return v
                except (RuntimeError, TimeoutError):
                    pass
            time.sleep(0.2)
        raise TimeoutError(f"timed out waiting for {what} in the frame; errors: {self.errors}")

    # ---- recording ----
    def har(self, sid, creator="c6 tests (chromium.py)"):
        """A HAR 1.2 document (a dict) of what the tab opened with
        open(url, network=True) loaded so far, built from its Network.*
        events as the browser's "Save all as HAR" would: a page per
        top-level document load (title: its URL), an entry per request and
        per redirect hop, request headers, post data (form params split as
        sent, undecoded), response status and headers, times."""
        with self._cond:
            events = [(m, p) for s, m, p in self.events if s == sid and m.startswith("Network.")]
        pages, entries, live = [], [], {}

        def iso(wall):
            t = datetime.datetime.fromtimestamp(wall, datetime.timezone.utc)
            return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"

        def header_list(h):
            return [{"name": k, "value": v} for k, v in (h or {}).items()]

        def finish(e, ts, response=None, failed=False):
            e["time"] = round(max(0.0, ts - e.pop("_ts")) * 1000, 3)
            e["timings"] = {"send": 0, "wait": e["time"], "receive": 0}
            if response is not None:
                e["response"] = {
                    "status": response.get("status", 0), "statusText": response.get("statusText", ""),
                    "httpVersion": response.get("protocol", "http/1.1").upper(),
                    "headers": header_list(response.get("headers")), "cookies": [],
                    "content": {"size": -1, "mimeType": response.get("mimeType", "")},
                    "redirectURL": (response.get("headers") or {}).get("Location", ""),
                    "headersSize": -1, "bodySize": -1}
            if failed:
                e["response"] = {"status": 0, "statusText": "", "httpVersion": "", "headers": [], "cookies": [],
                                 "content": {"size": 0, "mimeType": ""}, "redirectURL": "", "headersSize": -1,
                                 "bodySize": -1, "_error": failed}

        for m, p in events:
            rid = p.get("requestId")
            if m == "Network.requestWillBeSent":
                if p.get("redirectResponse") and rid in live:
                    finish(live.pop(rid), p["timestamp"], p["redirectResponse"])
                elif p.get("type") == "Document":
                    pages.append({"startedDateTime": iso(p["wallTime"]), "id": f"page_{len(pages) + 1}",
                                  "title": p["request"]["url"], "pageTimings": {}})
                rq = p["request"]
                u = urllib.parse.urlsplit(rq["url"])
                req = {"method": rq["method"], "url": rq["url"], "httpVersion": "HTTP/1.1",
                       "headers": header_list(rq.get("headers")), "cookies": [],
                       "queryString": [{"name": k, "value": v} for k, v in urllib.parse.parse_qsl(u.query)],
                       "headersSize": -1, "bodySize": 0}
                body = rq.get("postData")
                if body is None and rq.get("postDataEntries"):
                    body = b"".join(base64.b64decode(x.get("bytes", "")) for x in rq["postDataEntries"]).decode(
                        "utf-8", "replace")
                if body is not None:
                    mime = next((v for k, v in (rq.get("headers") or {}).items() if k.lower() == "content-type"), "")
                    req["postData"] = {"mimeType": mime, "text": body}
                    req["bodySize"] = len(body.encode())
                    if mime.startswith("application/x-www-form-urlencoded"):
                        req["postData"]["params"] = [
                            {"name": kv.partition("=")[0], "value": kv.partition("=")[2]}
                            for kv in body.split("&") if kv]
                e = {"startedDateTime": iso(p["wallTime"]), "_ts": p["timestamp"], "request": req,
                     "cache": {}, "time": 0}
                if pages:
                    e["pageref"] = pages[-1]["id"]
                entries.append(e)
                live[rid] = e
            elif m == "Network.responseReceived" and rid in live:
                live[rid]["_response"] = p["response"]
            elif m in ("Network.loadingFinished", "Network.loadingFailed") and rid in live:
                e = live.pop(rid)
                resp = e.pop("_response", None)
                failed = p.get("errorText", "failed") if m == "Network.loadingFailed" and resp is None else False
                finish(e, p["timestamp"], resp, failed)
        for e in live.values():  # never finished: left without a response
            e.pop("_ts", None)
            e.pop("_response", None)
        return {"log": {"version": "1.2", "creator": {"name": creator, "version": "1"},
                        "browser": {"name": "chromium", "version": ""}, "pages": pages, "entries": entries}}

    def close(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, 9)  # chromium and its helper processes
            except ProcessLookupError:
                pass
        try:
            self.proc.wait(timeout=10)
        finally:
            for fd in (self._r, self._w):
                try:
                    os.close(fd)
                except OSError:
                    pass
            shutil.rmtree(self.profile, ignore_errors=True)
