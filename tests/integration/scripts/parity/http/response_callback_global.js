// Item 1: http.setResponseCallback(http.expectedStatuses(200, 404)) applies
// to every later request of the VU (k6: js/modules/k6/http/response_callback.go,
// Client.SetResponseCallback; the request copies c.responseCallback in
// parseRequest). A 404 is then expected: http_req_failed stays 0 and the
// rate==0 threshold passes (k6 exits 0).
import http from 'k6/http';
const T = __ENV.TARGET;
http.setResponseCallback(http.expectedStatuses(200, 404));
export const options = {
  iterations: 2,
  thresholds: {
    http_req_failed: ['rate==0'],
    'http_reqs{expected_response:true}': ['count==4'],
  },
};
export default function () {
  http.get(`${T}/status/200`);
  http.get(`${T}/status/404`);
}
