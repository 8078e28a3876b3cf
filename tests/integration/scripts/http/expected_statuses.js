// http.expectedStatuses / setResponseCallback / params.responseCallback decide
// http_req_failed and the expected_response tag.
import http from 'k6/http';
const T = __ENV.TARGET;
export const options = {
  iterations: 1,
  thresholds: {
    'http_reqs{expected_response:true}': ['count==3'],
    'http_reqs{expected_response:false}': ['count==2'],
  },
};
export default function () {
  http.get(`${T}/status/200`);                                   // default: expected
  http.get(`${T}/status/404`);                                   // default: failed
  http.get(`${T}/status/404`, { responseCallback: http.expectedStatuses(404) });   // expected
  http.setResponseCallback(http.expectedStatuses({ min: 200, max: 204 }, 418));
  http.get(`${T}/status/418`);                                   // expected
  http.get(`${T}/status/302`, { redirects: 0 });                 // failed now
  http.setResponseCallback(null);
  http.get(`${T}/status/500`);                                   // no http_req_failed sample
}
