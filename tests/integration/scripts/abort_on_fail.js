// A threshold with abortOnFail stops a long test early (exit 99).
import http from 'k6/http';
import { sleep } from 'k6';

export const options = {
  vus: 1,
  duration: '60s',
  thresholds: {
    http_req_duration: [{ threshold: 'p(95)<0.0001', abortOnFail: true }],
  },
};

export default function () {
  http.get(`${__ENV.TARGET}/get`);
  sleep(0.1);
}

export function teardown() {
  console.log('teardown ran');
}
