"""The JavaScript side of `c6 run`: __ENV, __VU, __ITER, setup/teardown data,
group(), check(), relative imports, open() and console.log formatting."""
import json
import re
from collections import defaultdict


def test_env_from_flag_and_system(c6):
    r = c6("js/env.js", "-e", "C6_T_CLI=cli", "-e", "C6_T_BOTH=fromcli",
           env={"C6_T_SYS": "sys", "C6_T_BOTH": "fromsys"})
    assert r.code == 0, r
    assert [json.loads(m) for m in r.console()] == [
        {"cli": "cli", "sys": "sys", "both": "fromcli"}], r


def test_include_system_env_vars_false_hides_system_env(c6):
    r = c6("js/env.js", "--include-system-env-vars=false", "-e", "C6_T_CLI=cli",
           "-e", "C6_T_BOTH=fromcli", env={"C6_T_SYS": "sys", "C6_T_BOTH": "fromsys"})
    assert r.code == 0, r
    assert [json.loads(m) for m in r.console()] == [
        {"cli": "cli", "sys": None, "both": "fromcli"}], r


def test_vu_and_iter_numbers(c6):
    r = c6("js/vu_iter.js", "-u", "3", "-d", "1s")
    assert r.code == 0, r
    per_vu = defaultdict(list)
    for msg in r.console():
        m = re.fullmatch(r"vu=(\d+) iter=(\d+)", msg)
        assert m, (msg, r)
        per_vu[int(m.group(1))].append(int(m.group(2)))
    assert sorted(per_vu) == [1, 2, 3], r
    for vu, iters in per_vu.items():
        # __ITER starts at 0 for each VU and goes up by one per iteration.
        assert iters == list(range(len(iters))), (vu, iters)
        assert len(iters) >= 3, (vu, iters)


def test_setup_data_reaches_default_and_teardown(c6):
    r = c6("js/setup_data.js", "-i", "2")
    assert r.code == 0, r
    msgs = r.console()
    expected = {"token": "abc", "list": [1, 2, 3], "nested": {"ok": True}}
    assert msgs.count("setup ran") == 1, r
    defaults = [json.loads(m[len("default "):]) for m in msgs if m.startswith("default ")]
    teardowns = [json.loads(m[len("teardown "):]) for m in msgs if m.startswith("teardown ")]
    assert defaults == [expected, expected], r
    assert teardowns == [expected], r
    # Order: setup first, teardown last.
    assert msgs[0] == "setup ran" and msgs[-1].startswith("teardown "), r


def test_group_returns_value_and_check_returns_boolean(c6):
    r = c6("js/group_check.js", "-i", "4")
    assert r.code == 0, r
    msgs = r.console()
    assert msgs.count("group returned 42") == 4, r
    assert msgs.count("check boolean true false false") == 4, r


def test_check_lines_in_summary(c6):
    r = c6("js/group_check.js", "-i", "4")
    assert r.code == 0, r
    checks = r.checks()
    for name in ("one is one", "one is two", "mixed ok", "mixed bad"):
        assert name in checks, (name, checks, r)
    assert checks["one is one"]["ok"] is True, r
    assert checks["mixed ok"]["ok"] is True, r
    assert checks["one is two"]["ok"] is False, r
    assert checks["mixed bad"]["ok"] is False, r
    # Failing checks show their pass/fail counts.
    assert (checks["one is two"]["passes"], checks["one is two"]["fails"]) == (0, 4), r
    assert (checks["mixed bad"]["passes"], checks["mixed bad"]["fails"]) == (0, 4), r
    # And the totals: 8 passes (two passing checks x 4), 8 fails.
    assert r.checks_total() == (8, 8), r


def test_relative_imports(c6):
    r = c6("js/imports.js")
    assert r.code == 0, r
    assert r.console() == ["add=5 greet=hello c6"], r


def test_relative_imports_from_another_cwd(c6, tmp_path):
    # Paths resolve against the importing file, not the working directory.
    r = c6("js/imports.js", cwd=str(tmp_path))
    assert r.code == 0, r
    assert r.console() == ["add=5 greet=hello c6"], r


def test_open_in_init(c6, tmp_path):
    r = c6("js/open_init.js", "-i", "2", cwd=str(tmp_path))
    assert r.code == 0, r
    assert r.console() == ["users=3 first=alice bytes=56 binary=true"] * 2, r


