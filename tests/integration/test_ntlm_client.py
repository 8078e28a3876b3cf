"""params.auth "ntlm" on c6's HTTP client (src/net/http1.c + src/net/ntlm.c),
beyond test_ntlm.py: what one exchange's sample counts, and a connection
whose authentication the server dropped. Same NTLMv2-checking server.

k6 (lib/netext/httpext/request.go MakeRequest) wraps its tracing transport
in go-ntlmssp's Negotiator, so each round trip of the handshake (an
anonymous try, the negotiate message, the authenticate message) is a
sample of its own there; c6 keeps one sample per exchange, the one libcurl
gave before (test_ntlm.py pins it), with every leg's wire bytes in it."""
import json
import threading
import http.server

import pytest

from test_ntlm import _Handler


class _Forgetful(_Handler):
    """As test_ntlm's server; a request for ...?forget first drops the
    connection's authentication (as a server whose session ended)."""

    def _handle(self):
        if self.path.endswith("?forget"):
            self.user = None
        return super()._handle()

    do_GET = do_POST = _handle


@pytest.fixture
def forgetful_server():
    log = []
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), type("H", (_Forgetful,), {"log": log}))
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}/secret", log
    srv.shutdown()
    srv.server_close()


def _points(path, metric):
    out = []
    for line in path.read_text().splitlines():
        rec = json.loads(line)
        if rec.get("type") == "Point" and rec.get("metric") == metric:
            out.append(rec["data"]["value"])
    return out


def test_handshake_restarts_when_the_connection_lost_its_authentication(c6, forgetful_server, tmp_path):
    url, log = forgetful_server
    out = tmp_path / "out.json"
    r = c6("httpopt/ntlm_again.js", "-e", f"NTLM_URL={url}", "-o", f"json={out}", with_target=False)
    assert r.code == 0, r
    assert json.loads(r.console()[0]) == [[200, "hello alice"], [200, "hello alice"]], r
    # one connection: the handshake; the second request goes without a
    # message (authenticated), gets a 401 offering NTLM and the handshake
    # runs again on the same connection (libcurl's "NTLM auth restarted")
    assert len({conn for conn, *_ in log}) == 1, log
    assert [(m, kind) for _, m, kind, _ in log] == [("GET", 1), ("GET", 3), ("GET", 0), ("GET", 1), ("GET", 3)], log
    # one sample per exchange (the final response)
    assert r.count("http_reqs") == 2, r
    sent, received = _points(out, "data_sent"), _points(out, "data_received")
    assert len(sent) == 2 and len(received) == 2, (sent, received)
    # the second exchange had three legs (plain, negotiate, authenticate),
    # the first two: its wire bytes count each leg's request and response
    assert sent[1] > sent[0] + 100 and received[1] > received[0] + 100, (sent, received)
    # a 200 body alone is 11 bytes: the 401s with their challenge are counted
    assert received[0] > 2 * 100, received
