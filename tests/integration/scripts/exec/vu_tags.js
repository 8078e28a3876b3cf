import exec from 'k6/execution';
import http from 'k6/http';
export const options = { iterations: 2 };
export default function () {
  if (exec.vu.iterationInScenario === 0) exec.vu.tags['flavor'] = 'vanilla';
  else exec.vu.metrics.tags.count = 3;
  console.log(JSON.stringify(exec.vu.tags), exec.vu.tags.flavor, Object.keys(exec.vu.tags).join(','));
  try { exec.vu.tags.bad = {}; } catch (e) { console.log('rejected: ' + e.message); }
  delete exec.vu.tags.nothing;
  http.get(__ENV.TARGET + '/get');
}
