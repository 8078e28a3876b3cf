// exec.test.abort() in a test whose iterations do no I/O: nothing may start
// after it. k6: the aborting iteration is interrupted (progress "0 complete
// and 1 interrupted"), exit 108, teardown runs, and after the summary
// level=error msg="test aborted: enough at default (file:///...:9:...)".
import exec from 'k6/execution';
export const options = { scenarios: { s: { executor: 'shared-iterations', vus: 1, iterations: 100000, maxDuration: '30s' } } };
export default function () {
  if (exec.vu.iterationInScenario === 5) {
    exec.test.abort('enough');
  }
}
export function teardown() { console.log('teardown ran'); }
