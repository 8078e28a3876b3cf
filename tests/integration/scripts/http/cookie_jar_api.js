// http.cookieJar() / new http.CookieJar(): set, cookiesForURL, delete, clear,
// params.jar, and the VU jar being emptied every iteration.
import http from 'k6/http';
import { CookieJar, cookieJar } from 'k6/http';

const T = __ENV.TARGET;
const own = new http.CookieJar();   // allowed in the init context
let initError = null;
try { http.cookieJar(); } catch (e) { initError = String(e); }

function log(tag, obj) { console.log(tag + ' ' + JSON.stringify(obj)); }
function echoed(res) { return res.json('cookies'); }

export default function () {
  const jar = http.cookieJar();
  log('start', { iter: __ITER, cookies: jar.cookiesForURL(T + '/'), initError });

  // set() and what a request sends
  const ok = jar.set(T, 'plain', '1');
  jar.set(T, 'spaced', 'a b');
  jar.set(T + '/cookies/x', 'dflt', 'p');                    // default path: /cookies
  jar.set(T, 'scoped', 's', { path: '/headers' });
  jar.set(T, 'ipdom', 'd', { domain: '127.0.0.1' });
  jar.set(T, 'otherdom', 'x', { domain: 'example.com' });    // dropped: not this host
  jar.set(T, 'sec', 'x', { secure: true });                  // never over http://
  jar.set(T, 'gone', 'x', { max_age: -1 });
  jar.set(T, 'past', 'x', { expires: 'Thu, 01 Jan 1970 00:00:00 GMT' });
  jar.set(T, 'future', 'f', { expires: 'Wed, 21 Oct 2037 07:28:00 GMT', http_only: true });
  let expiresError = null;
  try { jar.set(T, 'bad', 'x', { expires: 'tomorrow' }); } catch (e) { expiresError = String(e); }
  log('set', {
    ok,
    forRoot: jar.cookiesForURL(T + '/'),
    forCookies: jar.cookiesForURL(T + '/cookies'),
    forHeaders: jar.cookiesForURL(T + '/headers'),
    expiresError,
  });
  log('sent', {
    cookies: echoed(http.get(`${T}/cookies`)),
    header: http.get(`${T}/headers`).json('headers.Cookie'),
  });

  // Set-Cookie lands in the same jar
  http.get(`${T}/cookies/set?server=yes`);
  log('server', jar.cookiesForURL(T + '/'));

  // delete(url, name): the (host, default path of url, name) cookie only
  jar.delete(T, 'plain');
  jar.delete(T, 'dflt');              // keyed under /cookies: stays
  log('delete', jar.cookiesForURL(T + '/cookies'));
  jar.delete(T + '/cookies/x', 'dflt');
  log('delete2', jar.cookiesForURL(T + '/cookies'));

  // clear(url)
  jar.clear(T);
  log('clear', jar.cookiesForURL(T + '/headers'));

  // a jar of the script's own, used with params.jar, gets Set-Cookie too
  own.set(T, 'mine', 'm');
  const viaOwn = echoed(http.get(`${T}/cookies/set?ownset=1`, { jar: own }));
  log('own', {
    viaOwn,
    own: own.cookiesForURL(T + '/'),
    vu: jar.cookiesForURL(T + '/'),
    sameJar: Object.keys(cookieJar().cookiesForURL(T + '/')),
    isCtor: typeof CookieJar,
  });
  own.clear(T);

  // for the next iteration: the VU jar must come back empty
  jar.set(T, 'leftover', '1');
}
