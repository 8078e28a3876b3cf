// Every iteration a new URL: a new time series each (the agents are run
// with C6_DIST_MAX_SERIES small): an agent past the limit fails the run.
import http from 'k6/http';
import { sleep } from 'k6';

export const options = {
  scenarios: { s: { executor: 'per-vu-iterations', vus: 1, iterations: 50, maxDuration: '60s' } },
};

export default function () {
  http.get(`${__ENV.TARGET}/get?i=${__ITER}`);
  sleep(0.05);
}
