// A socket that is never closed keeps the iteration going until the
// scenario's time is up; then the iteration is cut off and the socket
// closed with 1001 (going away) without waiting for the peer.
import { WebSocket } from 'k6/websockets';

export const options = {
  scenarios: { forever: { executor: 'constant-vus', vus: 1, duration: '1s', gracefulStop: '0s' } },
};

export default function () {
  const ws = new WebSocket(__ENV.WS_URL || __ENV.TARGET.replace(/^http/, 'ws') + '/ws/echo');
  ws.onopen = () => setInterval(() => ws.send('tick'), 50);
  ws.onclose = () => console.log('closed');   // never: dropping a socket runs no handler
}
