"""k6/websockets (and k6/experimental/websockets) against the built-in
target's /ws/echo and /ws/close: the non-blocking WebSocket class with its
events delivered from the VU's event loop (handlers, listeners, promises,
timers), several sockets in one VU, binary messages as Blob or ArrayBuffer,
ping/pong, close codes both ways, failures as error + close events, the
iteration lasting until every socket is closed (and cut off at the end of
a duration), metrics and tags, and wss:// against --tls-listen."""
import base64
import hashlib
import json
import socket
import struct
import threading
import time


def record(r, tag):
    msgs = [m for m in r.console() if m.startswith(tag + " ")]
    assert len(msgs) == 1, r
    return msgs[0][len(tag) + 1:]


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()   # nothing listens there now: connections are refused
    return port


def check_echo(seen, url):
    assert seen["texts"] == ["hello", "héllo wörld ✓"], seen
    assert seen["blobs"] == [[0, 1, 2, 250, 255]] and seen["blobSize"] == 5, seen   # default binaryType "blob"
    assert seen["bins"] == [[9, 8, 7]], seen                                         # then "arraybuffer"
    assert seen["listener"] == ["string", "string", "object", "object"], seen       # onmessage and a listener
    assert seen["removed"] == 0, seen                                                 # removeEventListener worked
    assert seen["pongs"] == 1 and seen["pings"] == 1 and seen["errors"] == [], seen
    assert seen["states"] == [0, 1, 2] and seen["consts"] == [0, 1, 2, 3, 1], seen
    assert seen["defaultBinaryType"] == "blob" and seen["openType"] == "open" and seen["targetOk"], seen
    assert seen["protocol"] == "chat" and seen["url"] == url, seen
    assert seen["close"] == {"code": 1000, "type": "close", "state": 3}, seen


def test_echo_events_and_metrics(c6, target, tmp_path):
    out = tmp_path / "o.json"
    r = c6("websockets/echo.js", "-o", f"json={out}")
    assert r.code == 0, r
    url = target.replace("http://", "ws://") + "/ws/echo?x=1"
    check_echo(json.loads(record(r, "seen")), url)
    # 5 sent ("!ping" included), 4 echoed back (the command is not)
    assert r.count("ws_sessions") == 1 and r.count("ws_msgs_sent") == 5 and r.count("ws_msgs_received") == 4, r
    assert r.count("iterations") == 1, r
    points = [json.loads(line) for line in open(out) if '"Point"' in line]
    ws = [p for p in points if p["metric"].startswith("ws_")]
    assert {p["metric"] for p in ws} == {"ws_sessions", "ws_connecting", "ws_msgs_sent", "ws_msgs_received",
                                         "ws_ping", "ws_session_duration"}, ws
    for p in ws:
        t = p["data"]["tags"]
        assert t["url"] == url and t["status"] == "101" and t["subproto"] == "chat", t
        assert t["my"] == "tag" and t["scenario"] == "default" and t["group"] == "", t
    assert any(p["metric"] == "data_sent" and p["data"]["tags"].get("my") == "tag" for p in points), points


def test_several_sockets_with_timers(c6):
    r = c6("websockets/several.js", timeout=30)
    assert r.code == 0, r
    runs = [json.loads(m.split(" ", 2)[2]) for m in r.console() if m.startswith("several ")]
    assert len(runs) == 4, r
    for res in runs:
        assert res["got"] == {str(i): [f"s{i}-{k}" for k in range(3)] for i in range(3)}, res
        assert sorted(res["order"]) == [0, 1, 2] and res["codes"] == 4000 + res["order"][-1], res
        assert res["ms"] >= 60, res                                  # the slowest sends every 40 ms
    # the function returned at once (well before its sockets' >= 60 ms, even
    # on a loaded machine); the iteration waited for its sockets
    assert all(int(m.split()[1]) < 50 for m in r.console() if m.startswith("returned ")), r
    # 36 echoes at least: under load an interval may send a fourth message
    # before the third echo clears it (its echo is then ignored)
    assert r.count("iterations") == 4 and r.count("ws_sessions") == 12 and r.count("ws_msgs_received") >= 36, r
    assert r.trend("iteration_duration")["min"] >= 60, r


def test_close_codes_both_ways(c6):
    r = c6("websockets/close_codes.js")
    assert r.code == 0, r
    res = json.loads(record(r, "codes"))
    assert res["closes"] == {
        "server": {"code": 4001, "reason": "bye", "clean": True, "state": 3},
        "client": {"code": 4321, "reason": "mine", "clean": True, "state": 3},
        "command": {"code": 1001, "reason": "going", "clean": True, "state": 3},
        "early": {"code": 4100, "reason": "", "clean": True, "state": 3},
    }, res
    assert "dOpened" not in res, res                   # closed before the open: no open event
    assert res["badCode"].startswith("RangeError: WebSocket.close(1005)"), res
    assert res["longReason"] == "SyntaxError", res
    assert r.count("ws_msgs_sent") == 1, r             # the !close command; the send after the close dropped


def test_async_await(c6, tmp_path):
    out = tmp_path / "o.json"
    r = c6("websockets/async.js", "-o", f"json={out}")
    assert r.code == 0, r
    assert [m for m in r.console() if m.startswith("async ")] == ["async one two 4002 3"] * 2, r
    assert r.count("iterations") == 2 and r.count("ws_sessions") == 2, r
    points = [json.loads(line) for line in open(out) if '"Point"' in line]
    groups = {p["data"]["tags"]["group"] for p in points if p["metric"].startswith("ws_")}
    assert groups == {"::g"}, groups


