// Default functions of several kinds (tests/integration/test_prefetch.py):
// c6 records the lines an iteration reads first from the default function
// (scripts/quickjs-prefetch.patch, JS_SetPrefetch): a bound function, one
// with many closure variables and constants, a global __ENV replaced by a
// number. Nothing a script sees changes.
import { sleep } from 'k6';
import exec from 'k6/execution';

export const options = {
  scenarios: {
    bound: { executor: 'per-vu-iterations', vus: 2, iterations: 2, exec: 'bound' },
    many: { executor: 'per-vu-iterations', vus: 2, iterations: 2, exec: 'many', startTime: '0.2s' },
  },
};

let a = 1, b = 2, c = 3, d = 4, e = 5, f = 6;
globalThis.__ENV = 42;

function run(tag) {
  const o = { x: [a, b, c, d, e, f].reduce((s, v) => s + v, 0), g: () => 'g' };
  a++;
  sleep(0.01);
  console.log(`${tag} ${exec.vu.iterationInScenario} ${o.x - (a - 2)} ${o.g()} ${__ENV}`);
}

export const bound = run.bind(null, 'bound');
export function many() { run('many'); }
