// Request bodies: a string, an object (form-encoded), an ArrayBuffer and a
// typed array.
import http from 'k6/http';

const T = __ENV.TARGET;

export default function () {
  let res = http.post(`${T}/post`, 'hello body');
  console.log('string ' + JSON.stringify({ status: res.status, data: res.json('data') }));

  res = http.post(`${T}/post`, { a: '1', b: 'x y&z' });
  console.log('form ' + JSON.stringify({
    status: res.status,
    form: res.json('form'),
    ct: res.json('headers.Content-Type'),
  }));

  const bytes = new Uint8Array([104, 105, 33]);
  res = http.post(`${T}/post`, bytes.buffer);
  console.log('binary ' + JSON.stringify({ status: res.status, data: res.json('data') }));

  // a typed array: the bytes it views, not its whole buffer
  const view = new Uint8Array([0, 111, 107, 0]).subarray(1, 3);
  res = http.post(`${T}/post`, view);
  console.log('view ' + JSON.stringify({ status: res.status, data: res.json('data') }));

  res = http.put(`${T}/put`, JSON.stringify({ k: [1, 2] }), {
    headers: { 'Content-Type': 'application/json' },
  });
  console.log('json ' + JSON.stringify({ status: res.status, json: res.json('json') }));
}
