import exec from 'k6/execution';
export const options = { vus: 2, duration: '1s', tags: { team: 'x' }, thresholds: { http_reqs: ['count>=0'] } };
export default function () { if (exec.vu.idInTest === 1 && exec.vu.iterationInScenario === 0) console.log(JSON.stringify(exec.test.options)); }
