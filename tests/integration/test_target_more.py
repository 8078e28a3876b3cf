"""c6 target routes for k6/http options: /client, compressed responses
(/deflate, /brotli, /zstd), compressed request bodies on /anything,
/digest-auth (checked with an independent RFC 7616 client here), /drip and
/forms/post."""
import gzip
import hashlib
import json
import re
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
    assert elapsed >= 0.29
    assert req(target + "/drip?numbytes=x")[0] == 400


def test_forms_post(target):
    status, h, body = req(target + "/forms/post")
    assert status == 200 and h["Content-Type"].startswith("text/html")
    text = body.decode()
    assert '<form method="post" action="/post">' in text
    for name in ("custname", "custtel", "custemail", "size", "topping", "delivery", "comments"):
        assert f'name="{name}"' in text, name
