// A 1 MB binary response and a 100 kB request body arrive whole.
import http from 'k6/http';

export default function () {
  const res = http.get(`${__ENV.TARGET}/bytes/1000000`, { responseType: 'binary' });
  const big = 'x'.repeat(100000);
  const post = http.post(`${__ENV.TARGET}/post`, big);
  console.log(JSON.stringify({
    status: res.status,
    isBuffer: res.body instanceof ArrayBuffer,
    length: res.body.byteLength,
    echoed: post.json('data').length,
  }));
}
