// No iteration starts at or after the scenario's end (k6 lib/executor
// helpers.go getDurationContexts: iterations start only while regDurationCtx
// is alive). Each VU's first iteration runs until the end of the duration
// (exec.scenario.progress reaches 1 exactly then); k6 starts no second one.
import exec from 'k6/execution';
export const options = { scenarios: { s: { executor: 'constant-vus', vus: 2, duration: '1s', gracefulStop: '5s' } } };
export default function () {
  if (exec.vu.iterationInScenario > 0) console.log('started after the end');
  while (exec.scenario.progress < 1) { /* busy until the end */ }
}
