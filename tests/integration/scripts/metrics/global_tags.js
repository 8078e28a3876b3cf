// options.tags lands on every sample; a sub-metric threshold can select it.
import http from 'k6/http';
export const options = {
  iterations: 3,
  tags: { team: 'qa' },
  thresholds: { 'http_reqs{team:qa}': ['count==3'], 'iterations{team:qa}': ['count==3'] },
};
export default function () { http.get(`${__ENV.TARGET}/get`); }
