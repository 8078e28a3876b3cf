// A constant arrival rate split over agents by execution segments: the
// merged total must be a single `c6 run`'s (rate x duration = 200), and the
// coordinator's summary must list the same metrics and checks.
import http from 'k6/http';
import { check, group } from 'k6';

export const options = {
  scenarios: {
    car: { executor: 'constant-arrival-rate', rate: 50, timeUnit: '1s', duration: '4s', preAllocatedVUs: 10 },
  },
  thresholds: { http_req_duration: ['p(95)<5000'] },
};

export default function () {
  group('g', () => {
    const r = http.get(`${__ENV.TARGET}/get`);
    check(r, { 'status is 200': (x) => x.status === 200 });
  });
}
