// http.asyncRequest and socket events in one event loop: a request made in
// onopen resolves, its status goes out on the socket, the echo closes it.
import http from 'k6/http';
import { WebSocket } from 'k6/websockets';

export const options = { vus: 1, iterations: 1 };

export default function () {
  const ws = new WebSocket(__ENV.TARGET.replace(/^http/, 'ws') + '/ws/echo');
  const log = [];
  ws.onopen = async () => {
    log.push('open');
    const res = await http.asyncRequest('GET', __ENV.TARGET + '/');
    log.push('http ' + res.status);
    ws.send('status ' + res.status);
  };
  ws.onmessage = (e) => { log.push('echo ' + e.data); ws.close(); };
  ws.onclose = () => console.log('mixed ' + JSON.stringify(log));
}
