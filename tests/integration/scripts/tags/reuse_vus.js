// Two VUs on one worker with VU tags of their own (exec.vu.tags.who), the
// same requests and checks: the sets that c6 remembers across VUs
// (metrics/tags.h, memos: keyed by the VU's own tags) must keep each VU's.
import http from 'k6/http';
import { check } from 'k6';
import exec from 'k6/execution';

export const options = { scenarios: { s: { executor: 'per-vu-iterations', vus: 2, iterations: 5 } } };

export default function () {
  if (exec.vu.iterationInScenario === 0) exec.vu.tags.who = `w${exec.vu.idInTest}`;
  http.get(`${__ENV.TARGET}/get`);
  check(null, { same: () => true });
}
