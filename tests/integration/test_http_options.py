"""k6/http options: hosts, blockHostnames, blacklistIPs, localIPs,
connection reuse, dns validation, throw, discardResponseBodies,
maxRedirects and batch, against the built-in target on loopback."""
import json


def last_json(r):
    for m in reversed(r.console()):
        if m.startswith("{") or m.startswith("["):
            return json.loads(m)
    raise AssertionError(f"no JSON console line\n{r!r}")


def all_json(r):
    return [json.loads(m) for m in r.console() if m[:1] in "{["]


def test_hosts_block_and_blacklist(c6, target):
    r = c6("httpopt/hosts.js")
    assert r.code == 0, r
    o = last_json(r)
    port = int(target.rsplit(":", 1)[1])
    for k in ("exact", "wild", "keyport", "curl"):
        assert o[k]["status"] == 200 and o[k]["ip"] == "127.0.0.1" and o[k]["port"] == port, (k, r)
    assert o["host"] == "made.up.test", r           # the Host header keeps the name
    # Response.error is k6's errorCodeForError text (lib/netext/httpext/error_codes.go:
    # blockedHostnameErrorMsg, blackListedIPErrorCodeMsg); Go's own text is in the
    # "Request Failed" warning
    assert o["blocked"] == {"status": 0, "code": 1111, "ip": "", "port": 0, "error": "hostname is blocked"}, r
    assert o["blockedExact"]["code"] == 1111 and o["blockedExact"]["error"] == "hostname is blocked", r
    assert any(x["msg"] == "Request Failed" and "hostname (exact.test) is in a blocked pattern (exact.test)"
               in x["error"] for x in r.logs(level="warning")), r
    assert o["blockedCurl"]["code"] == 1111, r
    for k in ("blacklisted", "blacklistedCurl"):
        assert o[k]["code"] == 1110 and o[k]["status"] == 0, (k, r)
        assert o[k]["error"] == "ip is blacklisted", (k, r)
    assert any(x["msg"] == "Request Failed" and "IP (127.0.0.2) is in a blacklisted range (127.0.0.2/32)"
               in x["error"] for x in r.logs(level="warning")), r


def test_connection_reuse_options(c6):
    r = c6("httpopt/reuse.js", "-i", "2")
    assert r.code == 0, r
    a, b = all_json(r)
    assert len(set(a + b)) == 1, r                   # default: one kept-alive connection
    r = c6("httpopt/reuse.js", "-i", "2", env={"K6_NO_CONNECTION_REUSE": "true"})
    a, b = all_json(r)
    assert len(set(a + b)) == 6, r                   # every request a new connection
    r = c6("httpopt/reuse.js", "-i", "2", env={"K6_NO_VU_CONNECTION_REUSE": "true"})
    a, b = all_json(r)
    assert len(set(a)) == 1 and len(set(b)) == 1 and a[0] != b[0], r   # kept within an iteration only


def test_local_ips_per_vu(c6):
    r = c6("httpopt/localips.js")
    assert r.code == 0, r
    got = {x["vu"]: x for x in all_json(r)}
    assert got[1]["h1"] == got[1]["curl"] == "127.0.0.3", r
    assert got[2]["h1"] == got[2]["curl"] == "127.0.0.4", r


def test_throw_option(c6):
    r = c6("httpopt/throw.js")
    assert r.code == 0, r                            # an uncaught error fails the iteration only
    msgs = r.console()
    assert msgs[0] == "status 404", r
    # k6 throws MakeRequest's error: net/http's url.Error (Op "Get", the URL, Go's dial error)
    assert msgs[1] == 'caught Get "http://127.0.0.1:1/refused": dial tcp 127.0.0.1:1: connect: connection refused', r
    assert msgs[2].startswith('batch caught Get "http://127.0.0.1:1/refused": dial tcp 127.0.0.1:1'), r
    assert "Request Failed" not in r.err, r          # with throw k6 does not log the failure
    assert "not reached" not in msgs, r
    assert any("connection refused" in x["msg"] for x in r.logs(level="error")), r


def test_discard_bodies_and_max_redirects(c6):
    r = c6("httpopt/discard.js")
    assert r.code == 0, r
    assert last_json(r) == {"discarded": None, "text": "string", "binary": 4,
                            "stopped": [302, "/redirect/2"], "followed": [200, "/get"]}, r


def test_batch_option_limits_parallelism(c6):
    r = c6("httpopt/batch_limits.js")
    assert r.code == 0, r
    ms = int(r.console()[0].split()[1])
    assert ms >= 600, r                              # 4 requests, 2 at a time, 300 ms each


