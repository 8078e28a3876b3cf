// Hostile response heads (tests/integration/test_hostile_headers.py): one
// request per case of __ENV.CASES ([[name, path, params], ...]; params.method
// picks the method, GET by default) to the
// hostile server at __ENV.URL (or to path itself when it has a scheme); what the script sees of each is logged as
// one JSON line.
import http from 'k6/http';

const SHOW = ['X-Long', 'X-H-9999', 'X-Dup', 'X-Fold', 'Foo Bar', 'foo bar ', 'X-A', 'Set-Cookie', '__proto__'];

export default function () {
  const out = {};
  for (const [name, path, params] of JSON.parse(__ENV.CASES)) {
    const t0 = Date.now();
    const p = Object.assign({}, params);
    const method = p.method || 'GET';
    delete p.method;
    const r = http.request(method, /^[a-z]+:/i.test(path) ? path : __ENV.URL + path, null, p);
    const shown = {};
    for (const k of SHOW) {
      if (!Object.prototype.hasOwnProperty.call(r.headers, k)) continue;
      const v = r.headers[k];
      Object.defineProperty(shown, k, { value: v.length > 64 ? v.length : v, enumerable: true });
    }
    out[name] = {
      status: r.status, st: r.status_text, error: r.error, code: r.error_code, url: r.url, proto: r.proto,
      nh: Object.keys(r.headers).length, h: shown, ncookies: Object.keys(r.cookies).length,
      body: r.body ? r.body.length : r.body, ms: Date.now() - t0,
    };
  }
  // DEL and non-ASCII escaped, so the log line carries them as JSON, not as logfmt escapes
  console.log(JSON.stringify(out).replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')));
}
