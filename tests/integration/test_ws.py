"""k6/ws against the built-in target's /ws/echo and /ws/close: echo round
trips (text, binary, long frames), ping/pong both ways, socket timers,
close codes from either side, failed handshakes and refused connections,
argument errors, metrics and their tags, several VUs at once, and sessions
cut off when the scenario ends; then the same over wss:// against the
target's --tls-listen (the `target_tls` fixture), with TLS failures."""
import json
import socket
import ssl
import threading
import time

import pytest


def record(r, tag):
    msgs = [m for m in r.console() if m.startswith(tag + " ")]
    assert len(msgs) == 1, r
    return msgs[0][len(tag) + 1:]


def test_echo_round_trips_and_metrics(c6, tmp_path):
    out = tmp_path / "o.json"
    r = c6("ws/echo.js", "-o", f"json={out}")
    assert r.code == 0, r
    seen = json.loads(record(r, "seen"))
    assert seen["texts"] == ["hello", "héllo wörld ✓", "long:70000"], seen
    assert seen["bins"] == [[0, 1, 2, 250, 255]], seen
    assert seen["pongs"] == 1 and seen["pings"] == 1, seen       # our ping answered; the server's ping seen
    assert seen["opened"] == 1 and seen["inCallback"] == "function", seen
    # k6's Close(): 1001 (going away) without a code, given to the handlers at once
    assert seen["closeCode"] == 1001 and seen["errors"] == [], seen
    assert 5 <= seen["ticks"] <= 14, seen                         # every 20 ms for ~250 ms
    assert seen["status"] == 101 and seen["error"] == "", seen
    assert seen["url"].endswith("/ws/echo?x=1") and seen["url"].startswith("ws://"), seen
    assert seen["accept"] == "string" and seen["subproto"] == "chat", seen
    # 5 sent ("!ping" included), 4 echoed back (the command is not echoed)
    assert r.count("ws_msgs_sent") == 5 and r.count("ws_msgs_received") == 4, r
    assert r.count("ws_sessions") == 1, r
    assert 240 <= r.trend("ws_session_duration")["min"] < 2000, r
    assert r.trend("ws_connecting")["max"] < 1000, r
    assert r.trend("ws_ping")["max"] < 1000, r
    points = [json.loads(l) for l in open(out) if '"Point"' in l]
    ws = [p for p in points if p["metric"].startswith("ws_")]
    assert {p["metric"] for p in ws} == {"ws_sessions", "ws_connecting", "ws_msgs_sent", "ws_msgs_received",
                                         "ws_ping", "ws_session_duration"}, ws
    for p in ws:
        t = p["data"]["tags"]
        assert t["url"] == seen["url"] and t["status"] == "101" and t["subproto"] == "chat", t
        assert t["my"] == "tag" and t["scenario"] == "default" and t["group"] == "", t
    sent = sum(p["data"]["value"] for p in points if p["metric"] == "data_sent" and "my" in p["data"]["tags"])
    received = sum(p["data"]["value"] for p in points if p["metric"] == "data_received" and "my" in p["data"]["tags"])
    assert 70000 < sent < 72000 and 70000 < received < 72000, (sent, received)   # wire bytes, 70 KB message each way


def test_close_codes(c6):
    r = c6("ws/close.js")
    assert r.code == 0, r
    res = json.loads(record(r, "close"))
    # server's code; our own code (k6: the one given to close()); server closing mid-conversation
    assert res["codes"] == [4001, 4321, 1001], res
    assert res["status"] == 101 and 140 <= res["took"] < 2000, res
    assert res["got"] == ["one"], res             # nothing after the server's close
    assert res["threw"] == "", res                 # k6 sends any code it is given (ws.go Close)
    # ws.go Close -> closeConnection: handlers at once with 1001, session over
    # (no echo, no timer), a later send fails with ErrCloseSent, a second close does nothing
    assert res["order"] == ["close 1001", "after close()", "error websocket: close sent"], res
    assert res["tookClose"] < 400, res
    assert r.count("ws_sessions") == 5, r


