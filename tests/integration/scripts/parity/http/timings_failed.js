// Item 13: a failed request's timings are the real elapsed times, split as
// k6's tracer splits them (lib/netext/httpext/tracer.go, Tracer.Done):
// - timeout after the request went out, no answer: waiting = the time until
//   the timeout, duration = sending + waiting (~1000 ms for timeout '1s');
// - refused: no connection was had, nothing was written: every phase 0.
// Item 5: timings.looking_up exists and is 0 (k6 declares it in
// lib/netext/httpext/response.go ResponseTimings but updateK6Response never
// sets it), in k6's field order.
import http from 'k6/http';
const T = __ENV.TARGET;
export const options = { iterations: 1 };
export default function () {
  const creds = T.replace('http://', 'http://u:p@');   // URLs with credentials take libcurl's path
  for (const [name, url] of [['h1', `${T}/delay/3000`], ['curl', `${creds}/delay/3000`]]) {
    const r = http.get(url, { timeout: '1s', tags: { name: 'timeout-' + name } });
    console.log('timeout ' + JSON.stringify({ client: name, status: r.status, code: r.error_code, t: r.timings }));
  }
  const r = http.get('http://127.0.0.1:1/', { tags: { name: 'refused' } });
  console.log('refused ' + JSON.stringify({ status: r.status, code: r.error_code, t: r.timings }));
  const ok = http.get(`${T}/get`);
  console.log('keys ' + JSON.stringify(Object.keys(ok.timings)));
  const host = T.replace('127.0.0.1', 'localhost');
  console.log('lookup ' + JSON.stringify([ok.timings.looking_up, http.get(`${host}/get`).timings.looking_up]));
}
