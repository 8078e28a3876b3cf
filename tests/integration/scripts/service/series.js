// requests with a distinct name tag each: each makes new time series (one
// per metric and tag set), past a lowered --max-time-series
import http from 'k6/http';
import { sleep } from 'k6';
export const options = { vus: 1, duration: '30s' };
export default function () {
  http.get(`${__ENV.TARGET}/get`, { tags: { name: `req-${__ITER}` } });
  sleep(0.05);
}
