// params.compression encodes request bodies (the target decodes them back);
// gzip, deflate, br and zstd responses are decoded on both clients.
import http from 'k6/http';

export default function () {
  const T = __ENV.TARGET;
  const C = T.replace('http://', 'http://u:p@');   // through libcurl
  const body = JSON.stringify({ msg: 'hello '.repeat(50) });
  const out = {};
  for (const alg of ['gzip', 'deflate', 'br', 'zstd', 'gzip, br']) {
    for (const [via, base] of [['h1', T], ['curl', C]]) {
      const r = http.post(`${base}/anything`, body, { compression: alg, headers: { 'Content-Type': 'application/json' } });
      const j = r.json();
      out[`${alg}/${via}`] = [r.status, j.headers['Content-Encoding'], j.data === body, Number(j.headers['Content-Length']) < body.length];
    }
  }
  for (const path of ['gzip', 'deflate', 'brotli', 'zstd']) {
    for (const [via, base] of [['h1', T], ['curl', C]]) {
      const r = http.get(`${base}/${path}`);
      out[`get-${path}/${via}`] = [r.status, r.headers['Content-Encoding'], r.json('method')];
    }
  }
  try {
    http.post(`${T}/post`, 'x', { compression: 'lz4' });
  } catch (e) {
    out.bad = e.message;
  }
  console.log(JSON.stringify(out));
}
