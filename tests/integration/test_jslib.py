"""The jslib modules c6 embeds (https://jslib.k6.io/...): chai, papaparse and
core-js's URL are the real libraries (built in at build time); the k6chaijs
glue, k6-utils and httpx follow the jslibs' behaviour and wording. Each
expectation below comes from the jslib's source, cited per case."""
import json
import os

import pytest

from hostile import rss_env, run_c6
from conftest import SCRIPTS


def test_k6chaijs_check_names_are_chais_words(c6):
    r = c6("jslib/chai.js", "-i", "1", "--summary-mode=full")
    assert r.code == 0, r
    rec = json.loads(r.console()[-1])
    assert rec["passed"] is True and rec["failed"] is False and rec["thrown"] is False, rec
    assert rec["version"] == "4.3.3", rec   # Debian's libjs-chai 4.3.7 build says 4.3.3 (as jslib's 4.3.4.2 bundle does)
    # The AssertionError's message shows the values (k6-jslib-k6chaijs src/assert.ts:
    # createExpectationText); chai's objDisplay shortens a long string to its
    # truncateThreshold (40) with "…" (chai's inspect).
    assert rec["error"] == "AssertionError: expected 42 to equal 44", rec
    assert rec["long"] == "expected '" + "x" * 37 + "…' to equal '" + "y" * 37 + "…'", rec
    checks = r.checks()
    # Names: chai's message with "but " removed, #{exp} shown, #{this} the expect()
    # message or "${this}", #{act} "${actual}", cut at 100 + "..."
    # (src/assert.ts: createExpectationTemplate, createTestName; aggregateChecks default true).
    want_ok = [
        "expected status to equal 200",                      # chai assertEqual
        "has valid json body",                               # k6chaijs validJsonBody (src/matchers.ts)
        "expected slides to be an array",                    # chai an/a
        "expected slides to have property 'length'",         # chai assertLength asserts the property first
        "expected slides to have a length of 3 got ${actual}",
        "expected ${this} to be within 8..12",
        "expected obj to have property 'a'",
        "expected obj to have property 'a' of 1, got ${actual}",
        "expected ${this} to not equal 6",                   # the negated message
        "expected ${this} to deeply equal [ 1, 2 ]",
        "expected <anonymized> to be a string",              # anonymize(): #{this} replaced (src/matchers.ts)
        "three: expected 3 to equal 3",                      # aggregateChecks=false: "<message>: " + values
    ]
    want_failed = [
        "expected answer to equal 44",
        'Exception raised "Error: kaput"',                   # src/exceptions.ts
        "expected ${this} to equal '" + "y" * 37 + "…'",
    ]
    for name in want_ok:
        assert name in checks and checks[name]["ok"], (name, checks)
    for name in want_failed:
        assert name in checks and not checks[name]["ok"], (name, checks)
    assert "expected ${this} to be true" not in checks        # after the failed one: never ran
    assert r.checks_total() == (12, 3), r
    assert "GROUP: fetch json" in r.out and "GROUP: a failing block" in r.out, r.out   # describe is a group
    errs = [m for m in r.console() if m.startswith("Exception raised in test")]
    assert errs == ['Exception raised in test "an exception". Failing the test and continuing. \nError: kaput'], r


def test_papaparse_is_the_real_one(c6):
    r = c6("jslib/papaparse.js", "-i", "1", with_target=False)
    assert r.code == 0, r
    rec = json.loads(r.console()[0])
    assert rec["users"] == [
        {"id": "1", "name": "alice", "score": "9.5", "note": "hello, world"},
        {"id": "2", "name": "bob", "score": "7", "note": 'say "hi"'},
        {"id": "3", "name": "carol", "score": "true", "note": "multi\nline"},
    ], rec
    assert rec["typed"] == [9.5, 7, True] and rec["fields"] == ["id", "name", "score", "note"], rec
    assert rec["raw"] == [["a", "b"], ["1", "2"]] and rec["delim"] == ";", rec
    assert rec["errors"] == ["MissingQuotes: Quoted field unterminated"], rec
    # streaming: step gets one row at a time and parser.abort() stops it; parse() then returns undefined
    assert rec["steps"] == ["x", "y"] and rec["steppedAborted"] == "undefined", rec
    assert rec["chunks"] == 5, rec          # chunk callbacks over chunkSize=8 pieces: every row once
    assert rec["unparse"] == 'a,b\r\n1,"x,y"', rec
    assert rec["unparseCols"] == '"c","a"\r\n"3","1"', rec     # unparse's columns and quotes
    assert rec["transform"] == [{"a": "a=1", "b": "b=2"}], rec  # transform(value, column)


