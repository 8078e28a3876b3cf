// A threshold error is reported before the scenarios' problems (k6's order).
export const options = {
  thresholds: { checks: ['avg>0'] },
  scenarios: { s: { executor: 'shared-iterations', vus: 5, iterations: 2 } },
};
export default function () {}
