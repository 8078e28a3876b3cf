// Pins what a script sees of a Response object (issue 17 reworked how one
// is made): its own keys and their order as fields are read, descriptors,
// the lazy fields read after later requests (each Response keeps its own),
// JSON.stringify's order, responseType, a failed request.
import http from 'k6/http';

const T = __ENV.TARGET;
// timings and the port vary between runs: their shape is kept, not the values
function norm(k, v) {
  if (k === 'remote_port') return typeof v;
  if (k === 'timings') return Object.keys(v).map((n) => n + ':' + typeof v[n]);
  if (k === 'Date') return typeof v;
  return v;
}

export default function () {
  const a = http.get(`${T}/get?x=1`, { headers: { 'X-Probe': 'p1' }, cookies: { c1: 'v1' } });
  const k0 = Object.keys(a);
  const st = a.status;
  const k1 = Object.keys(a);
  const dBody = Object.getOwnPropertyDescriptor(a, 'body');
  const dStatus = Object.getOwnPropertyDescriptor(a, 'status');
  const dUrl = Object.getOwnPropertyDescriptor(a, 'url');
  const dNone = Object.getOwnPropertyDescriptor(a, 'nope');
  const k2 = Object.keys(a);
  const has = ['headers' in a, a.hasOwnProperty('timings'), Object.keys(a).includes('timings')];

  // more requests with other URLs, headers, bodies and a redirect
  const b = http.post(`${T}/redirect-to?url=/get`, 'payload', { headers: { 'X-Other': 'o' } });
  const c = http.get(`${T}/status/404`, { responseType: 'binary' });
  const n = http.get(`${T}/get`, { responseType: 'none' });
  const e = http.get('http://127.0.0.1:1/x');

  // a's lazy fields, read after those requests
  const late = {
    url: a.url, status: st, status_text: a.status_text, proto: a.proto, remote_ip: a.remote_ip,
    port: typeof a.remote_port, error: a.error, error_code: a.error_code,
    tls: [a.tls_version, a.tls_cipher_suite, JSON.stringify(a.ocsp)],
    req: [a.request.method, a.request.url, a.request.body, JSON.stringify(a.request.headers),
          JSON.stringify(a.request.cookies)],
    ctype: a.headers['Content-Type'], cookies: JSON.stringify(a.cookies),
    body: JSON.parse(a.body).headers['X-Probe'],
    keys: Object.keys(a),
  };
  console.log('a ' + JSON.stringify({ k0, k1, k2, dBody, dStatus, dUrl, dNone: dNone === undefined, has, late }));
  const sb = JSON.parse(JSON.stringify(b, norm));
  delete sb.body; // the echo of /get holds a Date-free but host-dependent body
  console.log('b ' + JSON.stringify({ keys: Object.keys(b), j: sb }));
  console.log('c ' + JSON.stringify({ body: c.body instanceof ArrayBuffer, len: c.body.byteLength, st: c.status,
    stext: c.status_text, err: c.error, code: c.error_code, keys: Object.keys(c) }));
  console.log('n ' + JSON.stringify({ body: n.body, st: n.status, keys: Object.keys(n) }));
  console.log('e ' + JSON.stringify(e, norm));
  console.log('e2 ' + JSON.stringify(Object.keys(e)));
  // Responses share the shapes their VU keeps (a Response is made with
  // {body}'s and takes {body, status}'s when status is read first): what a
  // script does to one Response's properties stays its own
  const s1 = http.get(`${T}/get`);
  const s2 = http.get(`${T}/get`);
  const s1st = s1.status;
  s1.extra = 1;
  delete s2.body;
  const s2k = Object.keys(s2);
  const s2st = s2.status;
  const s3 = http.get(`${T}/get`);
  const s3k = Object.keys(s3);
  Object.preventExtensions(s3);
  let s3st;
  try {
    s3st = s3.status;
  } catch (err) {
    s3st = 'threw ' + err.name;
  }
  const s4 = http.get(`${T}/get`);
  Object.defineProperty(s4, 'status', { value: 7, enumerable: false });
  const s5 = http.get(`${T}/get`);
  const s5h = typeof s5.headers;
  const s5st = s5.status;
  const s6 = http.get(`${T}/status/404`);
  const s6st = s6.status;
  delete s6.status;
  const s7 = http.get(`${T}/get`);
  const s7k = [Object.keys(s7), s7.status, Object.keys(s7)];
  s7.status = 3;
  console.log('s ' + JSON.stringify({
    s1: [s1st, Object.keys(s1), typeof s1.body], s2: [s2k, s2st, Object.keys(s2), s2.body],
    s3: [s3k, s3st, Object.keys(s3), Object.isExtensible(s3)],
    s4: [s4.status, Object.keys(s4), JSON.stringify(Object.getOwnPropertyDescriptor(s4, 'status'))],
    s5: [s5h, s5st, Object.keys(s5)], s6: [s6st, s6.status, 'status' in s6, Object.keys(s6)],
    s7: [s7k, s7.status, Object.keys(s7)], s1again: Object.keys(s1),
  }));
  // writes and deletes of a lazy field are those of a plain one
  delete a.status_text;
  a.proto = 'mine';
  console.log('w ' + JSON.stringify([a.status_text, a.proto, 'status_text' in a, Object.keys(a)]));
}
