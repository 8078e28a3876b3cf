import { Counter } from 'k6/metrics';

// Three crossed thresholds, defined out of byte order: k6 sorts the names.
const zeta = new Counter('zeta_count');
const Upper = new Counter('Upper_count');

export const options = {
  iterations: 1,
  thresholds: {
    zeta_count: ['count>5'],
    iterations: ['count>5'],
    Upper_count: ['count>5'],
    'zeta_count{tag:x}': ['count>5'],
  },
};

export default function () {
  zeta.add(1, { tag: 'x' });
  Upper.add(1);
}
