// Profile-guided build (scripts/pgo/train.sh): the k6 API a typical test
// uses beyond a plain GET, so that its code is laid out as run, not guessed.
// A few seconds against `c6-target` on loopback.
import http from 'k6/http';
import { check, group, sleep } from 'k6';
import { Counter, Gauge, Rate, Trend } from 'k6/metrics';

const base = __ENV.TARGET.replace(/\/$/, '');
const items = new Counter('pgo_items');
const size = new Gauge('pgo_size');
const ok = new Rate('pgo_ok');
const took = new Trend('pgo_took', true);

export const options = {
  scenarios: {
    users: { executor: 'constant-vus', vus: 20, duration: '3s' },
    arrivals: { executor: 'constant-arrival-rate', rate: 400, timeUnit: '1s', duration: '3s',
                preAllocatedVUs: 20, exec: 'arrivals' },
  },
  thresholds: { http_req_duration: ['p(95)<2000'], checks: ['rate>0.9'], 'pgo_took{kind:json}': ['avg<2000'] },
};

export default function () {
  group('api', () => {
    const r = http.post(`${base}/post`, JSON.stringify({ id: __VU, iter: __ITER, tags: ['a', 'b'] }),
                        { headers: { 'Content-Type': 'application/json' }, tags: { kind: 'post' } });
    const body = r.json();
    check(r, { 'post 200': (x) => x.status === 200, 'echoed': () => body !== null });
    ok.add(r.status === 200);
    took.add(r.timings.duration, { kind: 'json' });
  });
  group('pages', () => {
    const rs = http.batch([['GET', `${base}/json`], ['GET', `${base}/headers`, null, { headers: { 'X-Pgo': '1' } }]]);
    const doc = rs[0].json();
    items.add(Object.keys(doc || {}).length);
    size.add(rs[1].body.length);
    check(rs[1], { 'headers 200': (x) => x.status === 200 && x.headers['Content-Type'] !== undefined });
  });
  sleep(0.05);
}

export function arrivals() {
  const r = http.get(`${base}/get?vu=${__VU}`, { tags: { name: 'get' } });
  check(r, { 'get 200': (x) => x.status === 200 });
}
