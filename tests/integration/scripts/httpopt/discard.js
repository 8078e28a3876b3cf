// discardResponseBodies, maxRedirects and params that override them.
import http from 'k6/http';

export const options = { discardResponseBodies: true, maxRedirects: 1 };

export default function () {
  const T = __ENV.TARGET;
  const out = {};
  out.discarded = http.get(`${T}/get`).body;
  out.text = typeof http.get(`${T}/get`, { responseType: 'text' }).body;
  out.binary = http.get(`${T}/bytes/4`, { responseType: 'binary' }).body.byteLength;
  const r = http.get(`${T}/redirect/3`);
  out.stopped = [r.status, r.url.replace(T, '')];
  const r2 = http.get(`${T}/redirect/3`, { redirects: 5 });
  out.followed = [r2.status, r2.url.replace(T, '')];
  console.log(JSON.stringify(out));
}
