// Requests whose bytes test_request_bytes.py pins, in this order (one VU, one
// connection): the same URL string again and again (k6/http keeps its split
// per VU, net/client.h's h1_url_memo), other URLs between, other headers,
// a redirect, a body, a space to escape, credentials in the URL.
import http from "k6/http";

export const options = { vus: 1, iterations: 1 };

const base = __ENV.URL;

export default function () {
    const u = base + "/a?x=1";
    const r = base + "/redir";
    const sp = base + "/s p";
    const cred = base.replace("http://", "http://al:pw@") + "/c";
    const out = [];
    const go = (res) => out.push([res.status, res.url, res.error_code]);
    go(http.get(u));                                              // 1
    go(http.get(u));                                              // 2 same string
    go(http.get(base + "/b"));                                    // 3 another URL
    go(http.get(u));                                              // 4 back to the first
    go(http.get(u, { headers: { "User-Agent": "mine", "X-H": "v" } })); // 5 headers
    go(http.get(u));                                              // 6 none again
    go(http.get(r));                                              // 7, 8: /redir -> /final
    go(http.get(r));                                              // 9, 10: again, the same string
    go(http.post(u, "body"));                                     // 11 a body
    go(http.request("HEAD", u));                                  // 12 another method
    go(http.get(u, { headers: { Host: "h.example" } }));          // 13 the script's Host
    go(http.get(sp));                                             // 14 a space, escaped
    go(http.get(sp));                                             // 15 again
    go(http.get(cred));                                           // 16 credentials
    go(http.get(cred));                                           // 17 again
    go(http.get(u + "#frag"));                                    // 18 a fragment, not sent
    go(http.get(u));                                              // 19
    console.log(JSON.stringify(out));
}