def test_failed_handshakes_and_bad_arguments(c6):
    r = c6("ws/errors.js")
    assert r.code == 0, r
    nf = json.loads(record(r, "nf"))
    # k6's ws.go Connect: an HTTP answer other than a valid 101 comes back
    # through wrapHTTPResponse (status, headers, body; no error, no url);
    # any other failure as HTTPResponse{Error: err.Error()}; nothing logged
    assert nf == {"status": 404, "error": "", "url": "", "body": True, "called": False}, nf
    refused = json.loads(record(r, "refused"))
    assert refused == {"status": 0, "error": "dial tcp 127.0.0.1:1: connect: connection refused", "url": ""}, refused
    notws = json.loads(record(r, "notws"))
    assert notws == {"status": 200, "error": ""}, notws
    assert record(r, "badurl") == 'ok "malformed ws or wss URL"', r    # gorilla's errMalformedURL
    assert record(r, "wss") == 'ok "dial tcp 127.0.0.1:1: connect: connection refused"', r   # wss:// dials too
    assert record(r, "nocb").startswith("threw TypeError: ws.connect(url, [params], callback)"), r
    assert "unknown event" in record(r, "badevent"), r
    assert record(r, "badinterval").startswith("threw RangeError: socket.setInterval requires a >0"), r
    assert "must be an ArrayBuffer" in record(r, "badbinary"), r
    assert record(r, "handler") == "threw Error: from the handler", r
    assert r.logs(level="warning") == [], r


def test_throw_option_makes_failures_exceptions(c6):
    r = c6("ws/errors.js", "--throw")
    assert r.code == 0, r     # the first failed connect throws: the iteration fails, the test goes on
    errs = [l["msg"] for l in r.logs(level="error")]
    assert any("websocket: bad handshake" in m for m in errs), r   # gorilla's ErrBadHandshake
    assert not [m for m in r.console() if m.startswith("nf ")], r


def test_several_vus_at_once(c6):
    r = c6("ws/vus.js")
    assert r.code == 0, r
    assert r.checks_total() == (16, 0), r
    assert r.count("ws_sessions") == 8 and r.count("ws_msgs_received") == 40, r
    assert r.trend("ws_session_duration")["max"] < 1000, r


def test_connect_in_init_context(c6):
    r = c6("ws/init.js")
    assert r.code == 107, r
    assert "ws.connect() is not available in the init context" in r.err, r


def test_open_session_is_cut_off_at_the_end(c6):
    t0 = time.monotonic()
    r = c6("ws/interrupt.js", timeout=20)
    assert r.code == 0, r
    assert time.monotonic() - t0 < 10, r
    assert r.count("ws_sessions") == 1, r
    assert 900 <= r.trend("ws_session_duration")["max"] < 3000, r
    assert r.count("ws_msgs_sent") >= 10, r


def test_cookie_jars_and_user_agent_on_the_handshake(c6):
    r = c6("ws/cookies.js")
    assert r.code == 0, r
    assert record(r, "vu") == "flavor=choc", r      # the VU's jar
    assert record(r, "own") == "other=one", r       # params.jar instead
    assert record(r, "ua") == "wsprobe/2", r
    assert record(r, "myua") == "mine/1", r


# ---------------------------------------------------------------- wss://


def _wire_bytes(out):
    sent = received = 0
    for line in open(out):
        p = json.loads(line)
        if p.get("type") == "Point" and "my" in p["data"]["tags"]:
            if p["metric"] == "data_sent":
                sent += p["data"]["value"]
            elif p["metric"] == "data_received":
                received += p["data"]["value"]
    return sent, received


def test_wss_echo_round_trips_count_tls_bytes(c6, target, target_tls, tmp_path):
    trusted = {"SSL_CERT_FILE": target_tls.cert}
    r = c6("ws/echo.js", "-o", f"json={tmp_path / 'wss.json'}", "-e", f"TARGET={target_tls.url}",
           env=trusted, with_target=False)
    assert r.code == 0, r
    seen = json.loads(record(r, "seen"))
    assert seen["texts"] == ["hello", "héllo wörld ✓", "long:70000"], seen
    assert seen["bins"] == [[0, 1, 2, 250, 255]], seen
    assert seen["pongs"] == 1 and seen["pings"] == 1 and seen["closeCode"] == 1001, seen
    assert seen["status"] == 101 and seen["error"] == "" and seen["subproto"] == "chat", seen
    assert seen["url"] == target_tls.url.replace("https://", "wss://") + "/ws/echo?x=1", seen
    assert r.count("ws_sessions") == 1 and r.count("ws_msgs_received") == 4, r
    # the same session in the clear: TLS adds the handshake (ClientHello,
    # the server's certificate) and record overhead to the wire bytes
    r2 = c6("ws/echo.js", "-o", f"json={tmp_path / 'ws.json'}")
    assert r2.code == 0, r2
    tls_sent, tls_received = _wire_bytes(tmp_path / "wss.json")
    sent, received = _wire_bytes(tmp_path / "ws.json")
    assert 70000 < sent < 72000 and tls_sent > sent + 300, (tls_sent, sent)
    assert tls_received > received + 500, (tls_received, received)