def test_open_in_default_is_an_error(c6):
    r = c6("js/open_in_default.js", "-i", "2")
    assert r.code == 0, r
    msgs = r.console()
    assert msgs.count("before open") == 2, r
    assert "after open" not in msgs, r
    errors = [rec["msg"] for rec in r.logs(level="error")]
    assert len([e for e in errors if "open" in e and "init" in e]) == 2, r
    assert r.count("iterations") == 2, r


def test_console_formats(c6):
    r = c6("js/console_fmt.js")
    assert r.code == 0, r
    recs = r.logs(source="console")
    assert [x["msg"] for x in recs] == [
        "{ a: 1 }", "[ 1, 2 ]", "x 1 true", "plain string", "a warning", "an error"], r
    assert [x["level"] for x in recs] == ["info"] * 4 + ["warning", "error"], r
    # logfmt: time="..." level=... msg="..."
    line = next(ln for ln in r.err.splitlines() if "plain string" in ln)
    assert re.match(r'^time="[^"]+" level=info msg="plain string"', line), line
    # Logs are on stderr, not stdout.
    assert "plain string" not in r.out, r


def test_vu_is_zero_in_setup_and_teardown(c6):
    r = c6("js/setup_vu.js", "-u", "2", "-i", "2")
    assert r.code == 0, r
    msgs = r.console()
    assert msgs[0] == "setup vu=0", r
    assert msgs[-1] == "teardown vu=0", r
    defaults = [m for m in msgs if m.startswith("default")]
    assert len(defaults) == 2, r
    assert set(defaults) <= {"default vu=1", "default vu=2"}, r


def test_commonjs_scripts_and_modules(c6):
    r = c6("cjs/main.js")
    assert r.code == 0, r
    recs = [json.loads(m) for m in r.console()]
    assert recs == [{"twice": 42, "name": "lib", "file": True, "self": True}] * 2, r
    assert r.count("http_reqs") == 2, r
    r = c6("cjs/esm_imports_cjs.js")
    assert r.code == 0 and r.console() == ["esm 8 lib"], r
    r = c6("cjs/dynamic.js")
    assert "k6/http" in r.err and "c6 loads modules before the run" in r.err and "dynamic.js:3:" in r.err, r
    r = c6("cjs/error_line.js")
    assert "error_line.js:3:" in r.err and "line four" in r.err, r


def test_import_meta_url_and_resolve(c6):
    r = c6("meta/main.js", "-i", "2", "-u", "2", with_target=False)
    assert r.code == 0, r
    recs = [json.loads(m) for m in r.console()]
    assert recs == [{"here": "lib", "plain": "main", "libUrl": True, "mainUrl": True, "resolved": True,
                     "builtin": "k6/http"}] * 2, r


def test_iter_set_again_after_the_script_deleted_it(c6):
    # __ITER is set each iteration (k6 js/runner.go ActiveVU.RunOnce:
    # Runtime.Set("__ITER", iteration)), also after the script deleted it,
    # as a plain writable/enumerable/configurable data property; the names
    # the script made and dropped in between do not get in its way. With a
    # runtime per VU too (C6_SHARED_RT=0), where only the VU holds the name.
    for shared in ("1", "0"):
        r = c6("js/iter_deleted.js", "-u", "2", "-i", "8", env={"C6_SHARED_RT": shared})
        assert r.code == 0, r
        per_vu = defaultdict(list)
        for msg in r.console():
            m = re.fullmatch(r"vu=(\d+) (?:deleted (\w+)|iter=(\d+) (\{.*\}) (\w+))", msg)
            assert m, (msg, r)
            if m.group(2) is not None:
                assert m.group(2) == "undefined", (msg, r)
                per_vu[int(m.group(1))].append(0)
                continue
            assert json.loads(m.group(4)) == {"value": int(m.group(3)), "writable": True,
                                              "enumerable": True, "configurable": True}, (msg, r)
            assert m.group(5) == "undefined", (msg, r)
            per_vu[int(m.group(1))].append(int(m.group(3)))
        assert sum(len(v) for v in per_vu.values()) == 8, r
        for vu, iters in per_vu.items():
            assert iters == list(range(len(iters))), (shared, vu, iters)
