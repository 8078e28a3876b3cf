// As end_constant.js, for per-vu-iterations cut by maxDuration (k6
// lib/executor/per_vu_iterations.go: no iteration starts once maxDuration is
// over). The scenario starts with the test: waiting until 1001.2 ms of test
// time puts the VUs just past its 1 s.
import exec from 'k6/execution';
export const options = { scenarios: { s: { executor: 'per-vu-iterations', vus: 2, iterations: 20, maxDuration: '1s', gracefulStop: '5s' } } };
export default function () {
  if (exec.vu.iterationInScenario > 0) console.log('started after the end');
  while (exec.instance.currentTestRunDuration < 1001.2) { /* busy until the end */ }
}
