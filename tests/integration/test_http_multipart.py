"""Multipart uploads with http.file(): parts for plain fields and files, the
boundary in the Content-Type, k6's defaults, and binary data from
open(path, 'b') arriving byte for byte (checked with the target's SHA-256)."""
import hashlib
import json
import re
import time


def records(r, tag):
    prefix = tag + " "
    return [json.loads(m[len(prefix):]) for m in r.console() if m.startswith(prefix)]


def test_multipart_uploads(c6, tmp_path):
    data = bytes(range(256)) * 64 + b"\r\n--not-a-boundary\r\n\x00\xff"
    path = tmp_path / "blob.bin"
    path.write_bytes(data)
    t0 = time.time_ns()
    r = c6("http/multipart.js", "-e", f"BIN={path}")
    assert r.code == 0, r
    f = records(r, "file")[0]
    assert f == {"filename": 'data "1".bin', "content_type": "application/x-test", "isBuffer": True}, r

    up = records(r, "upload")[0]
    assert up["status"] == 200, r
    assert up["form"] == {"title": "hello world", "list": "[a b]"}, r   # Go's %v of an array
    info = {i["name"]: i for i in up["info"]}
    assert info["upload"] == {"name": "upload", "filename": 'data "1".bin', "content_type": "application/x-test",
                              "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}, r
    text = "plain text ✓".encode()
    assert info["text"] == {"name": "text", "filename": "note.txt", "content_type": "text/plain",
                            "size": len(text), "sha256": hashlib.sha256(text).hexdigest()}, r
    assert up["text"] == "plain text ✓", r
    assert up["boundaryOk"] is True, r
    m = re.fullmatch(r"multipart/form-data; boundary=([0-9a-f]{60})", up["contentType"])
    assert m and up["requestContentType"] == up["contentType"], r
    assert up["bodyStart"] == "--" + m.group(1) + "\r\n", r
    assert up["bodyEnd"] == "\r\n--" + m.group(1) + "--\r\n", r
    assert int(up["sent"]) > len(data), r

    d = records(r, "defaults")[0]
    assert len(d["info"]) == 1, r
    i = d["info"][0]
    assert i["content_type"] == "application/octet-stream" and i["size"] == 3, r
    assert i["sha256"] == hashlib.sha256(b"xyz").hexdigest(), r
    # the default file name is the time in nanoseconds
    assert i["filename"].isdigit() and t0 <= int(i["filename"]) <= time.time_ns(), r

    assert records(r, "boundaries")[0] == {"differ": True}, r
    # k6: js/modules/k6/http/file.go, Go's %T of the exported number, a GoError
    assert records(r, "typeError")[0] == "GoError: invalid type int64, expected string or ArrayBuffer", r
