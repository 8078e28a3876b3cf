"""k6/crypto, k6/encoding and the global crypto object, against values
computed here with hashlib/hmac/base64 (MD4 by a small implementation
below: OpenSSL 3 builds of Python often lack it)."""
import base64
import hashlib
import hmac
import json
import re
import struct

ALGS = {"md4": None, "md5": "md5", "sha1": "sha1", "sha256": "sha256", "sha384": "sha384", "sha512": "sha512",
        "sha512_224": "sha512_224", "sha512_256": "sha512_256", "ripemd160": "ripemd160"}


class MD4:
    """RFC 1320, enough of hashlib's interface for hmac.new()."""
    digest_size, block_size = 16, 64

    def __init__(self, data=b""):
        self.data = bytes(data)

    def update(self, data):
        self.data += bytes(data)

    def copy(self):
        return MD4(self.data)

    def digest(self):
        msg = self.data + b"\x80" + b"\0" * ((55 - len(self.data)) % 64) + struct.pack("<Q", len(self.data) * 8)
        h = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476]
        rol = lambda x, n: ((x << n) | (x >> (32 - n))) & 0xFFFFFFFF
        for off in range(0, len(msg), 64):
            x = struct.unpack("<16I", msg[off:off + 64])
            a, b, c, d = h
            rounds = [
                (lambda b, c, d: (b & c) | (~b & d), 0, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15], [3, 7, 11, 19]),
                (lambda b, c, d: (b & c) | (b & d) | (c & d), 0x5A827999,
                 [0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15], [3, 5, 9, 13]),
                (lambda b, c, d: b ^ c ^ d, 0x6ED9EBA1, [0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15], [3, 9, 11, 15]),
            ]
            for f, k, order, shifts in rounds:
                for i, j in enumerate(order):
                    t = rol((a + f(b, c, d) + x[j] + k) & 0xFFFFFFFF, shifts[i % 4])
                    a, b, c, d = d, t, b, c
            h = [(v + w) & 0xFFFFFFFF for v, w in zip(h, [a, b, c, d])]
        return struct.pack("<4I", *h)

    def hexdigest(self):
        return self.digest().hex()


def new_hash(alg, data=b""):
    return MD4(data) if alg == "md4" else hashlib.new(ALGS[alg], data)


def digestmod(alg):
    return MD4 if alg == "md4" else ALGS[alg]


def encodings(d):
    return {"hex": d.hex(), "base64": base64.b64encode(d).decode(),
            "base64url": base64.urlsafe_b64encode(d).decode(),
            "base64rawurl": base64.urlsafe_b64encode(d).decode().rstrip("="), "binary": "ab:" + d.hex()}


def pattern(n, mul, add):
    return bytes((i * mul + add) & 255 for i in range(n))


def records(r):
    out = {}
    for m in r.console():
        tag, _, rest = m.partition(" ")
        out[tag] = json.loads(rest)
    return out


def test_md4_helper_matches_rfc1320():
    assert MD4(b"").hexdigest() == "31d6cfe0d16ae931b73c59d7e0c089c0"
    assert MD4(b"abc").hexdigest() == "a448017aaf21d8525fc10ae87aa6729d"
    assert MD4(b"12345678901234567890123456789012345678901234567890123456789012345678901234567890").hexdigest() \
        == "e33b4ddc9c38f2199c3e7b164fcc0536"


def test_hashes_and_hmac_all_algorithms_and_encodings(c6):
    r = c6("crypto/hashes.js", with_target=False)
    assert r.code == 0, r
    rec = records(r)
    inputs = {"empty": b"", "ascii": b"hello world!", "utf8": "h\u00e9llo \u2713 \U0001F600".encode(),
              "long": b"abc" * 400, "buffer": pattern(300, 7, 3)}
    for alg in ALGS:
        got = rec["hash:" + alg]
        for name, data in inputs.items():
            assert got[name] == encodings(new_hash(alg, data).digest()), (alg, name, r)
        assert got["view"] == new_hash(alg, pattern(300, 7, 3)[10:110]).hexdigest(), (alg, r)
        assert got["partial"] == new_hash(alg, b"hello ").hexdigest(), (alg, r)
        assert got["streamed"] == new_hash(alg, b"hello world!").hexdigest(), (alg, r)
        assert got["again"] == base64.b64encode(new_hash(alg, b"hello world!").digest()).decode(), (alg, r)

        m = rec["hmac:" + alg]
        mac = lambda k, d: hmac.new(k, d, digestmod(alg)).digest()
        assert m["str"] == mac(b"a secret", b"hello world!").hex(), (alg, r)
        assert m["bin"] == "ab:" + mac(pattern(200, 7, 3), pattern(50, 7, 3)).hex(), (alg, r)
        assert m["empty"] == base64.urlsafe_b64encode(mac(b"", b"")).decode().rstrip("="), (alg, r)
        assert m["streamed"] == mac(b"a secret", b"hello world!").hex(), (alg, r)
        assert m["more"] == base64.urlsafe_b64encode(mac(b"a secret", b"hello world!!")).decode(), (alg, r)
    assert rec["named"] == {"sha256": hashlib.sha256(b"abc").hexdigest(), "createHash": "function",
                            "hexEncode": "000fff"}, r
    assert rec["random"] == {"isBuffer": True, "len": 32, "differ": True, "one": 1}, r


