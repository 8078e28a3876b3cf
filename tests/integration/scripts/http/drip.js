// /drip through both clients (h1 for http://, libcurl for a URL with
// credentials): prints status, body length and timings.
import http from 'k6/http';

export default function () {
  const q = '/drip?numbytes=5&duration=0.5&delay=0.2&code=202';
  const out = {};
  for (const [via, base] of [['h1', __ENV.TARGET], ['curl', __ENV.TARGET.replace('://', '://u:p@')]]) {
    const r = http.get(base + q);
    out[via] = { status: r.status, len: r.body.length, waiting: r.timings.waiting, receiving: r.timings.receiving };
  }
  console.log(JSON.stringify(out));
}
