// params.cookies merged with the jar's cookies, Response.cookies from
// Set-Cookie, and Response.request.
import http from 'k6/http';

const T = __ENV.TARGET;
function log(tag, obj) { console.log(tag + ' ' + JSON.stringify(obj)); }

export default function () {
  const jar = http.cookieJar();
  jar.set(T, 'jarred', 'j');
  jar.set(T, 'shared', 'from-jar');

  // a params cookie is added to the jar's; replace: true takes the jar's place
  let res = http.get(`${T}/headers`, { cookies: { extra: 'e', shared: 'from-params' } });
  log('added', { header: res.json('headers.Cookie'), request: res.request.cookies });
  res = http.get(`${T}/headers`, { cookies: { shared: { value: 'replaced', replace: true }, skip: null } });
  log('replaced', { header: res.json('headers.Cookie'), request: res.request.cookies });
  log('notStored', jar.cookiesForURL(T + '/'));

  // the script's own Cookie header comes first; params cookies follow redirects
  res = http.get(`${T}/redirect-to?url=%2Fheaders`, {
    headers: { Cookie: 'own=1' }, cookies: { viaParams: 'p' },
  });
  log('redirect', {
    final: res.json('headers.Cookie'), firstHop: res.request.headers.Cookie, url: res.request.url, finalUrl: res.url,
  });

  // Response.cookies: the final response's Set-Cookie lines
  const q = [
    'Set-Cookie=' + encodeURIComponent('full=v1; Domain=127.0.0.1; Path=/p; HttpOnly; Secure; Max-Age=100; Expires=Wed, 21 Oct 2037 07:28:00 GMT'),
    'Set-Cookie=' + encodeURIComponent('full=v2; Max-Age=0'),
    'Set-Cookie=' + encodeURIComponent('bare="quoted"'),
    'Set-Cookie=' + encodeURIComponent('invalid'),
  ].join('&');
  res = http.get(`${T}/response-headers?${q}`);
  log('response', res.cookies);
  log('afterResponse', { http: jar.cookiesForURL(T + '/p'), https: jar.cookiesForURL(T.replace('http:', 'https:') + '/p') });
  res = http.get(`${T}/get`);
  log('none', res.cookies);

  // Response.request for a form POST
  res = http.post(`${T}/post?x=1`, { b: '2', a: ['1', '3'] }, { headers: { 'x-custom': 'c' } });
  log('request', res.request);
  log('formBody', res.json('data'));
}
