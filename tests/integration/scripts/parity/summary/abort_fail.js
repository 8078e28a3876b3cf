import { Counter } from 'k6/metrics';
import { sleep } from 'k6';

// abortOnFail on my_errors stops the test at the first evaluation (~2 s);
// iterations is crossed too, never_used has no samples (k6 skips it then).
const errors = new Counter('my_errors');
const unused = new Counter('never_used');

export const options = {
  vus: 1,
  duration: '30s',
  thresholds: {
    my_errors: [{ threshold: 'count<1', abortOnFail: true }],
    iterations: ['count>100000'],
    never_used: ['count>0'],
  },
};

export default function () {
  errors.add(1);
  sleep(0.2);
}