def test_wss_close_codes(c6, target_tls):
    r = c6("ws/close.js", "-e", f"TARGET={target_tls.url}", env={"SSL_CERT_FILE": target_tls.cert},
           with_target=False)
    assert r.code == 0, r
    res = json.loads(record(r, "close"))
    assert res["codes"] == [4001, 4321, 1001] and res["got"] == ["one"], res
    assert res["status"] == 101 and r.count("ws_sessions") == 5, r
    assert res["order"] == ["close 1001", "after close()", "error websocket: close sent"], res


def test_wss_several_vus(c6, target_tls):
    r = c6("ws/vus.js", "-e", f"TARGET={target_tls.url}", env={"SSL_CERT_FILE": target_tls.cert},
           with_target=False)
    assert r.code == 0, r
    assert r.checks_total() == (16, 0), r
    assert r.count("ws_sessions") == 8 and r.count("ws_msgs_received") == 40, r


def _tls_run(c6, urls, opts=None, env=None, *flags):
    args = ["-e", "URLS=" + " ".join(urls)] + list(flags)
    if opts is not None:
        args += ["-e", "OPTS=" + json.dumps(opts)]
    r = c6("ws/tls.js", *args, env=env, with_target=False, timeout=30)
    return r, [json.loads(m[4:]) for m in r.console() if m.startswith("rec ")]


@pytest.fixture
def plain_http_server():
    """A server on 127.0.0.1 that answers every connection with a plain
    HTTP 400 at once (before reading anything) and then waits for the
    client to go: its port. MHD may close without answering, a race."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    srv.settimeout(0.2)
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except OSError:
                continue
            with conn:
                conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                conn.settimeout(5)
                try:
                    while conn.recv(4096):
                        pass
                except OSError:
                    pass

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    yield srv.getsockname()[1]
    stop.set()
    t.join(10)
    srv.close()


def test_wss_checks_the_host_name_and_speaks_tls_only(c6, target_tls, plain_http_server):
    port = target_tls.url.rsplit(":", 1)[1]
    plain_port = plain_http_server
    urls = [f"wss://localhost:{port}/ws/echo",          # by name: SNI and the name checked
            f"wss://wrong.test:{port}/ws/echo",         # a name the certificate does not carry
            f"wss://127.0.0.1:{plain_port}/ws/echo"]    # not a TLS server
    r, recs = _tls_run(c6, urls, {"hosts": {"wrong.test": "127.0.0.1"}}, {"SSL_CERT_FILE": target_tls.cert})
    assert r.code == 0, r
    ok, wrong, plain = recs
    assert ok["opened"] and ok["echo"] == "hi" and ok["closeCode"] == 1001, ok
    assert (ok["status"], ok["error"]) == (101, ""), ok
    # k6's ws Response (ws.go HTTPResponse: url, status, headers, body, error) has no error_code
    assert all("error_code" not in rec for rec in recs), recs
    assert not wrong["opened"] and wrong["status"] == 0, wrong
    assert wrong["error"] == "x509: certificate doesn't match hostname", wrong
    assert not plain["opened"], plain
    assert plain["error"] == "tls: first record does not look like a TLS handshake", plain
    assert r.count("ws_sessions") == 1, r


def test_wss_untrusted_certificate_and_insecure_skip_tls_verify(c6, target_tls):
    url = target_tls.url.replace("https://", "wss://") + "/ws/echo"
    untrusted = {"SSL_CERT_FILE": target_tls.ca}    # a trust store without the target's certificate
    r, (rec,) = _tls_run(c6, [url], env=untrusted)
    assert r.code == 0, r
    assert not rec["opened"] and rec["status"] == 0, rec
    assert rec["error"] == "x509: unknown authority" and "error_code" not in rec, rec
    assert r.logs(level="warning") == [], r   # k6's ws.go logs nothing for a failed connect

    r, (rec,) = _tls_run(c6, [url], {"insecureSkipTLSVerify": True}, untrusted)
    assert r.code == 0, r
    assert rec["opened"] and rec["echo"] == "hi" and "error_code" not in rec, rec

    r, (rec,) = _tls_run(c6, [url], None, untrusted, "--throw")
    assert r.code == 0, r
    assert "x509: unknown authority" in rec["threw"] and not rec["opened"], rec


@pytest.fixture
def tls_probe_server(target_tls):
    """A TLS server on 127.0.0.1 (the fixture's self-signed rogue
    certificate; client certificates from its CA asked for) that refuses
    every WebSocket handshake with a 403 whose body says what the TLS
    handshake settled on: ALPN (h2 preferred when offered), TLS version,
    SNI and the client certificate's CN. Yields its port."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(target_tls.rogue_cert, target_tls.rogue_key)
    ctx.load_verify_locations(target_tls.ca)
    ctx.verify_mode = ssl.CERT_OPTIONAL
    ctx.set_alpn_protocols(["h2", "http/1.1"])
    sni = {}
    ctx.sni_callback = lambda sobj, name, c: sni.__setitem__("name", name)   # one connection at a time
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    srv.settimeout(0.2)
    stop = threading.Event()

    def one(conn):
        conn.settimeout(5)
        sni.clear()
        with ctx.wrap_socket(conn, server_side=True) as t:
            req = b""
            while b"\r\n\r\n" not in req:
                d = t.recv(4096)
                if not d:
                    return
                req += d
            cert = t.getpeercert() or {}
            cn = [v for rdn in cert.get("subject", ()) for k, v in rdn if k == "commonName"]
            body = json.dumps({"alpn": t.selected_alpn_protocol(), "version": t.version(),
                               "sni": sni.get("name"), "cn": cn[0] if cn else None}).encode()
            t.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))

    def serve():
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except OSError:
                continue
            try:
                one(conn)
            except (OSError, ssl.SSLError):
                pass

    th = threading.Thread(target=serve, daemon=True)
    th.start()
    yield srv.getsockname()[1]
    stop.set()
    th.join(10)
    srv.close()


