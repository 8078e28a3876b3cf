"""handleSummary(data): k6's data object, its outputs, textSummary."""
import json


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
