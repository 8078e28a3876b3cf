// As end_per_vu.js, for shared-iterations cut by maxDuration (k6
// lib/executor/shared_iterations.go).
import exec from 'k6/execution';
export const options = { scenarios: { s: { executor: 'shared-iterations', vus: 2, iterations: 40, maxDuration: '1s', gracefulStop: '5s' } } };
export default function () {
  if (exec.vu.iterationInScenario > 0) console.log('started after the end');
  while (exec.instance.currentTestRunDuration < 1001.2) { /* busy until the end */ }
}
