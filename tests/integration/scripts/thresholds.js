// Thresholds given through the environment:
//   THR   - one http_req_duration threshold expression
//   CHECK - one checks threshold expression (optional)
import http from 'k6/http';
import { check } from 'k6';

const thresholds = { http_req_duration: [__ENV.THR] };
if (__ENV.CHECK) thresholds.checks = [__ENV.CHECK];

export const options = { iterations: 5, thresholds };

export default function () {
  const res = http.get(`${__ENV.TARGET}/get`);
  check(res, { 'is 200': (r) => r.status === 200, 'is 201': (r) => r.status === 201 });
}
