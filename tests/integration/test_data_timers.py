"""k6/data's SharedArray (contents across VUs, its function run once per
process, read-only view, errors) and k6/timers (ordering, clearTimeout,
setInterval counts, iterations waiting for their timers, async/await, errors
from callbacks, init-context timers, interruption at the end of a test)."""
import json


def records(r, tag):
    return [json.loads(m.partition(" ")[2]) for m in r.console() if m.startswith(tag + " ")]


def test_shared_array_contents_across_vus(c6):
    r = c6("data/shared.js", with_target=False)
    assert r.code == 0, r
    assert r.console().count("building users") == 1, r   # once per process, not per VU
    recs = records(r, "rec")
    assert sorted(x["vu"] for x in recs) == [1, 2, 3, 4], r
    for rec in recs:
        vu = rec["vu"]
        assert rec["len"] == 51 and rec["again"] == 51, rec
        assert rec["u"] == {"id": vu * 3, "name": f"user{vu * 3}", "tags": ["a", "b"]}, rec
        assert rec["last"] is None and "past" not in rec, rec      # undefined stored as null; past the end: undefined
        assert rec["spread"] == [3, 1, 2] and rec["seen"] == 50, rec
        assert rec["map"] == [6, 2, 4] and rec["filter"] == [0, 10, 20, 30, 40], rec
        assert rec["slice"] == [1, 2] and rec["join"] == "3-1-2" and rec["idx"] == 2, rec
        assert rec["keys"] == ["0", "1", "2"] and rec["has"] == [True, False, True, True], rec
        for k in ("setEl", "setNew", "push", "del", "setLen", "frozen", "frozenDeep"):
            assert rec[k] == "TypeError", (k, rec)
        assert rec["copyIsFresh"] is True and rec["after"] == 3, rec
    assert r.count("iterations") == 8, r


def test_shared_array_made_by_vus_on_several_workers(c6):
    r = c6("data/shared_vu_only.js", "--workers", "2", with_target=False)
    assert r.code == 0, r
    assert r.console().count("building vu-only") == 1, r
    assert r.console().count("got 2000 row1999") == 8, r


def test_shared_array_outside_init(c6):
    r = c6("data/shared_outside_init.js", with_target=False)
    assert r.code == 0, r
    assert r.console() == ["caught new SharedArray() can only be called in the init context"], r


def test_shared_array_not_an_array(c6):
    r = c6("data/shared_not_array.js", with_target=False)
    assert r.code == 107, r
    assert "shared_not_array.js:2" in r.err and "must return an array" in r.err, r


def test_timers_order_clear_interval(c6):
    r = c6("data/timers.js", with_target=False)
    assert r.code == 0, r
    assert records(r, "order") == [["sync", "a12", "b", "c"]], r
    assert "ticks 3" in r.console(), r
    elapsed = int(next(m for m in r.console() if m.startswith("elapsed ")).split()[1])
    assert 50 <= elapsed < 1000, r
    assert "types function,function,function,function" in r.console(), r
    assert r.trend("iteration_duration")["min"] >= 50, r   # the iteration waited for its timers


def test_timers_async_await(c6):
    r = c6("data/timers_async.js", with_target=False)
    assert r.code == 0, r
    assert r.console().count("awaited done true") == 4, r
    assert r.console().count("late timer ran") == 4, r      # pending when the function returned: waited for
    assert r.count("iterations") == 4, r
    assert r.trend("iteration_duration")["min"] >= 150, r


def test_timer_callback_error_ends_iteration(c6):
    r = c6("data/timers_throw.js", with_target=False)
    assert r.code == 0, r
    errs = [x for x in r.logs(level="error") if "boom in timer" in x["msg"]]
    assert len(errs) == 2 and "timers_throw.js:5" in errs[0]["msg"], r
    assert "after boom" not in r.console(), r
    assert r.count("iterations") == 2, r


def test_timers_in_init_context(c6):
    r = c6("data/timers_init.js", with_target=False)
    assert r.code == 0, r
    assert r.console() == ["fired 1"], r


def test_timers_cut_off_at_the_end(c6):
    r = c6("data/timers_interrupt.js", with_target=False, timeout=20)
    assert r.code == 0, r
    assert r.elapsed < 8, r
    assert "never: 60s" not in r.console(), r
    assert not r.logs(level="error"), r


def test_shared_array_errors_and_timers_in_setup_teardown(c6):
    r = c6("data/shared_edge.js", with_target=False)
    assert r.code == 0, r
    rec = json.loads(r.console()[0])
    assert rec["err"] == 'SharedArray "circ": element 0 cannot be stored as JSON: TypeError: circular reference', r
    assert rec["err2"] == "new SharedArray(name, fn): the name is empty", r
    assert rec["empty"] == 0 and rec["d"] == {"ok": 1}, r
    assert r.console()[1:] == ["teardown timer"], r
