// Requests for the output tests: one GET per iteration, a check, a threshold.
import http from 'k6/http';
import { check, sleep } from 'k6';
export const options = { thresholds: { http_req_duration: ['p(95)<10000'] } };
export default function () {
  check(http.get(`${__ENV.TARGET}/get`), { 'is 200': (r) => r.status === 200 });
  if (__ENV.PAUSE) sleep(Number(__ENV.PAUSE));
}
