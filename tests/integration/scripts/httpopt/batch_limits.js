// options.batch caps the requests in flight: 4 x /delay/300 (ms) with batch 2 take two rounds.
import http from 'k6/http';

export const options = { batch: 2, batchPerHost: 0 };

export default function () {
  const T = __ENV.TARGET;
  const t0 = Date.now();
  http.batch([`${T}/delay/300`, `${T}/delay/300`, `${T}/delay/300`, `${T}/delay/300`]);
  console.log(`elapsed ${Date.now() - t0}`);
}
