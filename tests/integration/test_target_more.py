"""c6 target routes for k6/http options: /client, compressed responses
(/deflate, /brotli, /zstd), compressed request bodies on /anything,
/digest-auth (checked with an independent RFC 7616 client here), /drip and
/forms/post."""
import gzip
import hashlib
import json
import re
import socket
import time
import zlib

from test_target import req


def test_client_reports_address_and_port(target):
    status, _, body = req(target + "/client")
    doc = json.loads(body)
    assert status == 200 and doc["origin"] == "127.0.0.1" and 0 < doc["port"] < 65536


def test_deflate_and_other_codings(target):
    status, h, body = req(target + "/deflate")
    assert status == 200 and h["Content-Encoding"] == "deflate"
    doc = json.loads(zlib.decompress(body))
    assert doc["deflated"] is True and doc["method"] == "GET"
    for path, enc in (("/brotli", "br"), ("/zstd", "zstd")):
        status, h, body = req(target + path)
        assert status == 200 and h["Content-Encoding"] == enc, path
        assert not body.startswith(b"{"), path        # really encoded (c6 decodes it: test_http_options)


def test_anything_decodes_request_bodies(target):
    data = json.dumps({"a": [1, 2, 3]}).encode()
    for enc, coded in (("gzip", gzip.compress(data)), ("deflate", zlib.compress(data)),
                       ("deflate, gzip", gzip.compress(zlib.compress(data)))):
        status, _, body = req(target + "/anything", method="POST", data=coded,
                              headers={"Content-Encoding": enc, "Content-Type": "application/json"})
        doc = json.loads(body)
        assert status == 200 and doc["data"] == data.decode() and doc["json"] == {"a": [1, 2, 3]}, enc
    status, _, _ = req(target + "/anything", method="POST", data=b"not gzip",
                       headers={"Content-Encoding": "gzip"})
    assert status == 400
    status, _, _ = req(target + "/anything", method="POST", data=b"x", headers={"Content-Encoding": "lz4"})
    assert status == 400


def _digest_header(challenge, user, pw, method, uri, algorithm="MD5"):
    p = dict(re.findall(r'(\w+)="?([^",]*)"?', challenge))
    h = (lambda s: hashlib.md5(s.encode()).hexdigest()) if algorithm == "MD5" else \
        (lambda s: hashlib.sha256(s.encode()).hexdigest())
    ha1, ha2, cnonce = h(f"{user}:{p['realm']}:{pw}"), h(f"{method}:{uri}"), "0a4f113b"
    resp = h(f"{ha1}:{p['nonce']}:00000001:{cnonce}:auth:{ha2}")
    return (f'Digest username="{user}", realm="{p["realm"]}", nonce="{p["nonce"]}", uri="{uri}", '
            f'qop=auth, nc=00000001, cnonce="{cnonce}", response="{resp}", opaque="{p["opaque"]}"')


def test_digest_auth(target):
    for alg, suffix in (("MD5", ""), ("SHA-256", "/SHA-256")):
        uri = "/digest-auth/auth/alice/s3cret" + suffix
        status, h, body = req(target + uri)
        assert status == 401 and json.loads(body) == {"authenticated": False}
        chal = h["WWW-Authenticate"]
        assert chal.startswith("Digest ") and 'qop="auth"' in chal and f"algorithm={alg}" in chal
        auth = _digest_header(chal, "alice", "s3cret", "GET", uri, alg)
        status, _, body = req(target + uri, headers={"Authorization": auth})
        assert status == 200 and json.loads(body) == {"authenticated": True, "user": "alice"}, alg
        bad = _digest_header(chal, "alice", "wrong", "GET", uri, alg)
        assert req(target + uri, headers={"Authorization": bad})[0] == 401
    assert req(target + "/digest-auth/auth-int/a/b")[0] == 404
    assert req(target + "/digest-auth/auth/a/b/SHA-512")[0] == 400


def test_drip(target):
    t0 = time.monotonic()
    status, h, body = req(target + "/drip?numbytes=7&duration=0.2&delay=0.1&code=201")
    elapsed = time.monotonic() - t0
    assert status == 201 and body == b"*" * 7 and h["Content-Type"] == "application/octet-stream"
    assert h["Content-Length"] == "7"
    assert elapsed >= 0.29
    assert req(target + "/drip?numbytes=x")[0] == 400
    status, _, body = req(target + "/drip?numbytes=0")
    assert status == 200 and body == b""


def test_drip_spreads_the_bytes(target):
    """The headers come after `delay`, then byte i at duration * (i + 1) / n."""
    host, port = target.split("//")[1].split(":")
    with socket.create_connection((host, int(port)), timeout=5) as s:
        t0 = time.monotonic()
        s.sendall(b"GET /drip?numbytes=4&duration=0.4&delay=0.2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data, times = b"", []
        while b"\r\n\r\n" not in data:
            data += s.recv(4096)
        times.append(time.monotonic() - t0)            # the headers
        body = data.split(b"\r\n\r\n", 1)[1]
        while len(body) < 4:
            chunk = s.recv(4096)
            if not chunk:
                break
            body += chunk
            times.append(time.monotonic() - t0)
    assert body == b"****", body
    assert 0.18 <= times[0] < 0.3, times
    # four separate arrivals, about 0.1 s apart, the last at delay + duration
    assert len(times) == 5, times
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert all(0.06 <= g <= 0.2 for g in gaps), times
    assert 0.58 <= times[-1] < 0.8, times


def test_drip_timings_in_c6(c6):
    r = c6("http/drip.js")
    assert r.code == 0, r
    o = json.loads(r.console()[-1])
    for via in ("h1", "curl"):
        x = o[via]
        assert (x["status"], x["len"]) == (202, 5), (via, o)
        assert 180 <= x["waiting"] < 350, (via, o)       # delay: until the headers
        assert 450 <= x["receiving"] < 700, (via, o)     # duration: the body


def test_forms_post(target):
    status, h, body = req(target + "/forms/post")
    assert status == 200 and h["Content-Type"].startswith("text/html")
    text = body.decode()
    assert '<form method="post" action="/post">' in text
    for name in ("custname", "custtel", "custemail", "size", "topping", "delivery", "comments"):
        assert f'name="{name}"' in text, name
