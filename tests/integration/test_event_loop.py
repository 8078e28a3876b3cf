"""One event loop for every event source of a VU: k6/net/grpc streams and
asyncInvoke calls, k6/websockets sockets, http.asyncRequest requests and
timers each wake the waiting VU as their events arrive, whatever else is
open in the iteration, and the iteration lasts until the last one ends.

k6 v2.2.0: every module queues its events on the VU's one event loop
(js/eventloop/eventloop.go: RegisterCallback, run in arrival order), so a
stream's message is handled as soon as it arrives (internal/js/modules/k6/
grpc/stream.go: readData hands each message on, and each is queued with
s.tq.Queue, a task queue on the event loop), a socket's event likewise
(websockets.go), an asyncRequest's promise settles when its own request is
done (k6/http/request.go asyncRequest: the request runs in a goroutine "off
the event loop", its callback resolves that promise alone), and the
iteration waits until every registered callback has run. Before this change c6 handled gRPC events only
when a socket event or a timer woke the VU, and http.asyncRequest held every
other event until all requests made with it were done.

Bounds are generous (the machine is shared): events due at ~100-300 ms must
come before 1 s, while the silent source holds the iteration for ~3 s."""
import re

import pytest

from test_grpc import _start_server, _stop_server


@pytest.fixture(scope="module")
def grpc_addr(tmp_path_factory):
    proc, ports = _start_server(tmp_path_factory.mktemp("grpc-loop"))
    yield f"127.0.0.1:{ports['plain']}"
    _stop_server(proc)


def timeline(r):
    """{event: ms since the iteration started} from the script's "<event> <ms>" lines."""
    out = {}
    for line in r.console():
        m = re.fullmatch(r"(\S+) (\d+)", line)
        assert m and m.group(1) not in out, r
        out[m.group(1)] = int(m.group(2))
    return out


def test_grpc_stream_and_async_invoke_with_a_silent_websocket(c6, grpc_addr):
    r = c6("grpc/wake_websockets.js", "-q", "-e", f"GRPC_ADDR={grpc_addr}", timeout=30)
    assert r.code == 0, r
    t = timeline(r)
    assert set(t) == {"ws-open", "data0", "data1", "data2", "end", "invoke0", "ws-close"}, r
    # the stream's messages (due at ~0, 100, 200 ms), its end and the unary
    # answer (~100 ms) come while the socket says nothing
    assert t["data0"] <= t["data1"] <= t["data2"] <= t["end"] < 1000, t
    assert t["invoke0"] < 1000, t
    # the server closes the socket after 3 s: the iteration lasts until then
    assert t["ws-close"] >= 2500, t
    assert r.trend("iteration_duration")["max"] >= 2500, r
    assert r.count("grpc_streams_msgs_received") == 3 and r.count("ws_sessions") == 1, r


def test_grpc_streams_and_timers(c6, grpc_addr):
    r = c6("grpc/wake_timers.js", "-q", "-e", f"GRPC_ADDR={grpc_addr}", timeout=30)
    assert r.code == 0, r
    t = timeline(r)
    assert set(t) == {"timer-soon", "data0", "data1", "data2", "end", "slow0", "slow1", "slow-end",
                      "timer-late"}, r
    # the fast stream's events come while the 3 s timer waits ...
    assert t["data0"] <= t["data1"] <= t["data2"] <= t["end"] < 1000, t
    # ... and the 100 ms timer fires while the slow stream is open
    assert 100 <= t["timer-soon"] < 1000 and t["slow0"] < 1000, t
    # the slow stream's second message ~2 s after its first, the late timer at
    # 3 s, the slow stream's end ~2 s after its last message (the server
    # sleeps after each one): the iteration lasts until that end
    assert 1500 <= t["slow1"] < 2900 and t["timer-late"] >= 3000, t
    assert t["slow-end"] >= 3500, t
    assert r.trend("iteration_duration")["max"] >= 3500, r


def test_http_async_requests_websockets_and_grpc(c6, grpc_addr):
    r = c6("grpc/wake_http.js", "-q", "-e", f"GRPC_ADDR={grpc_addr}", timeout=30)
    assert r.code == 0, r
    t = timeline(r)
    assert set(t) == {"http-quick200", "ws-hi", "ws-close", "data0", "data1", "data2", "end",
                      "http-slow200"}, r
    # while a request takes 3 s: the quick request's promise, the socket's
    # echo and close and the stream's events, each as it comes
    assert 100 <= t["http-quick200"] < 1000, t
    assert t["ws-hi"] <= t["ws-close"] < 1000, t
    assert t["data0"] <= t["data1"] <= t["data2"] <= t["end"] < 1000, t
    # the iteration ends with the slow request
    assert t["http-slow200"] >= 2900, t
    assert r.trend("iteration_duration")["max"] >= 2900, r
    assert r.count("http_reqs") == 2, r


@pytest.mark.parametrize("drop", ["throw", "cutoff"])
def test_open_sources_are_dropped_when_the_iteration_ends(c6, grpc_addr, drop):
    # k6: an exception in a callback ends the iteration (the event loop stops
    # and drops what is left); the end of the scenario's maxDuration with
    # gracefulStop 0 cuts it off. Nothing still open keeps c6 running: the run
    # ends in seconds, not after the 5 s request, socket and unary call.
    r = c6("grpc/wake_drop.js", "-e", f"GRPC_ADDR={grpc_addr}", "-e", f"DROP={drop}", timeout=30)
    assert r.code == 0, r
    out = r.console()
    # the redirect chain (two hops) completed while the rest ran
    assert "redirected 200" in out, r
    assert "http done" not in out and "invoke done" not in out and "ws closed" not in out, r
    assert r.elapsed < 4.5, r
    if drop == "throw":
        assert out.count("data0") == 1 and out.count("data1") == 1 and "data2" not in out and "end" not in out, r
        assert "handler failed" in r.err, r
        assert r.count("iterations") == 1, r
    else:
        assert "data0" in out, r
        assert "iterations" not in r.metrics, r  # an interrupted iteration is not counted


def test_rps_holds_async_requests_not_the_event_loop(c6):
    # k6's asyncRequest waits for the rps limiter in its goroutine, off the
    # event loop (lib/netext/httpext/request.go MakeRequest: "Check rate
    # limit", state.RPSLimit's Wait), so the loop's other events go on
    r = c6("websockets/wake_rps.js", "-q", timeout=30)
    assert r.code == 0, r
    t = timeline(r)
    assert set(t) == {"ws-hi", "http0-200", "http1-200", "http2-200"}, r
    assert t["ws-hi"] < 700, t
    assert min(t["http0-200"], t["http1-200"], t["http2-200"]) >= 900, t
    assert r.count("http_reqs") == 3, r
