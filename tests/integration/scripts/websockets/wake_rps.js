// options.rps holds http.asyncRequest's requests back (three requests at
// 2/s: they go out together when the last slot comes, ~1 s in) while the
// event loop goes on: a socket's echo is handled meanwhile.
import http from 'k6/http';
import { WebSocket } from 'k6/websockets';

export const options = { vus: 1, iterations: 1, rps: 2 };

export default function () {
  const t0 = Date.now();
  const at = (what) => console.log(`${what} ${Date.now() - t0}`);
  for (let i = 0; i < 3; i++) http.asyncRequest('GET', `${__ENV.TARGET}/get?i=${i}`).then((r) => at(`http${i}-${r.status}`));
  const ws = new WebSocket(__ENV.TARGET.replace(/^http/, 'ws') + '/ws/echo');
  ws.onopen = () => ws.send('hi');
  ws.onmessage = (e) => {
    at(`ws-${e.data}`);
    ws.close();
  };
}