def test_wss_alpn_tls_auth_tls_version_and_sni(c6, target_tls, tls_probe_server):
    port = tls_probe_server
    opts = {"insecureSkipTLSVerify": True, "tlsVersion": "tls1.2",
            "tlsAuth": [{"domains": ["127.0.0.1"], "certFile": target_tls.client_cert,
                         "keyFile": target_tls.client_key}]}
    r, recs = _tls_run(c6, [f"wss://127.0.0.1:{port}/ws", f"wss://localhost:{port}/ws"], opts)
    assert r.code == 0, r
    by_ip, by_name = recs
    for rec in recs:
        assert rec["status"] == 403 and "error_code" not in rec and rec["error"] == "", rec
    ip, name = json.loads(by_ip["body"]), json.loads(by_name["body"])
    # a WebSocket needs HTTP/1.1: h2 is not offered even though https offers it
    assert ip["alpn"] == "http/1.1" and name["alpn"] == "http/1.1", (ip, name)
    assert ip["version"] == "TLSv1.2" and name["version"] == "TLSv1.2", (ip, name)
    # tlsAuth's certificate for its domain only; SNI for names, not addresses
    assert ip["cn"] == target_tls.client_cn and name["cn"] is None, (ip, name)
    assert ip["sni"] is None and name["sni"] == "localhost", (ip, name)


def test_dialer_options_apply(c6):
    # k6 dials ws through the VU's dialer (ws.go: websocket.Dialer{NetDialContext:
    # state.Dialer.DialContext}); lib/netext/dialer.go refuses a blocked name before
    # the lookup and a blacklisted address after it, and gorilla returns that error
    # unwrapped: k6/ws's response.error, k6/websockets' error event
    r = c6("ws/dialer.js")
    assert r.code == 0, r
    assert record(r, "ws-blocked") == '"hostname (ws.example) is in a blocked pattern (*.example)"', r
    assert record(r, "ws-listed") == '"IP (127.0.0.1) is in a blacklisted range (127.0.0.0/8)"', r
    assert record(r, "wsn-blocked") == '["hostname (ws.example) is in a blocked pattern (*.example)"]', r
