// Two VUs in a 1 s iteration; the target drops to 0 at 0.4 s and the
// scenario lasts until 1.9 s. gracefulRampDown decides whether the
// iterations in flight finish (1s) or are interrupted (200ms).
import { sleep } from 'k6';
export const options = {
  scenarios: {
    ramp: { executor: 'ramping-vus', startVUs: 0, gracefulRampDown: __ENV.GRD,
            stages: [{ duration: '100ms', target: 2 }, { duration: '300ms', target: 2 },
                     { duration: '0s', target: 0 }, { duration: '1.5s', target: 0 }] },
  },
};
export default function () { sleep(1); }
