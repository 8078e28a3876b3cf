// k6: lib/netext/httpext/request.go MakeRequest: params.compression with a
// Content-Encoding header of the script's: the header stays, a warning when
// it differs from the algorithms applied.
import http from 'k6/http';
const T = __ENV.TARGET;
export const options = { iterations: 1 };
export default function () {
  const r = http.post(`${T}/post`, 'hello', { compression: 'gzip', headers: { 'Content-Encoding': 'br' } });
  console.log('sent ' + JSON.stringify(r.request.headers['Content-Encoding']));
  http.post(`${T}/post`, 'hello', { compression: 'gzip', headers: { 'Content-Encoding': 'gzip' } });   // same: silent
}