def test_async_http_requests_and_socket_events_share_the_loop(c6):
    r = c6("websockets/mixed.js")
    assert r.code == 0, r
    assert json.loads(record(r, "mixed")) == ["open", "http 200", "echo status 200"], r
    assert r.count("http_reqs") == 1 and r.count("ws_msgs_received") == 1, r


def test_failures_are_error_and_close_events(c6):
    r = c6("websockets/errors.js", "-e", f"CLOSED_PORT={closed_port()}")
    assert r.code == 0, r
    res = json.loads(record(r, "errors"))
    ev = res["events"]
    assert len(ev["refused"]) == 2 and ev["refused"][0].startswith("error:error:dial tcp 127.0.0.1:"), ev
    # k6's websockets.go connectionClosedWithError: the error, then a close
    # event without a code (closeCode stays 0); gorilla's ErrBadHandshake
    assert "connection refused" in ev["refused"][0] and ev["refused"][1] == "close:undefined:3", ev
    assert ev["notfound"] == ["error:error:websocket: bad handshake", "close:undefined:3"], ev
    assert ev["badhost"] == ["error:error:lookup bad_host!name: invalid host name", "close:undefined:3"], ev
    assert res["badUrl"].startswith("SyntaxError: new WebSocket(\"http://x/\"): malformed ws or wss URL"), res
    assert "params.compression \"deflate\" is not supported" in res["compression"], res
    assert "url is missing" in res["noUrl"], res
    assert res["sendEarly"].startswith("InvalidStateError"), res
    # the throwing handler fails its iteration; the dropped socket runs no close handler
    assert "Error: boom in onopen" in r.err and "closed after throw" not in r.err, r
    assert r.count("iterations") == 2, r


def test_cookie_jars_and_user_agent_on_the_handshake(c6):
    r = c6("websockets/cookies.js")
    assert r.code == 0, r
    assert json.loads(record(r, "cookies")) == ["flavor=choc", "other=one", "wsprobe/2", "mine/1"], r


def test_init_context_is_refused(c6):
    r = c6("websockets/init.js")
    assert r.code == 107, r
    assert "new WebSocket() is not available in the init context" in r.err, r


def test_iteration_waits_for_open_sockets(c6):
    r = c6("websockets/waits.js")
    assert r.code == 0, r
    msgs = sorted(m for m in r.console() if m.startswith("waited "))
    assert [m.split()[1:3] for m in msgs] == [["0", "4003"], ["1", "4003"]], r
    assert all(int(m.split()[3]) >= 295 for m in msgs), r
    assert r.trend("iteration_duration")["min"] >= 295, r


def test_open_socket_is_cut_off_at_the_end(c6):
    t0 = time.monotonic()
    r = c6("websockets/interrupt.js", timeout=20)
    assert r.code == 0, r
    assert time.monotonic() - t0 < 10, r
    assert "closed" not in r.console(), r
    assert r.count("ws_sessions") == 1 and r.count("ws_msgs_sent") >= 10, r
    assert 900 <= r.trend("ws_session_duration")["max"] < 3000, r


def _close_code_server():
    """A WebSocket server that accepts one session, drops what it is sent
    and records the code of the client's close frame."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    srv.settimeout(10)
    got = {}

    def serve():
        conn, _ = srv.accept()
        conn.settimeout(10)
        data = b""
        while b"\r\n\r\n" not in data:
            data += conn.recv(4096)
        key = [l.split(b":", 1)[1].strip() for l in data.split(b"\r\n") if l.lower().startswith(b"sec-websocket-key:")][0]
        acc = base64.b64encode(hashlib.sha1(key + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest())
        conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     b"Sec-WebSocket-Accept: " + acc + b"\r\n\r\n")
        buf = data.split(b"\r\n\r\n", 1)[1]
        while True:
            while len(buf) < 2 or len(buf) < 2 + 4 + (buf[1] & 127):
                chunk = conn.recv(4096)
                if not chunk:
                    got["eof"] = True
                    return
                buf += chunk
            op, n = buf[0] & 15, buf[1] & 127   # the client's frames here are short
            mask = buf[2:6]
            payload = bytes(b ^ mask[i % 4] for i, b in enumerate(buf[6:6 + n]))
            buf = buf[6 + n:]
            if op == 8:
                got["code"] = struct.unpack(">H", payload[:2])[0]
                return

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    return srv, t, got


def test_cut_off_socket_says_going_away(c6):
    srv, t, got = _close_code_server()
    r = c6("websockets/interrupt.js", "-e", f"WS_URL=ws://127.0.0.1:{srv.getsockname()[1]}/", timeout=20)
    t.join(10)
    srv.close()
    assert r.code == 0, r
    assert got == {"code": 1001}, (got, r)


def test_wss_echo(c6, target_tls):
    r = c6("websockets/echo.js", "-e", f"TARGET={target_tls.url}",
           env={"SSL_CERT_FILE": target_tls.cert}, with_target=False)
    assert r.code == 0, r
    check_echo(json.loads(record(r, "seen")), target_tls.url.replace("https://", "wss://") + "/ws/echo?x=1")
    assert r.count("ws_sessions") == 1 and r.count("ws_msgs_received") == 4, r


def test_wss_untrusted_certificate_is_an_error_event(c6, target_tls):
    r = c6("websockets/errors.js", "-e", f"TARGET={target_tls.url}", "-e", f"CLOSED_PORT={closed_port()}",
           with_target=False, env={"SSL_CERT_FILE": None, "SSL_CERT_DIR": None})
    assert r.code == 0, r
    ev = json.loads(record(r, "errors"))["events"]
    assert ev["notfound"][0].startswith("error:error:") and "x509" in ev["notfound"][0], ev
    assert ev["notfound"][1] == "close:undefined:3", ev
