import http from 'k6/http';
import exec from 'k6/execution';

export const options = {
  scenarios: {
    looper: { executor: 'constant-vus', vus: 2, duration: '2s', exec: 'loop', env: { WHO: 'looper' }, tags: { kind: 'loop' } },
    batch: { executor: 'shared-iterations', vus: 3, iterations: 9, startTime: '1s', exec: 'batch', tags: { kind: 'batch' } },
  },
  thresholds: {
    'iterations{scenario:batch}': ['count==9'],
    'http_reqs{kind:batch}': ['count==9'],
  },
};

export function loop() {
  if (exec.vu.iterationInScenario === 0)
    console.log(JSON.stringify({ s: exec.scenario.name, who: __ENV.WHO, start: exec.scenario.startTime, ex: exec.scenario.executor }));
  http.get(`${__ENV.TARGET}/get`);
}

export function batch() {
  console.log(JSON.stringify({ s: exec.scenario.name, who: __ENV.WHO || null, start: exec.scenario.startTime,
                               ex: exec.scenario.executor, i: exec.scenario.iterationInInstance }));
  http.get(`${__ENV.TARGET}/get`);
}
