"""k6's archives: `c6 archive`, and `c6 run` / `c6 inspect` of an archive.

The layout is k6's (lib/archive.go, Write and ReadArchive): metadata.json,
data (the main script), file/<absolute path> for every local module and
open()ed file, the main script's own entry a hard link to `data`. The
k6-made archive (data/k6-archive-example.tar, k6 v2.2.0) is the reference
for the metadata's keys and the tar's entry types.
"""
import http.server
import json
import os
import pathlib
import shutil
import socket
import subprocess
import tarfile
import threading

import pytest

from conftest import parse_logfmt, parse_metrics

DATA = pathlib.Path(__file__).resolve().parent / "data"
K6_ARCHIVE = DATA / "k6-archive-example.tar"


def run_c6(c6_bin, *args, cwd, env=None, timeout=60):
    penv = {k: v for k, v in os.environ.items() if not k.startswith("K6_")}
    penv["K6_ADDRESS"] = ""   # no REST API: runs may overlap
    penv.update(env or {})
    return subprocess.run([c6_bin, *map(str, args)], cwd=str(cwd), env=penv, capture_output=True, text=True,
                          encoding="utf-8", errors="replace", timeout=timeout, stdin=subprocess.DEVNULL)


def hello_lines(stderr, text):
    return [line for line in stderr.splitlines()
            if "source=console" in line and parse_logfmt(line).get("msg") == text]


class _OK(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *a):
        pass


def test_k6_made_archive_runs(c6_bin, tmp_path):
    """k6 v2.2.0's archive (README beside it): 6 iterations, each of the two VUs
    logs `hello, ann from archive` once; run from a directory that has none of
    its files (they were at /srv/k6-example, which does not exist here)."""
    assert not pathlib.Path("/srv/k6-example").exists()
    arc = tmp_path / "archive-example.tar"
    shutil.copy(K6_ARCHIVE, arc)
    # the script requests http://127.0.0.1:18080/: answer it when the port is free
    srv = None
    try:
        srv = http.server.ThreadingHTTPServer(("127.0.0.1", 18080), _OK)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    except OSError:
        srv = None
    try:
        p = run_c6(c6_bin, "run", arc.name, cwd=tmp_path)
    finally:
        if srv:
            srv.shutdown()
            srv.server_close()
    m = parse_metrics(p.stdout)
    assert m["iterations"].split()[0] == "6", p.stdout
    assert len(hello_lines(p.stderr, "hello, ann from archive")) == 2, p.stderr
    # the archive's tag (options.tags) and threshold came through: checks are thresholded
    assert "rate>0.9" in p.stdout
    if srv:
        assert p.returncode == 0, p.stderr   # every check passed against the server above
    else:
        assert p.returncode in (0, 99), p.stderr


