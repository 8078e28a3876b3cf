// The VU's cookie jar (or params.jar) goes on the handshake, and the
// userAgent option unless params.headers replaces it.
import http from 'k6/http';
import { WebSocket } from 'k6/websockets';

export const options = { vus: 1, iterations: 1, userAgent: 'wsprobe/2' };

function seen(url, params, what) {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, null, params);
    ws.onopen = () => ws.send(what);
    ws.onmessage = (e) => { resolve(e.data); ws.close(); };
  });
}

export default async function () {
  const url = __ENV.TARGET.replace(/^http/, 'ws') + '/ws/echo';
  http.cookieJar().set(__ENV.TARGET + '/', 'flavor', 'choc');
  const mine = new http.CookieJar();
  mine.set(__ENV.TARGET + '/', 'other', 'one');
  const got = await Promise.all([
    seen(url, null, '!cookie'), seen(url, { jar: mine }, '!cookie'),
    seen(url, undefined, '!ua'), seen(url, { headers: { 'user-agent': 'mine/1' } }, '!ua'),
  ]);
  console.log('cookies ' + JSON.stringify(got));
}