def test_url_is_core_js(c6):
    r = c6("jslib/url.js", "-i", "1", with_target=False)
    assert r.code == 0, r
    assert json.loads(r.console()[0]) == [
        "https://User:pw@example.com/a/c?x=1&y=a+b&z=q+r%26s#frag", "example.com", "https://example.com", "/a/c",
        "a b", "a=1&b=x+y", "http://h.test/a/d?k=v", ["a", "b"],
        "xn--mnchen-3ya.de",                                    # IDNA (UTS #46) host, as WHATWG URL has it
        "https://xn--mnchen-3ya.de/stra%C3%9Fe?q=%C3%BC",
        "a=1&a=0&b=2&c=3",                                      # sort() keeps the order of equal names
        "http://[::1]/", "TypeError", "xn--mnchen-3ya.de", '{"u":"http://a.test/"}'], r


# normalDistributionStages(maxVUs, seconds, n): the numbers of k6-jslib-utils
# src/utils.js (1.6.0): targets round(maxVUs * pdf(x_i) / max pdf) for x_i = -2 + 4i/n,
# i = 0..n, then 0; durations ceil(seconds/6) first and last, ceil(4*seconds/(6n))
# between; computed by hand from that algorithm. (10, 20, 5) is the jslib's own
# tests/normalDistributionStages.js example.
def _stages(pairs):
    return [{"duration": d, "target": t} for d, t in pairs]


NDS = [
    _stages([("4s", 1), ("3s", 5), ("3s", 10), ("3s", 10), ("3s", 5), ("3s", 1), ("4s", 0)]),
    _stages([("10s", 14)] + [("4s", t) for t in (28, 49, 73, 92, 100, 92, 73, 49, 28, 14)] + [("10s", 0)]),
    _stages([("17s", 7)] + [("7s", t) for t in (14, 24, 36, 46, 50, 46, 36, 24, 14, 7)] + [("17s", 0)]),
    _stages([("3s", 1), ("3s", 4), ("3s", 7), ("3s", 4), ("3s", 1), ("3s", 0)]),
    _stages([("600s", 135)] + [("400s", t) for t in (411, 801, 1000, 801, 411, 135)] + [("600s", 0)]),
]


def test_k6_utils_follow_the_jslib(c6):
    r = c6("jslib/utils.js", with_target=False)
    assert r.code == 0, r
    rec = json.loads(r.console()[0])
    assert rec["intsInRange"] and rec["intsCover"] == 3 and rec["item"] and rec["str"], rec
    assert rec["uuid"] and rec["uuidSecure"], rec
    # findBetween: null when nothing is found, with repeat too (src/utils.js, 1.6.0)
    assert rec["between"] == "1" and rec["betweenAll"] == ["1", "2"], rec
    assert rec["betweenNone"] is None and rec["betweenNoneAll"] is None, rec
    assert rec["stages"] == NDS, rec["stages"]
    # parseDuration: milliseconds; a bare number is milliseconds (src/stages.js)
    assert rec["durations"] == [90000, 5400000, 250, 172800000, 42], rec
    assert rec["badUnit"] == "x is an unsupported time unit", rec
    # first stage: index 0, "ramp-up" whatever startVUs is (tagWithCurrentStageProfile)
    assert rec["stage"] == 0 and rec["tags"] == ["0", "ramp-up"], rec
    assert rec["syncCheck"] is False and rec["asyncCheck"] is True, rec
    # check() adds to the checks rate with the check tag: 2 of 3 per iteration pass
    ok, failed = r.checks_total()
    assert ok >= 2 and failed >= 1 and ok == 2 * failed, r


