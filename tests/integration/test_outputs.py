"""-o json / -o csv / --summary-export: k6's formats, no sample lost, the JSON Metric lines."""
import csv
import gzip
import json
import pathlib
import signal
import subprocess
import time


def _points(path, metric, opener=open):
    n, metrics = 0, []
    with opener(path, "rt") as f:
        for line in f:
            rec = json.loads(line)
            if rec["type"] == "Metric":
                metrics.append(rec["metric"])
            elif rec["metric"] == metric:
                n += 1
    return n, metrics


def test_json_output_has_every_request(c6, tmp_path):
    out = tmp_path / "out.json"
    r = c6("outputs/get.js", "-u", "4", "-i", "200", "-o", f"json={out}")
    assert r.code == 0, r
    n, metrics = _points(out, "http_reqs")
    assert n == 200 == r.count("http_reqs"), r
    assert len(metrics) == len(set(metrics)) and "http_req_duration" in metrics, metrics
    first = json.loads(out.read_text().splitlines()[1])
    assert first["type"] == "Point" and first["data"]["tags"]["method"] == "GET", first
    assert first["data"]["time"].endswith("Z") or "+" in first["data"]["time"][-6:], first


def test_json_output_gzip_and_csv_together(c6, tmp_path):
    j, c = tmp_path / "out.json.gz", tmp_path / "out.csv"
    r = c6("outputs/get.js", "-i", "30", "-o", f"json={j}", "-o", f"csv={c}")
    assert r.code == 0, r
    assert _points(j, "http_reqs", gzip.open)[0] == 30, r
    rows = list(csv.DictReader(c.open()))
    reqs = [x for x in rows if x["metric_name"] == "http_reqs"]
    assert len(reqs) == 30 and reqs[0]["method"] == "GET" and reqs[0]["status"] == "200", reqs[:1]
    assert float(reqs[0]["timestamp"]) > 1.7e9, reqs[0]


