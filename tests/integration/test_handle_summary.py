"""handleSummary(data): k6's data object, its outputs, the jslib helpers; --summary-mode=full sections."""
import json
import re
import xml.etree.ElementTree as ET


def test_handle_summary_data_and_text_summary(c6, tmp_path):
    out = tmp_path / "summary.json"
    r = c6("summary/handle.js", "-e", f"OUT={out}")
    assert r.code == 0, r
    assert "TOTAL RESULTS" in r.out and "http_req_duration" in r.out, r   # textSummary to stdout
    d = json.loads(out.read_text())
    assert set(d) >= {"root_group", "options", "state", "metrics"}, d.keys()
    dur = d["metrics"]["http_req_duration"]
    assert dur["type"] == "trend" and dur["contains"] == "time", dur
    assert set(dur["values"]) == {"avg", "min", "med", "max", "p(90)", "p(95)"}, dur
    assert dur["thresholds"] == {"p(95)<5000": {"ok": True}}, dur
    assert d["metrics"]["http_reqs"]["values"]["count"] == 3, d["metrics"]["http_reqs"]
    assert d["metrics"]["checks"]["values"] == {"rate": 1, "passes": 3, "fails": 0}, d["metrics"]["checks"]
    g = d["root_group"]
    assert g["path"] == "" and g["id"] == "d41d8cd98f00b204e9800998ecf8427e", g   # md5 of ""
    assert [x["name"] for x in g["groups"]] == ["g1"], g
    chk = g["groups"][0]["checks"]
    assert chk[0]["path"] == "::g1::is 200" and chk[0]["passes"] == 3 and chk[0]["fails"] == 0, chk
    assert d["options"]["summaryTrendStats"] == ["avg", "min", "med", "max", "p(90)", "p(95)"], d["options"]
    assert d["state"]["testRunDurationMs"] > 0, d["state"]


def test_handle_summary_replaces_the_default_summary(c6, tmp_path):
    out = tmp_path / "it.txt"
    r = c6("summary/only_file.js", "-e", f"OUT={out}")
    assert r.code == 0, r
    assert out.read_text() == "iterations=2\n", r
    assert "TOTAL RESULTS" not in r.out, r


def test_handle_summary_error_falls_back_to_the_default_summary(c6):
    r = c6("summary/throws.js")
    assert r.code == 0, r
    assert any("summary boom" in l["msg"] for l in r.logs(level="error")), r
    assert "TOTAL RESULTS" in r.out, r


# ---- --summary-mode=full: a section per group


def _section(out, title):
    """The lines of the summary section whose title line is `title`, up to the next "  █" title."""
    lines = out.splitlines()
    start = lines.index(title)
    end = next((i for i in range(start + 1, len(lines))
                if lines[i].startswith("  █") or lines[i].startswith("running (")), len(lines))
    return lines[start + 1:end]


def _count(lines, name, indent):
    """The count of a counter row at exactly `indent` spaces."""
    for line in lines:
        m = re.match(r"^( *)" + re.escape(name) + r"\.+: (\d+) ", line)
        if m and len(m.group(1)) == indent:
            return int(m.group(2))
    raise AssertionError(f"no {name} row at indent {indent} in {lines}")


def test_summary_full_mode_has_a_section_per_group(c6):
    r = c6("summary/groups.js", "--summary-mode=full")
    assert r.code == 0, r
    titles = [l for l in r.out.splitlines() if "█" in l or "↳ GROUP" in l]
    # k6 summary.js (v2): top-level groups in the order they first ran
    # (addGroups keeps GroupsOrder), subgroups one level deeper each
    # (_renderNestedGroups with the parent's render context)
    assert titles == ["  █ TOTAL RESULTS ", "  █ GROUP: b ", "    ↳ GROUP: inner ", "      ↳ GROUP: deep ",
                      "  █ GROUP: a "], titles
    assert _count(_section(r.out, "  █ TOTAL RESULTS "), "http_reqs", 4) == 18, r
    a = _section(r.out, "  █ GROUP: a ")
    assert _count(a, "http_reqs", 4) == 6, a                  # exactly the requests made in a
    assert not any("checks_total" in l for l in a), a         # no check in a: no checks block
    assert not any("group_duration" in l or "iterations" in l for l in a), a
    b = _section(r.out, "  █ GROUP: b ")
    inner, deep = b.index("    ↳ GROUP: inner "), b.index("      ↳ GROUP: deep ")
    # b's own rows, its own check only, a blank line after the title as for TOTAL RESULTS
    assert b[0] == "" and b[1].startswith("    checks_total....") and b[1].split(":")[1].split()[0] == "3", b
    assert "    ✓ b is 200" in b[:inner] and not any("inner fails" in l for l in b[:inner]), b
    assert _count(b[:inner], "http_reqs", 4) == 3, b
    # a subgroup: a blank line after its title (the '\n' suffix), its content 2 columns further in
    assert b[inner + 1] == "" and b[inner + 2].startswith("      checks_total....") \
        and b[inner + 2].split(":")[1].split()[0] == "3", b
    assert "      ✗ inner fails" in b[inner:deep], b
    assert "          ↳  0% — ✓ 0 / ✗ 3" in b[inner:deep], b
    assert _count(b[inner:deep], "http_reqs", 6) == 3, b
    assert b[deep + 1] == "" and b[deep + 2] == "        HTTP", b
    assert _count(b[deep:], "http_reqs", 8) == 3, b
    assert "http_req_waiting" in r.metrics, r                 # full mode also shows the phase timings


def test_summary_compact_mode_has_no_group_sections(c6):
    r = c6("summary/groups.js")
    assert r.code == 0, r
    assert "GROUP:" not in r.out and "TOTAL RESULTS" in r.out, r
    assert r.count("http_reqs") == 18, r


# ---- the jslib helpers jUnit and humanizeValue


def test_jslib_junit_and_humanize_value(c6, tmp_path):
    r = c6("summary/junit.js", "-e", f"OUT={tmp_path}")
    assert r.code == 99, r                                    # a threshold failed; handleSummary changes nothing
    text = (tmp_path / "junit.xml").read_text()
    assert text.startswith('<?xml version="1.0"?>\n<testsuites tests="2" failures="1">\n'), text
    root = ET.fromstring(text)
    assert root.tag == "testsuites" and root.attrib == {"tests": "2", "failures": "1"}, text
    (suite,) = list(root)
    assert suite.attrib == {"name": "k6 thresholds", "tests": "2", "failures": "1"}, text
    cases = {c.attrib["name"]: c for c in suite}
    assert set(cases) == {"http_reqs - count>=2", "http_req_duration - max<0"}, text
    assert list(cases["http_reqs - count>=2"]) == [], text
    (failure,) = list(cases["http_req_duration - max<0"])
    assert failure.tag == "failure" and failure.attrib == {"message": "failed"}, text

    # made from the object handed in: edits show, names are escaped
    root = ET.fromstring((tmp_path / "edited.xml").read_text())
    (suite,) = list(root)
    assert suite.attrib == {"name": "my <suite>", "tests": "2", "failures": "1"}, suite.attrib
    assert sorted(c.attrib["name"] for c in suite) == ["http_req_duration - max<0", "odd \"name\" <&> - rate>'1'"]

    assert json.loads((tmp_path / "human.json").read_text()) == [
        "12.34%", "1.5s", "1500.00ms", "456.12µs", "4.9 kB", "0.333333", "2"]
