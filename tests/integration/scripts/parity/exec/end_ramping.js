// As end_constant.js, for ramping-vus (k6 lib/executor/ramping_vus.go: the
// VU handles are stopped at the end of the stages).
import exec from 'k6/execution';
export const options = { scenarios: { s: { executor: 'ramping-vus', startVUs: 2, stages: [{ duration: '1s', target: 2 }], gracefulStop: '5s' } } };
export default function () {
  if (exec.vu.iterationInScenario > 0) console.log('started after the end');
  while (exec.scenario.progress < 1) { /* busy until the end */ }
}
