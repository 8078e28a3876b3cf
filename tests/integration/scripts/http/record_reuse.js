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
  // the VU keeps the C string of its last URL string (http.c, http_url_arg):
  // the same string again, another, a redirect from it, credentials cut out
  // of it (digest), non-ASCII; http.batch (no cache) must see the same
  const host = T.replace('http://', '');
  const u1 = T + '/get', u2 = T + '/status/201', red = T + '/redirect/2', uni = T + '/anything/é?q=ü';
  const du = `http://alice:s%3Acret@${host}/digest-auth/auth/alice/s:cret`;
  const seq = [u1, u2, u1, u1, red, red, uni, uni, du, du, u1];
  const view = (r) => [r.status, r.url, r.request.url, r.error];
  out.cache = seq.map((u) => view(http.get(u, u === du ? { auth: 'digest' } : {})));
  out.nocache = http.batch(seq.map((u) => ['GET', u, null, u === du ? { auth: 'digest' } : {}])).map(view);
  out.du = du;
  console.log(JSON.stringify(out));
}
