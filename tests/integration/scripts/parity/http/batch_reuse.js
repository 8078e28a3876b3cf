// Item 19: the first request of an http.batch takes the VU's idle
// keep-alive connection (k6: each VU has its own http.Transport, whose
// idle pool hands the connection left by the previous GET to the first
// request that asks for the host: lib/netext/httpext/batch.go
// MakeBatchRequests starts the requests in order). 50 VUs, one iteration
// each: the batch's first request connects 0 times out of 50.
import http from 'k6/http';
import { Counter } from 'k6/metrics';
const T = __ENV.TARGET;
const reused = new Counter('batch_first_reused');
const fresh = new Counter('batch_first_connected');
export const options = { vus: 50, iterations: 50 };
export default function () {
  http.get(`${T}/get`);
  const rs = http.batch([`${T}/get?b=1`, `${T}/get?b=2`, `${T}/get?b=3`]);
  if (rs[0].timings.connecting === 0) reused.add(1); else fresh.add(1);
}
