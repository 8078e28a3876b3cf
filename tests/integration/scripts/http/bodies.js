// Request bodies: a string, an object (form-encoded) and an ArrayBuffer.
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

  res = http.put(`${T}/put`, JSON.stringify({ k: [1, 2] }), {
    headers: { 'Content-Type': 'application/json' },
  });
  console.log('json ' + JSON.stringify({ status: res.status, json: res.json('json') }));
}
