"""params.auth "ntlm" end to end: a Python HTTP/1.1 server does the NTLM
handshake (401 + "WWW-Authenticate: NTLM", negotiate -> challenge ->
authenticate) on one keep-alive connection and checks the NTLMv2 response
(NT hash = MD4 of the UTF-16LE password, then HMAC-MD5s). MD4 is written
here in Python: OpenSSL 3's default provider has none."""
import base64
import hashlib
import hmac
import http.server
import json
import struct
import threading

import pytest

USERS = {("", "ALICE"): "s:cret", ("CORP", "BOB"): "pw"}


def _md4(data):
    """RFC 1320."""
    def rol(x, n):
        x &= 0xFFFFFFFF
        return ((x << n) | (x >> (32 - n))) & 0xFFFFFFFF

    msg = data + b"\x80" + b"\x00" * ((55 - len(data)) % 64) + struct.pack("<Q", len(data) * 8)
    a, b, c, d = 0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476
    for off in range(0, len(msg), 64):
        x = struct.unpack("<16I", msg[off:off + 64])
        aa, bb, cc, dd = a, b, c, d
        f = lambda x_, y, z: (x_ & y) | (~x_ & z)                   # noqa: E731
        g = lambda x_, y, z: (x_ & y) | (x_ & z) | (y & z)          # noqa: E731
        h = lambda x_, y, z: x_ ^ y ^ z                             # noqa: E731
        for i in range(16):
            k, s = i, (3, 7, 11, 19)[i % 4]
            a = rol(a + f(b, c, d) + x[k], s)
            a, b, c, d = d, a, b, c
        for i in range(16):
            k, s = (i % 4) * 4 + i // 4, (3, 5, 9, 13)[i % 4]
            a = rol(a + g(b, c, d) + x[k] + 0x5A827999, s)
            a, b, c, d = d, a, b, c
        for i in range(16):
            k, s = (0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15)[i], (3, 9, 11, 15)[i % 4]
            a = rol(a + h(b, c, d) + x[k] + 0x6ED9EBA1, s)
            a, b, c, d = d, a, b, c
        a, b, c, d = (a + aa) & 0xFFFFFFFF, (b + bb) & 0xFFFFFFFF, (c + cc) & 0xFFFFFFFF, (d + dd) & 0xFFFFFFFF
    return struct.pack("<4I", a, b, c, d)


def test_md4_known_answers():
    assert _md4(b"").hex() == "31d6cfe0d16ae931b73c59d7e0c089c0"
    assert _md4(b"abc").hex() == "a448017aaf21d8525fc10ae87aa6729d"
    assert _md4(b"1234567890" * 8).hex() == "e33b4ddc9c38f2199c3e7b164fcc0536"


def _field(msg, at):
    length, _, off = struct.unpack_from("<HHI", msg, at)
    return msg[off:off + length]


def _challenge_message(challenge):
    name = "CORP".encode("utf-16-le")
    info = struct.pack("<HH", 2, len(name)) + name + struct.pack("<HH", 0, 0)   # NetBIOS domain, EOL
    # unicode, target, NTLM, domain, extended security (libcurl answers it
    # with NTLMv2), target info
    flags = 0x1 | 0x4 | 0x200 | 0x10000 | 0x80000 | 0x800000
    head = b"NTLMSSP\x00" + struct.pack("<I", 2)
    head += struct.pack("<HHI", len(name), len(name), 48) + struct.pack("<I", flags) + challenge + b"\x00" * 8
    head += struct.pack("<HHI", len(info), len(info), 48 + len(name))
    return head + name + info


def _verify(msg, challenge):
    """True if the authenticate message's NTLMv2 response fits a known user."""
    if msg[:8] != b"NTLMSSP\x00" or struct.unpack_from("<I", msg, 8)[0] != 3:
        return False
    nt = _field(msg, 20)
    domain = _field(msg, 28).decode("utf-16-le")
    user = _field(msg, 36).decode("utf-16-le")
    password = USERS.get((domain.upper(), user.upper()))
    if password is None or len(nt) <= 16:
        return False
    key = hmac.new(_md4(password.encode("utf-16-le")), (user.upper() + domain).encode("utf-16-le"), "md5").digest()
    return hmac.compare_digest(hmac.new(key, challenge + nt[16:], "md5").digest(), nt[:16])


class _Handler(http.server.BaseHTTPRequestHandler):
    """One instance per connection: the challenge lives as long as it."""
    protocol_version = "HTTP/1.1"
    log = None

    def log_message(self, *args):
        pass

    def _reply(self, status, body=b"", challenge=None):
        self.send_response(status)
        if status == 401:
            self.send_header("WWW-Authenticate", "NTLM" + (" " + base64.b64encode(challenge).decode() if challenge else ""))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _handle(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        auth = self.headers.get("Authorization", "")
        msg = base64.b64decode(auth[5:]) if auth.startswith("NTLM ") else b""
        kind = struct.unpack_from("<I", msg, 8)[0] if len(msg) >= 12 else 0
        self.log.append((id(self), self.command, kind, body))
        user = getattr(self, "user", None)       # as IIS: NTLM authenticates the connection
        if kind == 1:
            self.challenge = hashlib.sha256(str(id(self)).encode()).digest()[:8]
            return self._reply(401, challenge=_challenge_message(self.challenge))
        if kind == 3 and getattr(self, "challenge", None):
            user = self.user = _field(msg, 36).decode("utf-16-le") if _verify(msg, self.challenge) else None
        if user is None:
            return self._reply(401)
        return self._reply(200, f"hello {user} {body.decode()}".strip().encode())

    do_GET = do_POST = _handle


@pytest.fixture
def ntlm_server():
    log = []
    handler = type("H", (_Handler,), {"log": log})
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    srv.daemon_threads = True
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}/secret", log
    srv.shutdown()
    srv.server_close()


def test_ntlm_handshake(c6, ntlm_server):
    url, log = ntlm_server
    r = c6("httpopt/ntlm.js", "-e", f"NTLM_URL={url}", with_target=False)
    assert r.code == 0, r
    o = next(json.loads(m) for m in r.console() if m.startswith("{"))
    assert o["right"] == [200, "hello alice", 0], r
    assert o["wrong"] == [401, 1401], r
    assert o["domain"] == [200, "hello bob"], r
    assert o["post"] == [200, "hello alice payload"], r
    # libcurl starts with the negotiate message (type 1), then answers the
    # challenge (type 3), on one keep-alive connection; the connection stays
    # authenticated for the next request with the same credentials
    conns = {}
    for conn, method, kind, body in log:
        conns.setdefault(conn, []).append((method, kind, body))
    assert sorted(conns.values(), key=len) == [
        [("GET", 1, b""), ("GET", 3, b""), ("POST", 0, b"payload")],                        # alice
        [("GET", 1, b""), ("GET", 3, b""), ("GET", 1, b""), ("GET", 3, b"")],               # wrong, then bob
    ], log
    # c6 records the final response of each exchange only (k6's go-ntlmssp
    # records each round trip)
    assert r.count("http_reqs") == 4, r
