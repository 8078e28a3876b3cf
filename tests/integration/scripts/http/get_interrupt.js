// One request still in flight when the test stops it: by a signal (SIGINT,
// 60 s of test) or, with STOP=end, at the scenario's end (gracefulStop 0s).
import http from 'k6/http';

export const options = __ENV.STOP === 'end'
  ? { scenarios: { s: { executor: 'constant-vus', vus: 1, duration: '1s', gracefulStop: '0s' } } }
  : { vus: 1, duration: '60s' };

export default function () {
  const r = http.get(`${__ENV.TARGET}/delay/30000`);
  console.log('get done ' + r.status);
}