def test_no_sample_lost_when_interrupted(c6_bin, target, tmp_path):
    out = tmp_path / "out.json"
    p = subprocess.Popen([c6_bin, "run", "-e", f"TARGET={target}", "-e", "PAUSE=0.01", "-u", "4", "-d", "30s",
                          "-o", f"json={out}", str(pathlib.Path(__file__).parent / "scripts" / "outputs" / "get.js")],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(2.5)
    p.send_signal(signal.SIGINT)
    stdout, stderr = p.communicate(timeout=30)
    assert p.returncode == 105, stderr[-2000:]
    summary = [l for l in stdout.splitlines() if l.strip().startswith("http_reqs")]
    count = int(summary[0].split(":")[1].split()[0])
    assert count > 50, stdout[-2000:]
    assert _points(out, "http_reqs")[0] == count


def test_summary_export_legacy_format(c6, tmp_path):
    out = tmp_path / "export.json"
    r = c6("outputs/get.js", "-i", "5", f"--summary-export={out}")
    assert r.code == 0, r
    d = json.loads(out.read_text())
    assert d["metrics"]["http_reqs"]["count"] == 5, d["metrics"]["http_reqs"]
    assert d["metrics"]["http_req_duration"]["thresholds"] == {"p(95)<10000": False}, d   # false = not failed
    assert d["metrics"]["checks"]["passes"] == 5 and d["metrics"]["checks"]["fails"] == 0, d["metrics"]["checks"]
    assert d["root_group"]["checks"]["is 200"]["passes"] == 5, d["root_group"]


def test_unknown_output_type_as_k6(c6):
    # k6: internal/cmd/outputs.go, createOutputs: "invalid output type '%s', available
    # types are: %s" (every built-in type but kafka and datadog, sorted), no exit code
    # of its own, so 255 (internal/cmd/root.go, execute)
    r = c6("outputs/get.js", "-o", "nope=127.0.0.1:8125")
    assert r.code == 255, r
    assert [l["msg"] for l in r.logs(level="error")] == [
        "invalid output type 'nope', available types are: cloud, csv, experimental-opentelemetry, "
        "experimental-prometheus-rw, influxdb, json, opentelemetry, statsd, timescaledb-breakingit, web-dashboard"], r


def _metric_line(path, name):
    with open(path) as f:
        for line in f:
            rec = json.loads(line)
            if rec["type"] == "Metric" and rec["metric"] == name:
                return rec["data"]
    raise AssertionError(f"no Metric line for {name} in {path}")


def test_json_metric_lines_list_every_threshold_and_sub_metric(c6, tmp_path):
    out = tmp_path / "out.json"
    r = c6("outputs/metric_lines.js", "-o", f"json={out}")
    assert r.code == 0, r
    d = _metric_line(out, "http_req_duration")
    # k6: a plain threshold is its source; with abortOnFail, its whole config
    assert d["thresholds"] == [
        "p(95)<10000",
        {"threshold": "max<20000", "abortOnFail": True, "delayAbortEval": "10s"},
        {"threshold": "avg<30000", "abortOnFail": True, "delayAbortEval": None},
    ], d
    assert '"p(95)<10000"' in out.read_text(), "'<' is not escaped in threshold sources"
    subs = {s["name"]: s for s in d["submetrics"]}
    assert set(subs) == {"http_req_duration{expected_response:true}", "http_req_duration{status:200}",
                         "http_req_duration{method:GET,status:200}"}, d
    assert subs["http_req_duration{method:GET,status:200}"] == {
        "name": "http_req_duration{method:GET,status:200}", "suffix": "method:GET,status:200",
        "tags": {"method": "GET", "status": "200"}}, d
    assert _metric_line(out, "http_reqs")["thresholds"] == ["count>=2"], r
    assert _metric_line(out, "http_reqs")["submetrics"] is None, r
    assert _metric_line(out, "iterations")["thresholds"] == [], r


def _groups(g, depth=0, acc=None):
    """[(depth, name, path)] of a handleSummary root_group (lists of groups)."""
    acc = [] if acc is None else acc
    acc.append((depth, g["name"], g["path"]))
    for s in g["groups"]:
        _groups(s, depth + 1, acc)
    return acc


def test_hostile_values_as_k6_writes_them(c6, tmp_path):
    out, exp, hs = tmp_path / "out.json", tmp_path / "export.json", tmp_path / "hs.json"
    r = c6("outputs/hostile_values.js", "-o", f"json={out}", "--summary-export", str(exp),
           env={"HS_OUT": str(hs)}, with_target=False)
    assert r.code == 0, r
    point = next(json.loads(l) for l in out.read_text().splitlines() if '"metric":"big","type":"Point"' in l)
    # a tag value keeps its NUL (Go's encoder writes "\u0000"; c6 cut it: "a")
    assert point["data"]["tags"]["t"] == "a\u0000b", point
    # k6 v2 writes the lines with encoding/json (PR #5853 dropped easyjson):
    # the float64 999999999996908544 as its shortest digits, plain below 1e21
    assert '"value":999999999996908500,' in next(l for l in out.read_text().splitlines() if '"t":"a\\u0000b"' in l)
    # the summary export (JSON.stringify in k6's summary wrapper)
    assert '"count": 999999999996908500' in exp.read_text(), exp.read_text()[:2000]
    # groups "a:" > ":b" (path "::a::::b"), not "a" > "" > "b"
    assert _groups(json.loads(hs.read_text())) == [(0, "", ""), (1, "a:", "::a:"), (2, ":b", "::a::::b")]
    root = json.loads(exp.read_text())["root_group"]
    inner = root["groups"]["a:"]["groups"][":b"]
    assert inner["path"] == "::a::::b" and inner["checks"]["ok"]["path"] == "::a::::b::ok", root


def test_unwritable_outputs_are_logged_as_k6_does(c6, tmp_path):
    # k6 keeps its exit code for these and logs them:
    # output/manager.go stopOutputs: "Stopping output N failed" error=...
    r = c6("outputs/plain.js", "-o", "json=/dev/full", with_target=False)
    assert r.code == 0, r
    assert 'msg="Stopping output 0 failed" error="write /dev/full: no space left on device"' in r.err, r.err
    # internal/cmd/run.go handleSummaryResult, for --summary-export and
    # handleSummary()'s files: every file is tried, the reasons collected
    r = c6("outputs/plain.js", "--summary-export", "/dev/full", with_target=False)
    assert r.code == 0, r
    assert ('msg="failed to handle the end-of-test summary" error="Could not save some summary information:'
            "\\n\\t- error saving summary to '/dev/full' after 0 bytes: write /dev/full: no space left on device\"") \
        in r.err, r.err
    hs, missing = tmp_path / "hs.json", tmp_path / "no" / "such.json"
    r = c6("outputs/hostile_values.js", with_target=False,
           env={"HS_OUT": str(hs), "HS_FULL": "1", "HS_MISSING": str(missing)})
    assert r.code == 0, r
    assert hs.exists(), r.err   # the others are still written
    line = next(l for l in r.err.splitlines() if "failed to handle the end-of-test summary" in l)
    assert "error saving summary to '/dev/full' after 0 bytes: write /dev/full: no space left on device" in line, line
    assert f"could not open '{missing}': open {missing}: no such file or directory" in line, line
