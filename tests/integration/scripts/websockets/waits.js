// The iteration lasts until the server closes the socket (after 300 ms),
// though the function returned at once; the next iteration starts after.
import { WebSocket } from 'k6/websockets';

export const options = { vus: 1, iterations: 2 };

export default function () {
  const t0 = Date.now();
  const ws = new WebSocket(__ENV.TARGET.replace(/^http/, 'ws') + '/ws/close?code=4003&after=300');
  ws.onclose = (e) => console.log(`waited ${__ITER} ${e.code} ${Date.now() - t0}`);
}
