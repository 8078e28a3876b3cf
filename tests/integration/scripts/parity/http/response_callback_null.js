// Item 1: setResponseCallback(null) turns the callback off: k6 emits no
// http_req_failed sample and no expected_response tag (k6:
// lib/netext/httpext/request.go MakeRequest / transport.go measureAndEmitMetrics:
// the tag and the metric are added only when ResponseCallback != nil).
// params.responseCallback overrides the global one in both directions.
import http from 'k6/http';
const T = __ENV.TARGET;
http.setResponseCallback(null);
export const options = { iterations: 1 };
export default function () {
  http.get(`${T}/status/500`);                                                  // no callback
  http.get(`${T}/status/503`, { responseCallback: http.expectedStatuses(503) }); // expected
  http.setResponseCallback(http.expectedStatuses({ min: 200, max: 299 }));
  http.get(`${T}/status/302`, { redirects: 0 });                                 // failed
  http.get(`${T}/status/302`, { redirects: 0, responseCallback: null });         // none
}
