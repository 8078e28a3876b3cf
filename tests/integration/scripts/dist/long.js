// A long run (constant-vus, 60 s) that only a stop ends early.
import { sleep } from 'k6';

export const options = {
  scenarios: { s: { executor: 'constant-vus', vus: 3, duration: '60s' } },
};

export default function () {
  sleep(0.1);
}

export function teardown() {
  console.log('teardown ran');
}
