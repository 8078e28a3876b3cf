// k6: lib/netext/httpext/request.go MakeRequest, the client's CheckRedirect.
import http from 'k6/http';
const T = __ENV.TARGET;
export const options = { iterations: 1 };
export default function () {
  const r = http.get(`${T}/redirect/12`);                 // default maxRedirects 10: warns
  console.log('default ' + JSON.stringify([r.status, r.url]));
  http.get(`${T}/redirect/12`, { redirects: 2 });          // set in params: silent
}
