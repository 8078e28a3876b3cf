// __ENV.N VUs, one request each to __ENV.URL at the same moment, each on a
// connection of its own (noConnectionReuse): more sockets at once than the
// test's ulimit -n allows (issue 17); with __ENV.REUSE, keep-alive. With __ENV.HOLD: VUs 1..HOLD request
// __ENV.URL + '/delay/' + __ENV.HOLD_MS first (holding descriptors), the
// others __ENV.URL with timeout __ENV.TIMEOUT; `waited` is how long those took
// and the check whether they timed out (error_code 1050). __ENV.MAXD: the
// scenario's maxDuration, with no graceful stop (the VUs are interrupted).
import http from 'k6/http';
import { check } from 'k6';
import { Trend } from 'k6/metrics';
const waited = new Trend('waited', true);
export const options = {
    scenarios: {
        s: {
            executor: 'per-vu-iterations', vus: __ENV.N * 1, iterations: 1,
            maxDuration: __ENV.MAXD || '60s', gracefulStop: __ENV.MAXD ? '0s' : '30s',
        },
    },
    noConnectionReuse: !__ENV.REUSE, // REUSE: keep-alive, each VU keeps its connection after the request
};
export default function () {
    if (!__ENV.HOLD) {
        http.get(__ENV.URL, { timeout: __ENV.TIMEOUT || '60s' });
        return;
    }
    if (__VU <= __ENV.HOLD * 1) {
        http.get(`${__ENV.URL}/delay/${__ENV.HOLD_MS}`, { timeout: '10s' });
        return;
    }
    const t0 = Date.now();
    const r = http.get(`${__ENV.URL}/delay/${__ENV.HOLD_MS}`, { timeout: __ENV.TIMEOUT });
    waited.add(Date.now() - t0);
    check(r, { 'timed out': (x) => x.error_code === 1050 });
}
