"""TypeScript scripts: .ts files (the script and the modules it imports) run
after their types are erased, keeping every line and column."""
import json
import re


def test_typescript_script_with_types_and_ts_module(c6):
    r = c6("ts/main.ts")
    assert r.code == 0, r
    recs = [json.loads(m) for m in r.console()]
    assert len(recs) == 2, r
    assert [x["counter"] for x in recs] == [1, 2], r
    rec = recs[0]
    assert rec["ok"] is True and rec["label"] == "ok", r
    assert rec["names"] == ["ANN", "BOB"] and rec["person"] == "zed:40" and rec["pick"] == "c", r
    assert rec["tags"] == ["x"] and rec["cfg"] == {"a": 1, "b": "yes", "c": [2, 4]}, r
    assert rec["ratio"] == 1 and rec["lookup"] == "text" and rec["wrapped"] == {"v": 5}, r
    assert rec["tagged"] == ["one"], r
    assert r.count("ts_hits") == 2 and r.count("http_reqs") == 2, r


def test_typescript_error_keeps_line_and_column(c6):
    r = c6("ts/error_line.ts", with_target=False)
    assert "line six" in r.err, r
    # line 6, and the column of the same call in the type-free text
    assert re.search(r"error_line\.ts:6:49\b", r.err), r


def test_typescript_enum_is_a_clear_error(c6):
    r = c6("ts/enum.ts", with_target=False)
    assert r.code != 0, r
    assert "TypeScript enum is not supported by c6's type stripping (line 4)" in r.err, r
    assert "enum.ts" in r.err, r


def test_typescript_error_in_module_and_script_lines(c6):
    r = c6("ts/module_error.ts", with_target=False)
    assert "mapped 1 a/b" in r.err, r
    assert re.search(r"module_error\.ts:10:\d+", r.err), r
    # Store.map in helper.ts calls the callback on its line 36
    assert re.search(r"helper\.ts:36:\d+", r.err), r
