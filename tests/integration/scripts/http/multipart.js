// Multipart uploads: http.file() with a string, with binary data from
// open(path, 'b'), the defaults, and plain fields next to files.
import http from 'k6/http';

const T = __ENV.TARGET;
const bin = open(__ENV.BIN, 'b');
function log(tag, obj) { console.log(tag + ' ' + JSON.stringify(obj)); }

export default function () {
  const f = http.file(bin, 'data "1".bin', 'application/x-test');
  log('file', { filename: f.filename, content_type: f.content_type, isBuffer: f.data instanceof ArrayBuffer });

  let res = http.post(`${T}/post`, {
    title: 'hello world',
    upload: f,
    text: http.file('plain text ✓', 'note.txt', 'text/plain'),
    list: ['a', 'b'],
  });
  const ct = res.request.headers['Content-Type'][0];
  const boundary = ct.split('boundary=')[1];
  log('upload', {
    status: res.status,
    form: res.json('form'),
    info: res.json('file_info'),
    text: res.json('files.text'),
    contentType: res.json('headers.Content-Type'),
    requestContentType: ct,
    boundaryOk: /^[0-9a-f]{60}$/.test(boundary),
    bodyStart: res.request.body.slice(0, 2 + 60 + 2),
    bodyEnd: res.request.body.slice(-(2 + 60 + 6)),
    sent: res.json('headers.Content-Length'),
  });

  // defaults: the file name is the time in nanoseconds, the type octet-stream
  const before = Date.now();
  res = http.put(`${T}/put`, { f: http.file('xyz') });
  log('defaults', { info: res.json('file_info'), before });

  // a fresh boundary for every body
  const b1 = http.post(`${T}/post`, { f: http.file('1') }).request.headers['Content-Type'][0];
  const b2 = http.post(`${T}/post`, { f: http.file('1') }).request.headers['Content-Type'][0];
  log('boundaries', { differ: b1 !== b2 });

  let typeError = null;
  try { http.file(42); } catch (e) { typeError = String(e); }
  log('typeError', typeError);
}