def test_httpx_follows_the_jslib(c6, tmp_path):
    out = tmp_path / "o.json"
    r = c6("jslib/httpx.js", "-i", "1", "-o", f"json={out}")
    assert r.code == 0, r
    assert json.loads(r.console()[0]) == {
        "a": ["s1", "e"], "b": ["body!", "c", "s1"],
        "batch": ["1", "2", "pb"],      # a plain string in batch() is skipped (only arrays and Requests)
        "f": "3", "g": None, "h": 404,
        # src/httpx.js (0.1.0): validateMethod, request()'s argument count
        "badMethod": "Invalid method: FETCH. Expected one of GET,HEAD,POST,PUT,DELETE,CONNECT,OPTIONS,TRACE,PATCH",
        "fewArgs": "Invalid number of arguments for request(). Provide at least Method and URL.",
        "optsLeft": ["timeout"],        # the constructor takes its own options out of the object given
        "chain": "number"}, r
    tagged = [json.loads(l)["data"]["tags"].get("api") for l in out.read_text().splitlines()
              if '"http_reqs"' in l and '"Point"' in l]
    assert tagged == ["demo"] * 8, tagged
    fails = [json.loads(l)["data"]["value"] for l in out.read_text().splitlines()
             if '"httpx_failures"' in l and '"Point"' in l]
    # errorMetric: one point per request() (batch and asyncRequest add none), 1 for the 404
    assert fails == [0, 0, 0, 1], fails


def test_jslib_memory_only_on_import(c6_bin):
    """The embedded libraries cost a VU nothing unless its script imports them,
    and chai in each of 100 VUs stays bounded."""
    plain = run_c6(c6_bin, SCRIPTS / "jslib" / "mem_plain.js", env=rss_env(), timeout=120)
    chai = run_c6(c6_bin, SCRIPTS / "jslib" / "mem_chai.js", env=rss_env(), timeout=120)
    assert plain.code == 0 and chai.code == 0, (plain, chai)
    per_vu_kb = (chai.peak_rss_kb - plain.peak_rss_kb) / 100
    print(f"peak RSS at 100 VUs: plain {plain.peak_rss_kb} KB, k6chaijs {chai.peak_rss_kb} KB, "
          f"chai {per_vu_kb:.0f} KB a VU")
    # measured: plain 24.7 MB (25 MB before chai was embedded), k6chaijs 75 MB:
    # ~0.5 MB a VU (chai's functions evaluated in each VU; their source text is
    # not kept, see vm_compile_module); 64 MB (420 KB a VU) with each VU's own
    # copy of chai's compiled functions, 47 MB (249 KB a VU) since a runtime's
    # VUs share them (vm_load_bytecode, JS_ShareFunction)
    scale = 2 if "ASAN_OPTIONS" in os.environ else 1   # ASan's shadow and redzones (make asan sets it)
    assert per_vu_kb < 330 * scale, (plain, chai)
    assert plain.peak_rss_kb < 60_000 * scale, plain


@pytest.mark.parametrize("version", ["4.3.4.1", "4.3.4.2", "4.5.0.1"])
def test_k6chaijs_versions(c6, tmp_path, version):
    """The published bundles' glue (jslib.k6.io lib/k6chaijs/<v>/index.js):
    4.3.4.0/.1 cut check names at truncateMsgThreshold (300) and export
    {describe, expect, chai} as module.exports; 4.3.4.2 cuts at
    truncateVariableThreshold (100), default export chai; both tag each check
    with this/actual/expected, which 4.3.4.3 dropped (jslib.k6.io#82)."""
    out = tmp_path / "o.json"
    script = tmp_path / "chai_version.js"   # one version a script: their glue patches the same chai
    script.write_text(
        f"import * as lib from 'https://jslib.k6.io/k6chaijs/{version}/index.js';\n"
        "export default function () {\n"
        "  lib.describe('long', () => { lib.expect(1, 'm'.repeat(120)).to.equal(1); });\n"
        "  console.log(JSON.stringify({ defaultHasDescribe: typeof lib.default.describe,\n"
        "                               defaultVersion: lib.default.version || null }));\n"
        "}\n")
    r = c6(str(script), "-i", "1", "-o", f"json={out}", with_target=False)
    assert r.code == 0, r
    name = "expected " + "m" * 120 + " to equal 1"
    if version != "4.3.4.1":
        name = name[:100] + "..."
    points = [json.loads(l)["data"]["tags"] for l in out.read_text().splitlines()
              if '"checks"' in l and '"Point"' in l]
    assert [p["check"] for p in points] == [name], points
    tagged = version in ("4.3.4.1", "4.3.4.2")
    assert (points[0].get("this"), points[0].get("actual"), points[0].get("expected")) == \
        (("1", "1", "1") if tagged else (None, None, None)), points
    rec = json.loads(r.console()[-1])
    assert rec == ({"defaultHasDescribe": "function", "defaultVersion": None} if version == "4.3.4.1"
                   else {"defaultHasDescribe": "undefined", "defaultVersion": "4.3.3"}), rec
