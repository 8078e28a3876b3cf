// k6/execution values seen from iterations.
import exec from 'k6/execution';
import { vu, scenario } from 'k6/execution';
export const options = { vus: 2, iterations: 4 };
export default function () {
  console.log(JSON.stringify({
    id: exec.vu.idInTest, vuVar: __VU, iter: vu.iterationInInstance, iterVar: __ITER,
    scenario: scenario.name, executor: scenario.executor,
    started: scenario.startTime > 1.7e12, inited: exec.instance.vusInitialized,
  }));
}
