// An abortOnFail threshold crossed on the agents' own data (every check
// fails): the first agent to stop for it stops every agent (exit 99).
import { check, sleep } from 'k6';

export const options = {
  scenarios: { s: { executor: 'constant-vus', vus: 2, duration: '60s' } },
  thresholds: { checks: [{ threshold: 'rate>0.5', abortOnFail: true }] },
};

export default function () {
  check(1, { 'never': () => false });
  sleep(0.1);
}
