// constant-arrival-rate at 50/s with 2 VUs against a server that stalls once
// for 1 s (test_latency_correction.py): the VUs are stuck, the iterations due
// meanwhile are dropped, and only the corrected metrics show the wait.
import http from 'k6/http';

const thresholds = __ENV.CORR_THRESHOLDS
  ? { http_req_duration_corrected: ['p(99)<60000'], iteration_duration_corrected: ['max<60000'] }
  : {};

export const options = {
  scenarios: {
    co: { executor: 'constant-arrival-rate', rate: 50, timeUnit: '1s', duration: '6s', preAllocatedVUs: 2, maxVUs: 2 },
  },
  summaryTrendStats: ['avg', 'p(99)', 'max', 'count'],
  thresholds,
};

export default function () {
  http.get(__ENV.STALL_URL);
}
