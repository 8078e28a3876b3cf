import { Trend, Counter } from 'k6/metrics';

// No check runs, no request is made, and the "never" scenario's
// iterations never happen: k6 still shows every metric a threshold is on.
const t = new Trend('my_trend', true);
const c = new Counter('my_counter');

export const options = {
  scenarios: {
    main: { executor: 'shared-iterations', iterations: 1, vus: 1 },
  },
  thresholds: {
    checks: ['rate>0.9'],
    my_trend: ['p(95)<100'],
    'my_counter{kind:none}': ['count>0'],
    'iterations{scenario:never}': ['count==0'],
  },
};

export default function () {}
