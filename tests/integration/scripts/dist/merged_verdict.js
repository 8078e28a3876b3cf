// Thresholds judged on a distributed run's MERGED metrics (2 agents, 2 VUs
// x 25 iterations each). On the agent started with SLOW=1, 2 of each VU's 25
// requests (8 %) take 1.5 s; on the other all are fast. So:
// - p(95)<600 fails on the slow agent's own 50 requests (4 slow: its p(95)
//   is slow) but passes on the merged 100 (4 slow = 4 %);
// - count<80 passes on each agent's own 50 http_reqs but fails on the
//   merged 100.
import http from 'k6/http';

export const options = {
  scenarios: { s: { executor: 'per-vu-iterations', vus: 4, iterations: 25, maxDuration: '120s' } },
  thresholds: {
    http_req_duration: ['p(95)<600'],
    http_reqs: ['count<80'],
  },
};

export default function () {
  const slow = __ENV.SLOW === '1' && __ITER % 25 < 2;
  http.get(slow ? `${__ENV.TARGET}/delay/1500` : `${__ENV.TARGET}/get`);
}
