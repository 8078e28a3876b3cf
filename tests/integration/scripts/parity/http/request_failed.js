// "Request Failed" warnings and thrown errors (k6: lib/netext/httpext/request.go
// MakeRequest: state.Logger.WithField("error", resErr).Warn("Request Failed"),
// resErr being net/http's *url.Error; returned instead when throw is set;
// js/modules/k6/http/request.go Request: the same for parse errors).
import http from 'k6/http';
const T = __ENV.TARGET;
export const options = { iterations: 1 };
export default function () {
  const r = http.get('http://127.0.0.1:1/');
  console.log('refused ' + JSON.stringify([r.status, r.error_code, r.error]));
  http.post('http://u:pw@127.0.0.1:1/x', 'b');               // libcurl's path (credentials)
  http.get(`${T}/delay/3000`, { timeout: '500ms' });
  const s = http.get('ftp://x/');
  console.log('scheme ' + JSON.stringify([s.status, s.error_code, s.error]));
  const p = http.get('http://[::1');
  console.log('parse ' + JSON.stringify([p.status, p.error_code, p.error]));
  try {
    http.del('http://127.0.0.1:1/t', null, { throw: true });
    console.log('thrown no');
  } catch (e) {
    console.log('thrown ' + JSON.stringify(`${e.name}: ${e.message}`));
  }
}
