// Requests one after another in one VU reuse the worker's request record,
// which is not cleared whole (http.c's http_call_clear): nothing of one
// request may show in the next. Also the by-hand fast paths of a hop's URL
// (scheme case, no host) and of the status/error_code tags.
import http from 'k6/http';

export const options = { iterations: 1, vus: 1 };

function fields(r) {
  return {
    status: r.status, error: r.error, code: r.error_code, url: r.url, proto: r.proto,
    ip: r.remote_ip, tls: r.tls_version, cipher: r.tls_cipher_suite, body: typeof r.body,
    req: { method: r.request.method, url: r.request.url, headers: r.request.headers, body: r.request.body,
      cookies: r.request.cookies },
  };
}

export default function () {
  const T = __ENV.TARGET;
  const out = {};
  // a POST with a form body, headers, tags and cookies, refused: every part of the record used
  out.fail = fields(http.post('http://127.0.0.1:1/x', { a: '1' },
    { headers: { 'X-A': 'b' }, tags: { t: 'x' }, cookies: { c: 'v' } }));
  out.get = fields(http.get(T + '/get')); // then nothing of it
  out.s404 = fields(http.get(T + '/status/404'));
  out.upper = http.get(T.replace('http://', 'HTTP://') + '/get').status;
  for (const u of ['http:///x', 'http://?x', 'http://#f', 'http://', 'http:/x', 'httpx://127.0.0.1:1/', 'htt://a/']) {
    const r = http.get(u);
    out[u] = [r.status, r.error, r.error_code];
  }
  out.after = fields(http.get(T + '/get'));
  console.log(JSON.stringify(out));
}
