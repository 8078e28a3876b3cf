// Issue 10, items 10 and 11: 10 VUs doing http.get + sleep(0.01), the run
// tagged with a test id (options.tags). Every sample must reach InfluxDB
// (one point per series and timestamp there), and vus/vus_max carry the
// test id as k6 tags them (internal/execution/scheduler.go, emitVUsAndVUsMax:
// the run's tags).
import http from 'k6/http';
import { sleep } from 'k6';

export const options = { tags: { testid: 'parity-10' } };

export default function () {
  http.get(`${__ENV.TARGET}/get`);
  sleep(0.01);
}
