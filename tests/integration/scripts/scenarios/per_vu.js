import exec from 'k6/execution';
export const options = { scenarios: { pv: { executor: 'per-vu-iterations', vus: 3, iterations: 4 } } };
export default function () {
  console.log(JSON.stringify({ vu: exec.vu.idInTest, it: exec.vu.iterationInScenario }));
}
