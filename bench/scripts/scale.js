// Issue 17's scale iteration: http.get + check + sleep(10), ITERS times per
// VU (per-vu-iterations: the expected count is exactly N * ITERS).
//
// The process may hold 20,000 descriptors at most, so N VUs cannot all
// connect at once: the first iteration of VU k waits SPREAD * k / N seconds
// before its request, which spreads the connections evenly over SPREAD
// seconds (N / SPREAD a second, the steady-state rate with sleep(10)).
// noConnectionReuse: a VU holds a connection only while its request runs.
// localIPs (LOCAL_IPS): the connections' source addresses, VU k gets
// address k round-robin, so ephemeral ports last under 10,000 new
// connections a second.
//
// Start-up marker: vu_start is each VU's first moment in its first iteration,
// in ms since T0 (the bench's clock reading just before it started c6): its
// min is when the test began, its max when the last VU began iterating.
import http from 'k6/http';
import { check, sleep } from 'k6';
import { Trend } from 'k6/metrics';

const N = __ENV.N * 1;
const SPREAD = (__ENV.SPREAD || 10) * 1;
const T0 = (__ENV.T0 || 0) * 1;
const vuStart = new Trend('vu_start', true);

export const options = {
  scenarios: {
    scale: { executor: 'per-vu-iterations', vus: N, iterations: (__ENV.ITERS || 5) * 1, maxDuration: '10m' },
  },
  noConnectionReuse: true,
  localIPs: __ENV.LOCAL_IPS || undefined,
  summaryTrendStats: ['min', 'avg', 'p(50)', 'p(99)', 'max', 'count'],
};

export default function () {
  if (__ITER === 0) {
    vuStart.add(Date.now() - T0);
    sleep((SPREAD * (__VU - 1)) / N);
  }
  const r = http.get(__ENV.TARGET);
  check(r, { 'status is 200': (x) => x.status === 200 });
  sleep(10);
}
