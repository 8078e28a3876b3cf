// The run the web page test shows: 2 VUs for 3 s, requests to the test
// target; the iterations threshold holds, the checks one is crossed (half
// the checks fail): Finished, result failed, exit 99.
import http from 'k6/http';
import { check, sleep } from 'k6';
export const options = {
  vus: 2,
  duration: '3s',
  thresholds: { iterations: ['count>=1'], checks: ['rate>0.99'] },
};
export default function () {
  const res = http.get(`${__ENV.TARGET}/get`);
  check(res, { 'status is 200': (r) => r.status === 200, 'status is 201': (r) => r.status === 201 });
  sleep(0.2);
}
