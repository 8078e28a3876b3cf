// handleSummary with the jslib textSummary helper (built into c6) and a JSON file.
import http from 'k6/http';
import { check, group } from 'k6';
import { textSummary } from 'https://jslib.k6.io/k6-summary/0.0.2/index.js';
export const options = { iterations: 3, thresholds: { http_req_duration: ['p(95)<5000'] } };
export default function () {
  group('g1', () => { check(http.get(__ENV.TARGET + '/get'), { 'is 200': (r) => r.status === 200 }); });
}
export function handleSummary(data) {
  return {
    stdout: textSummary(data, { indent: ' ', enableColors: false }),
    [__ENV.OUT]: JSON.stringify(data),
  };
}