def test_k6_made_archive_inspect(c6_bin, tmp_path):
    """inspect reads the archive's options (k6: the archive's options are the
    runner's, consolidated as a script's would be)."""
    p = run_c6(c6_bin, "inspect", K6_ARCHIVE, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    o = json.loads(p.stdout)
    sc = o["scenarios"]["browse"]
    assert (sc["executor"], sc["vus"], sc["iterations"]) == ("per-vu-iterations", 2, 3)
    assert o["thresholds"] == {"checks": ["rate>0.9"]}
    assert o["tags"] == {"suite": "example"}


SCRIPT = """\
import { check } from 'k6';
import { greet } from './lib/greet.js';
const users = open('./data/users.csv').split('\\n').slice(1).filter(Boolean);
export const options = {
  scenarios: { s1: { executor: 'shared-iterations', vus: 2, iterations: 5, gracefulStop: '5s' } },
  thresholds: { iterations: ['count>=1'], checks: [{ threshold: 'rate>0.5', abortOnFail: true }] },
  tags: { suite: 'rt' },
};
export default function () {
  check(__ITER, { 'a number': (i) => typeof i === 'number' });
  console.log(greet(users[__ITER % users.length]) + ' ' + (__ENV.WHO || 'none'));
}
"""
GREET = """\
import { shout } from '../util/shout.js';
export function greet(n) { return shout('hi ' + n); }
"""
SHOUT = "export function shout(s) { return s.toUpperCase(); }\n"


@pytest.fixture
def project(tmp_path):
    src = tmp_path / "proj"
    (src / "lib").mkdir(parents=True)
    (src / "util").mkdir()
    (src / "data").mkdir()
    (src / "script.js").write_text(SCRIPT)
    (src / "lib" / "greet.js").write_text(GREET)
    (src / "util" / "shout.js").write_text(SHOUT)
    (src / "data" / "users.csv").write_text("name\nann\nbob\n")
    (src / "unused.js").write_text("export default 1;\n")
    return src


def console_lines(stderr):
    return sorted(parse_logfmt(line)["msg"] for line in stderr.splitlines() if "source=console" in line)


def test_round_trip(c6_bin, project, tmp_path):
    """c6 archive, then c6 run of the archive from another directory with the
    sources gone: the same iterations and console output as the script run;
    the same options from c6 inspect; k6's tar layout and metadata keys."""
    direct = run_c6(c6_bin, "run", "-e", "WHO=env", "script.js", cwd=project)
    assert direct.returncode == 0, direct.stderr
    insp_script = run_c6(c6_bin, "inspect", "-e", "WHO=env", "script.js", cwd=project)
    assert insp_script.returncode == 0, insp_script.stderr
    arc = tmp_path / "t.tar"
    p = run_c6(c6_bin, "archive", "-e", "WHO=env", "script.js", "-O", arc, cwd=project)
    assert p.returncode == 0, p.stderr
    assert p.stdout == ""

    # the layout, entry by entry, as k6 writes it
    with tarfile.open(arc) as t:
        members = t.getmembers()
        names = [m.name for m in members]
        root = "file" + str(project)
        dirs = ["file"] + ["file" + str(pathlib.Path(*project.parts[:i])) for i in range(2, len(project.parts) + 1)]
        assert names == ["metadata.json", "data"] + dirs + [root + "/data", root + "/lib", root + "/util"] + [
            root + "/data/users.csv", root + "/lib/greet.js", root + "/script.js", root + "/util/shout.js"]
        kinds = {m.name: m for m in members}
        assert kinds["metadata.json"].isreg() and kinds["data"].isreg()
        assert all(kinds[d].isdir() and kinds[d].mode == 0o755 for d in dirs)
        link = kinds[root + "/script.js"]
        assert link.islnk() and link.linkname == "data" and link.mode == 0 and link.mtime == 0
        assert kinds[root + "/lib/greet.js"].mode == 0o644
        assert t.extractfile("data").read().decode() == SCRIPT
        assert t.extractfile(root + "/util/shout.js").read().decode() == SHOUT
        assert not any("unused" in n for n in names)   # only what the init run read
        meta = json.loads(t.extractfile("metadata.json").read())
    with tarfile.open(K6_ARCHIVE) as t:
        k6meta = json.loads(t.extractfile("metadata.json").read())
        assert t.getmember("file/srv/k6-example/script.js").islnk()
    # every key k6 writes, top level and options, null where no source set it
    assert list(meta) == list(k6meta)
    assert list(meta["options"]) == list(k6meta["options"])
    assert list(meta["options"]["dns"]) == list(k6meta["options"]["dns"])
    o = meta["options"]
    assert o["vus"] is None and o["duration"] is None and o["stages"] is None and o["hosts"] is None
    assert o["dns"] == {"ttl": None, "select": None, "policy": None}
    assert o["systemTags"] == k6meta["options"]["systemTags"]   # k6's default set, filled in
    assert o["summaryTrendStats"] == k6meta["options"]["summaryTrendStats"]
    assert o["tags"] == {"suite": "rt"}
    assert o["thresholds"] == {"iterations": ["count>=1"],
                               "checks": [{"threshold": "rate>0.5", "abortOnFail": True, "delayAbortEval": None}]}
    s1 = o["scenarios"]["s1"]
    assert list(s1) == ["executor", "startTime", "gracefulStop", "env", "exec", "tags", "vus", "iterations",
                        "maxDuration"]
    assert s1 == {"executor": "shared-iterations", "startTime": None, "gracefulStop": "5s", "env": None,
                  "exec": None, "tags": None, "vus": 2, "iterations": 5, "maxDuration": None}
    assert meta["filename"] == f"file://{project}/script.js" and meta["pwd"] == f"file://{project}"
    assert meta["env"] == {"WHO": "env"}
    assert (meta["type"], meta["compatibilityMode"], meta["k6version"]) == ("js", "extended", "2.2.0")

    # the sources gone: everything must come from the archive
    shutil.rmtree(project)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    ran = run_c6(c6_bin, "run", "../t.tar", cwd=elsewhere)
    assert ran.returncode == 0, ran.stderr
    assert parse_metrics(ran.stdout)["iterations"].split()[0] == "5"
    assert console_lines(ran.stderr) == console_lines(direct.stderr)
    assert "HI ANN env" in console_lines(ran.stderr)
    insp = run_c6(c6_bin, "inspect", "../t.tar", cwd=elsewhere)
    assert insp.returncode == 0, insp.stderr
    from_archive, from_script = json.loads(insp.stdout), json.loads(insp_script.stdout)
    # k6 writes its consolidation's defaults for these two into the archive
    # (applyDefault); c6 inspect shows them only when set
    assert from_archive.pop("systemTags") == k6meta["options"]["systemTags"]
    assert from_archive.pop("summaryTrendStats") == k6meta["options"]["summaryTrendStats"]
    assert from_archive == from_script


def test_run_archive_overrides(c6_bin, project, tmp_path):
    """k6's consolidation for archives: -e over the archive's env
    (NewBundleFromArchive), CLI flags over its options (the script layer);
    --exclude-env-vars writes "env": null."""
    arc = tmp_path / "t.tar"
    assert run_c6(c6_bin, "archive", "-e", "WHO=archived", "script.js", "-O", arc, cwd=project).returncode == 0
    p = run_c6(c6_bin, "run", "-e", "WHO=cli", "-i", "1", arc, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert parse_metrics(p.stdout)["iterations"].split()[0] == "1"
    assert console_lines(p.stderr) == ["HI ANN cli"]
    p = run_c6(c6_bin, "run", arc, cwd=tmp_path)
    assert "HI ANN archived" in console_lines(p.stderr)

    bare = tmp_path / "bare.tar"
    p = run_c6(c6_bin, "archive", "--exclude-env-vars", "-e", "WHO=x", "script.js", "-O", bare, cwd=project)
    assert p.returncode == 0, p.stderr
    with tarfile.open(bare) as t:
        assert json.loads(t.extractfile("metadata.json").read())["env"] is None
    # without -O: archive.tar in the working directory (k6's default)
    assert run_c6(c6_bin, "archive", "script.js", cwd=project).returncode == 0
    assert tarfile.is_tarfile(project / "archive.tar")
    # a file that cannot be made: Go's os.Create error (internal/cmd/archive.go), no exit code of its own
    p = run_c6(c6_bin, "archive", "script.js", "-O", tmp_path / "no" / "a.tar", cwd=project)
    assert p.returncode == 255 and f"open {tmp_path}/no/a.tar: no such file or directory" in p.stderr, p.stderr
    # cobra.ExactArgs(1) of k6's archive command
    p = run_c6(c6_bin, "archive", cwd=project)
    assert p.returncode == 255 and 'msg="accepts 1 arg(s), received 0"' in p.stderr, p.stderr
    # -O is archive's flag only
    p = run_c6(c6_bin, "run", "-O", "x.tar", "script.js", cwd=project)
    assert p.returncode == 255 and "unknown shorthand flag: 'O' in -O" in p.stderr


def test_archive_detection(c6_bin, project, tmp_path):
    """k6 tells an archive by its first tar header, whatever its name
    (detectTestType); --type/-t forces one or the other."""
    arc = tmp_path / "t.tar"
    assert run_c6(c6_bin, "archive", "script.js", "-O", arc, cwd=project).returncode == 0
    renamed = tmp_path / "renamed.js"
    shutil.copy(arc, renamed)
    p = run_c6(c6_bin, "run", "-q", renamed, cwd=tmp_path)
    assert p.returncode == 0 and parse_metrics(p.stdout)["iterations"].split()[0] == "5", p.stderr
    p = run_c6(c6_bin, "run", "-q", "--type", "js", arc, cwd=tmp_path)   # a tar as JavaScript
    assert p.returncode == 107, p.stderr
    # Go's tar reader on a file shorter than a block (test_load.go, ReadArchive)
    (project / "small.js").write_text(SHOUT)
    p = run_c6(c6_bin, "run", "-q", "-t", "archive", "small.js", cwd=project)
    assert p.returncode == 107
    assert "could not load test archive bundle" in p.stderr and p.stderr.rstrip().endswith('unexpected EOF"')
    big = project / "big.js"
    big.write_text(SCRIPT + "//" + "x" * 600 + "\n")
    p = run_c6(c6_bin, "run", "-q", "-t", "archive", "big.js", cwd=project)
    assert p.returncode == 107 and "archive/tar: invalid tar header" in p.stderr, p.stderr
    with open(arc, "rb") as f:   # on stdin too
        penv = {k: v for k, v in os.environ.items() if not k.startswith("K6_")}
        penv["K6_ADDRESS"] = ""
        q = subprocess.run([c6_bin, "run", "-q", "-"], stdin=f, cwd=str(tmp_path), env=penv, capture_output=True,
                           text=True, timeout=60)
    assert q.returncode == 0 and parse_metrics(q.stdout)["iterations"].split()[0] == "5", q.stderr
    # an archive of the archive on stdin: its files, not the tar read from stdin
    again = tmp_path / "again.tar"
    with open(arc, "rb") as f:
        q = subprocess.run([c6_bin, "archive", "-", "-O", str(again)], stdin=f, cwd=str(tmp_path), env=penv,
                           capture_output=True, text=True, timeout=60)
    assert q.returncode == 0, q.stderr
    with tarfile.open(arc) as t1, tarfile.open(again) as t2:
        assert t2.getnames() == t1.getnames()


def test_archive_sealed(c6_bin, tmp_path):
    """Running an archive reads nothing from disk: a file the init run did not
    open is not in the archive, and opening it later fails although it exists."""
    src = tmp_path / "p"
    src.mkdir()
    (src / "a.txt").write_text("A")
    (src / "b.txt").write_text("B")
    (src / "s.js").write_text(
        "const f = __ENV.F || 'a.txt';\n"
        "const t = open('./' + f);\n"
        "export const options = { iterations: 1 };\n"
        "export default function () { console.log('read ' + t); }\n")
    arc = tmp_path / "s.tar"
    assert run_c6(c6_bin, "archive", "s.js", "-O", arc, cwd=src).returncode == 0
    p = run_c6(c6_bin, "run", arc, cwd=tmp_path)
    assert p.returncode == 0 and console_lines(p.stderr) == ["read A"], p.stderr
    p = run_c6(c6_bin, "run", "-e", "F=b.txt", arc, cwd=tmp_path)   # b.txt exists on disk, not in the archive
    assert p.returncode == 107, p.stderr
    assert f"{src}/b.txt" in p.stderr


def test_pax_long_paths(c6_bin, tmp_path):
    """Paths over USTAR's 100 bytes: c6 writes them (prefix or PAX) so that
    other tar readers list them, and reads PAX archives as Go's reader does."""
    deep = tmp_path / ("d" * 60) / ("e" * 60) / "ünï"
    deep.mkdir(parents=True)
    (deep / "m.js").write_text("export const v = 'deep';\n")
    (deep / "s.js").write_text("import { v } from './m.js';\n"
                               "export const options = { iterations: 1 };\n"
                               "export default function () { console.log(v); }\n")
    arc = tmp_path / "deep.tar"
    p = run_c6(c6_bin, "archive", "s.js", "-O", arc, cwd=deep)
    assert p.returncode == 0, p.stderr
    with tarfile.open(arc) as t:
        names = t.getnames()
    assert "file" + str(deep / "m.js") in names and "file" + str(deep / "s.js") in names
    p = run_c6(c6_bin, "run", arc, cwd=tmp_path)
    assert p.returncode == 0 and console_lines(p.stderr) == ["deep"], p.stderr

    # the same archive re-packed by Python as PAX (every entry with a PAX header)
    pax = tmp_path / "pax.tar"
    with tarfile.open(arc) as src, tarfile.open(pax, "w", format=tarfile.PAX_FORMAT) as dst:
        for m in src.getmembers():
            m.pax_headers = {"comment": "c6 test"}
            dst.addfile(m, src.extractfile(m) if m.isreg() else None)
    p = run_c6(c6_bin, "run", pax, cwd=tmp_path)
    assert p.returncode == 0 and console_lines(p.stderr) == ["deep"], p.stderr
