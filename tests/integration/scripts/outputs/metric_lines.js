// Thresholds and sub-metrics the JSON output lists in http_req_duration's
// Metric line: two thresholds on the metric (one with abortOnFail and a
// delayAbortEval), one on a sub-metric, two sub-metrics besides k6's own.
import http from 'k6/http';
export const options = {
  iterations: 2,
  thresholds: {
    http_req_duration: [
      'p(95)<10000',
      { threshold: 'max<20000', abortOnFail: true, delayAbortEval: '10s' },
      { threshold: 'avg<30000', abortOnFail: true },
    ],
    'http_req_duration{status:200}': ['max<40000'],
    'http_req_duration{method:GET,status:200}': ['max<50000'],
    http_reqs: ['count>=2'],
  },
};
export default function () {
  http.get(`${__ENV.TARGET}/get`);
}
