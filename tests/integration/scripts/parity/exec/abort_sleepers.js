// exec.test.abort() while other VUs sleep: they are interrupted at once,
// the aborting iteration is interrupted too (k6 lib/executor/helpers.go
// getIterationRunner: handleInterrupt -> AddInterruptedIterations), so the
// final progress line reads "N complete and 3 interrupted iterations".
import exec from 'k6/execution';
import { sleep } from 'k6';
export const options = { scenarios: { s: { executor: 'constant-vus', vus: 3, duration: '30s' } } };
export default function () {
  if (exec.vu.idInTest === 1 && exec.vu.iterationInScenario === 3) exec.test.abort();
  sleep(exec.vu.idInTest === 1 ? 0.2 : 1.5);   // the others are mid-sleep at 0.6 s
}
export function teardown() { console.log('teardown ran'); }
