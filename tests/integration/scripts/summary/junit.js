// jUnit() and humanizeValue() of the jslib k6-summary helpers (built into
// c6): one threshold passes, one fails (exit 99); the second report is made
// from data edited in handleSummary.
import http from 'k6/http';
import { jUnit, humanizeValue } from 'https://jslib.k6.io/k6-summary/0.0.2/index.js';
export const options = {
  iterations: 2,
  thresholds: { http_reqs: ['count>=2'], http_req_duration: ['max<0'] },
};
export default function () {
  http.get(`${__ENV.TARGET}/get`);
}
export function handleSummary(data) {
  const plain = jUnit(data);
  delete data.metrics.http_reqs.thresholds;
  data.metrics['odd "name" <&>'] = { type: 'counter', thresholds: { "rate>'1'": { ok: true } } };
  const edited = jUnit(data, { name: 'my <suite>' });
  const time = { type: 'trend', contains: 'time' };
  const human = [
    humanizeValue(0.12345, { type: 'rate', contains: 'default' }),
    humanizeValue(1500, time),
    humanizeValue(1500, time, 'ms'),
    humanizeValue(0.45612, time, ''),
    humanizeValue(4900, { type: 'counter', contains: 'data' }),
    humanizeValue(1 / 3, { type: 'gauge', contains: 'default' }),
    humanizeValue(data.metrics.iterations.values.count, data.metrics.iterations),
  ];
  return {
    [`${__ENV.OUT}/junit.xml`]: plain,
    [`${__ENV.OUT}/edited.xml`]: edited,
    [`${__ENV.OUT}/human.json`]: JSON.stringify(human),
  };
}
