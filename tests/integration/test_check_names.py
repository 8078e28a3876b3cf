"""The names of checks, as the summary and the check tag give them (issue 17).

k6_check (src/js/modules/k6.c) takes an ASCII name straight from the key's
atom (JS_AtomGetASCII, scripts/quickjs-atom-ascii.patch) and copies any other
as UTF-8 (JS_AtomToCString), and looks for '::' only when the name has a
colon. What a script and the outputs see must stay as before (c6 at be40b61,
the values below): the same names (colons, Latin-1 and wide characters, a
lone surrogate, empty, tab; a NUL ends the name, as before), the
same passes/fails, and k6's error for '::' (lib/models.go: "group and check
names may not contain '::'", thrown as a GoError by check(),
internal/js/modules/k6/k6.go Check) wherever the '::' is.
"""
import json

CONSOLE = [
    "true", "true", "true", "false", "true",
    "x::y -> GoError: group and check names may not contain '::'",
    ":: -> GoError: group and check names may not contain '::'",
    "é:: -> GoError: group and check names may not contain '::'",
    "日本:: -> GoError: group and check names may not contain '::'",
    "mid -> group and check names may not contain '::'",
]

SUMMARY = [
    ["plain ascii", 2, 0], ["a:b", 2, 0], [":", 2, 0], ["x:", 2, 0], ["deletes itself", 2, 0],
    ["naïve é", 2, 0], ["日本 ✓", 2, 0], ["", 2, 0], ["tab\there", 2, 0],
    ["nul", 2, 0], ["surrogate \ud800 lone", 2, 0], ["emoji 😀", 2, 0], ["0x10", 2, 0],
    ["fails ascii", 0, 2], ["fails é", 0, 2],
    ["4294967294", 2, 0], ["k1", 2, 0], ["k2", 2, 0], ["k3", 2, 0], ["k4", 2, 0], ["k5", 2, 0],
    ["k6", 2, 0], ["k7", 2, 0], ["k8 ü", 2, 0], ["first", 2, 0],
]


def test_check_names_in_summary_tags_and_errors(c6, tmp_path):
    out = tmp_path / "out.json"
    r = c6("js/check_names.js", "--out", f"json={out}")
    assert r.code == 0, r
    assert r.console() == CONSOLE * 2, r.console()
    line = [l for l in r.out.splitlines() if l.startswith("[[")]
    assert len(line) == 1, r.out
    assert json.loads(line[0]) == SUMMARY
    tags = {}
    for l in out.read_text(encoding="utf-8", errors="surrogateescape").splitlines():
        d = json.loads(l)
        if d.get("metric") == "checks" and d["type"] == "Point":
            tags.setdefault(d["data"]["tags"].get("check"), []).append(d["data"]["value"])
    # (the JSON output writes each of the lone surrogate's 3 bytes, ED A0 80,
    # as U+FFFD)
    want = {n.replace("\ud800", "\ufffd" * 3): [1 if p else 0] * 2 for n, p, _ in SUMMARY}
    assert tags == want, tags
