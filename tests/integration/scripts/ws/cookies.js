// The VU's cookie jar (or params.jar) goes on the handshake, and the
// userAgent option unless a header replaces it.
import http from 'k6/http';
import ws from 'k6/ws';

export const options = { vus: 1, iterations: 1, userAgent: 'wsprobe/2' };

function cookieSeen(url, params, what) {
  let got = null;
  ws.connect(url, params, function (socket) {
    socket.on('open', () => socket.send(what || '!cookie'));
    socket.on('message', (m) => { got = m; socket.close(); });
  });
  return got;
}

export default function () {
  const base = __ENV.TARGET.replace(/^http/, 'ws');
  http.cookieJar().set(__ENV.TARGET + '/', 'flavor', 'choc');
  const mine = new http.CookieJar();
  mine.set(__ENV.TARGET + '/', 'other', 'one');
  console.log('vu ' + cookieSeen(base + '/ws/echo', null));
  console.log('own ' + cookieSeen(base + '/ws/echo', { jar: mine }));
  console.log('ua ' + cookieSeen(base + '/ws/echo', null, '!ua'));
  console.log('myua ' + cookieSeen(base + '/ws/echo', { headers: { 'user-agent': 'mine/1' } }, '!ua'));
}
