// The c6 demo: a short load test against the built-in target server.
// Run with `make demo`, which starts `c6 target` and sets TARGET for you.
import http from 'k6/http';
import { check, group, sleep } from 'k6';

const BASE = __ENV.TARGET || 'http://127.0.0.1:8080';

export const options = {
  stages: [
    { duration: '2s', target: 20 },
    { duration: '4s', target: 20 },
    { duration: '2s', target: 0 },
  ],
  thresholds: {
    http_req_duration: ['p(95)<500'],
    http_req_failed: ['rate<0.01'],
    checks: ['rate>0.99'],
  },
};

export function setup() {
  const res = http.get(`${BASE}/json`);
  return { title: res.json('slideshow.title') };
}

export default function (data) {
  group('browse', () => {
    const res = http.get(`${BASE}/get?vu=${__VU}&iter=${__ITER}`);
    check(res, {
      'status is 200': (r) => r.status === 200,
      'echoes the query': (r) => r.json('args.vu') === String(__VU),
    });
  });
  group('submit', () => {
    const res = http.post(`${BASE}/post`, JSON.stringify({ title: data.title }), {
      headers: { 'Content-Type': 'application/json' },
    });
    check(res, { 'post accepted': (r) => r.status === 200 });
  });
  sleep(0.1);
}

export function teardown(data) {
  console.log(`demo finished; setup saw "${data.title}"`);
}
