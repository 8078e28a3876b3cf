// k6: lib/netext/httpext/request.go MakeRequest drops a Content-Length
// header the script set (Go sends the body's length) and warns on a mismatch.
import http from 'k6/http';
const T = __ENV.TARGET;
export const options = { iterations: 1 };
export default function () {
  const r = http.post(`${T}/post`, 'hello', { headers: { 'Content-Length': '3' } });
  console.log('sent ' + JSON.stringify([r.status, r.json('data'), r.json('headers.Content-Length')]));
  http.post(`${T}/post`, 'hello', { headers: { 'Content-Length': '5' } });   // matches: silent
}