def test_bad_connection_options_are_config_errors(c6, tmp_path):
    cases = {
        "{hosts: {'a.test': 'not-an-ip'}}": 'options.hosts["a.test"]: "not-an-ip" is not an IP address',
        "{blacklistIPs: ['10.0.0.0/33']}": "options.blacklistIPs[0]: \"10.0.0.0/33\" has an invalid prefix length",
        "{blockHostnames: ['a.*.test']}": "options.blockHostnames[0]:",
        "{localIPs: '10.0.0.9-10.0.0.1'}": "options.localIPs:",
        "{dns: {select: 'sometimes'}}": 'options.dns: select: "sometimes" is not one of first, random, roundRobin',
        "{dns: {policy: 'onlyIPv5'}}": "options.dns: policy:",
        "{dns: {ttl: 'soon'}}": "options.dns: ttl:",
    }
    for opts, want in cases.items():
        p = tmp_path / "bad.js"
        p.write_text(f"export const options = {opts};\nexport default function () {{}}\n")
        r = c6(str(p), with_target=False)
        assert r.code == 104, (opts, r)
        assert any(want in x["msg"] for x in r.logs(level="error")), (opts, r)
    p.write_text("export default function () {}\n")
    r = c6(str(p), with_target=False, env={"K6_DNS": "ttl=inf,select=roundRobin,policy=any"})
    assert r.code == 0, r
    r = c6(str(p), with_target=False, env={"K6_DNS": "ttl=1m,colour=blue"})
    assert r.code == 104 and any('K6_DNS: unknown field "colour"' in x["msg"] for x in r.logs()), r
    r = c6(str(p), with_target=False, env={"K6_BLACKLIST_IPS": "10.0.0.0/8,nope"})
    assert r.code == 104 and "K6_BLACKLIST_IPS:" in r.err, r


def test_digest_and_ntlm_auth(c6):
    r = c6("httpopt/auth.js", "--summary-mode=full")
    assert r.code == 0, r
    o = last_json(r)
    assert o["digest"] == [200, True, "/digest-auth/auth/alice/s:cret"], r
    assert o["sha256"] == 200 and o["wrong"] == 401, r
    assert o["noChallenge"] == 200, r                # a 2xx needs no second request
    assert o["ntlm"] == "NTLM TlRMTVNTUAAB", r       # libcurl's NTLM negotiate (type 1) message
    # k6 acts on auth "digest" and "ntlm" only (lib/netext/httpext/request.go
    # MakeRequest): another value is ignored and the request made
    assert "bad" not in o, r
    # each digest exchange is two samples (401 challenge + answer)
    assert r.count("http_reqs") == 2 + 2 + 2 + 1 + 1 + 1, r


def test_request_compression_and_decoded_responses(c6):
    r = c6("httpopt/compression.js")
    assert r.code == 0, r
    o = last_json(r)
    for alg in ("gzip", "deflate", "br", "zstd", "gzip, br"):
        for via in ("h1", "curl"):
            assert o[f"{alg}/{via}"] == [200, alg, True, True], (alg, via, r)
    for path, enc in (("gzip", "gzip"), ("deflate", "deflate"), ("brotli", "br"), ("zstd", "zstd")):
        for via in ("h1", "curl"):
            assert o[f"get-{path}/{via}"] == [200, enc, "GET"], (path, via, r)
    # k6: a parse error is logged, not thrown (js/modules/k6/http/request.go Request)
    assert "bad" not in o, r
    assert [x["error"] for x in r.logs(level="warning") if x["msg"] == "Request Failed"] == [
        "unknown compression algorithm lz4, supported algorithms are [gzip deflate zstd br]"], r


def test_option_flags_as_k6_has_them(c6):
    """--no-connection-reuse, --discard-response-bodies, --max-redirects,
    -w (--throw) set the same options as their K6_* variables."""
    r = c6("httpopt/reuse.js", "-i", "2", "--no-connection-reuse")
    a, b = all_json(r)
    assert len(set(a + b)) == 6, r
    r = c6("httpopt/discard.js", "--max-redirects", "0")
    assert last_json(r)["stopped"] == [302, "/redirect/3"], r    # the flag wins over options.maxRedirects
    r = c6("httpopt/throw.js", "-w=false")
    assert "no throw" in r.console(), r
    r = c6("httpopt/reuse.js", "--batch-per-host", "x")
    assert r.code == 255 and any('invalid argument "x" for "--batch-per-host" flag' in e["msg"]
                                 for e in r.logs(level="error")), r


def test_min_iteration_duration_and_no_setup_teardown(c6):
    r = c6("min_iter.js", "-u", "1", "-i", "3", "--min-iteration-duration", "300ms")
    assert r.code == 0, r
    assert r.elapsed >= 0.9, r                       # 3 iterations padded to 300 ms each
    assert r.trend("iteration_duration")["max"] < 100, r   # the padding is not in the iteration
    assert r.console() == ["setup ran", "teardown ran"], r
    r = c6("min_iter.js", "-i", "1", "--no-setup", env={"K6_NO_TEARDOWN": "true"})
    assert r.code == 0 and r.console() == [], r


def test_rps_limits_the_whole_test(c6, target):
    # 8 VUs would make thousands of requests in 1.5 s; rps 40 lets ~60 through
    r = c6("httpopt/rps.js", "-u", "8", "-d", "1500ms", "--rps", "40")
    assert r.code == 0, r
    n = r.count("http_reqs")
    assert 55 <= n <= 75, r
    r = c6("httpopt/rps.js", "-u", "2", "-i", "20", env={"K6_RPS": "50"})
    assert r.code == 0 and r.elapsed >= 0.35, r      # 20 requests 20 ms apart