def test_crypto_errors(c6):
    r = c6("crypto/errors.js", with_target=False)
    assert r.code == 0, r
    e = records(r)["errors"]
    assert e["createHash"] == ["Error", "invalid algorithm: sha3"], r
    assert e["createHMAC"] == ["Error", "invalid algorithm: SHA256"], r
    assert e["hmac"] == ["Error", "invalid algorithm: whirlpool"], r
    assert e["hashEnc"] == ["Error", "Invalid output encoding: base32"], r
    assert e["hashNoEnc"] == ["Error", "Invalid output encoding: "], r
    assert e["digestEnc"] == ["Error", "Invalid output encoding: utf8"], r
    assert e["hmacEnc"] == ["Error", "Invalid output encoding: HEX"], r
    for k, kind in (("inputNumber", "number"), ("inputObject", "object"), ("inputNull", "null"),
                    ("updateArray", "array"), ("secretNumber", "number")):
        assert e[k][0] == "TypeError" and f"invalid type {kind}, expected string, ArrayBuffer" in e[k][1], (k, r)
    for k in ("size0", "sizeNeg", "sizeNaN"):
        assert e[k] == ["Error", "invalid size"], (k, r)
    assert e["sizeHuge"][0] == "RangeError" and "larger than an ArrayBuffer" in e["sizeHuge"][1], r
    assert e["digestAfter"] == hashlib.sha256(b"").hexdigest(), r


def test_encoding_variants_and_errors(c6):
    r = c6("crypto/encoding.js", with_target=False)
    assert r.code == 0, r
    rec = records(r)
    strings = ["", "f", "fo", "foo", "hello world", "h\u00e9llo \u2713 \U0001F600", "\u00ff\u00fe?>", "x" * 1000]
    buf = pattern(300, 37, 11)
    std = lambda b: base64.b64encode(b).decode()
    url = lambda b: base64.urlsafe_b64encode(b).decode()
    variants = {"std": std, "rawstd": lambda b: std(b).rstrip("="), "url": url,
                "rawurl": lambda b: url(b).rstrip("=")}
    enc = rec["encode"]
    for v, f in variants.items():
        assert enc[v]["strings"] == [f(s.encode()) for s in strings], (v, r)
        assert enc[v]["buffer"] == f(buf) and enc[v]["view"] == f(buf[5:17]), (v, r)
    assert enc["default"] == enc["unknown"] == "+/+/", r

    dec = rec["decode"]
    for v in variants:
        assert dec[v]["strings"] == strings and dec[v]["buffer"] == list(buf) and dec[v]["isBuffer"] is True, (v, r)
    assert dec["defaultStd"] == [0xfb, 0xff], r
    assert dec["newlines"] == "hello world" and dec["notUtf8"] == "\ufffd", r
    assert dec["formatOther"] == [104, 105], r

    e = rec["errors"]
    assert e["missingPad"] == ["Error", "illegal base64 data at input byte 4"], r
    assert e["padInRaw"] == ["Error", "illegal base64 data at input byte 7"], r
    assert e["badChar"] == ["Error", "illegal base64 data at input byte 3"], r
    assert e["urlInStd"] == ["Error", "illegal base64 data at input byte 0"], r
    assert e["stdInUrl"] == ["Error", "illegal base64 data at input byte 0"], r
    assert e["trailing"] == ["Error", "illegal base64 data at input byte 4"], r
    assert e["lone"] == ["Error", "illegal base64 data at input byte 4"], r
    assert e["encodeNumber"][0] == "TypeError" and "invalid type number" in e["encodeNumber"][1], r
    assert e["encodeUndefined"][0] == "TypeError" and "invalid type undefined" in e["encodeUndefined"][1], r
    assert e["decodeEmpty"] == ["ok", ""], r


def test_global_crypto(c6):
    r = c6("crypto/global.js", with_target=False)
    assert r.code == 0, r
    g = records(r)["global"]
    uuid_re = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
    assert all(uuid_re.match(u) for u in g["uuids"]) and len(set(g["uuids"])) == 50, r
    assert g["same"] is True, r
    # random, so only "not all zero" and ranges are certain (2^-512 odds aside)
    assert any(g["u8"]) and all(0 <= x < 256 for x in g["u8"]), r
    assert any(x > 0xFFFF for x in g["u32"]), r   # whole 32-bit words are filled, not one byte each
    assert all(-32768 <= x < 32768 for x in g["i16"]) and any(g["i16"]), r
    assert g["bigNonZero"] > 30000, r
    assert g["tail"][:16] == [0] * 16 and any(g["tail"][16:]), r
    assert g["subtle"] == "undefined", r
    for k in ("float", "bigint", "plain", "buffer"):
        assert g[k] == ["TypeMismatchError", "typedArray parameter isn't a TypedArray instance"], (k, r)
    assert g["missing"][0] == "TypeError", r
    assert g["quota"] == ["QuotaExceededError", "typedArray parameter is too big; maximum length is 65536 bytes"], r


def test_unknown_algorithm_uncaught_fails_iteration(c6):
    """An uncaught module error is an ordinary script exception (the run
    goes on and ends 0), with the message in the log."""
    r = c6("crypto/uncaught.js", with_target=False)
    assert r.code == 0, r
    assert any("invalid algorithm: nope" in rec.get("msg", "") for rec in r.logs(level="error")), r
