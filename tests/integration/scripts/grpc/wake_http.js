// http.asyncRequest, k6/websockets and gRPC on one event loop: while one
// request takes 3 s, a quick request, a socket's echo and a stream's
// messages are handled as they come; the iteration ends with the slow one.
import grpc from 'k6/net/grpc';
import http from 'k6/http';
import { WebSocket } from 'k6/websockets';

export const options = { vus: 1, iterations: 1 };

const client = new grpc.Client();
client.load(['../../data/grpc'], 'test.proto');

export default function () {
  client.connect(__ENV.GRPC_ADDR, { plaintext: true });
  const t0 = Date.now();
  const at = (what) => console.log(`${what} ${Date.now() - t0}`);
  http.asyncRequest('GET', `${__ENV.TARGET}/delay/3000`).then((r) => at(`http-slow${r.status}`));
  http.asyncRequest('GET', `${__ENV.TARGET}/delay/100`).then((r) => at(`http-quick${r.status}`));
  const ws = new WebSocket(__ENV.TARGET.replace(/^http/, 'ws') + '/ws/echo');
  ws.onopen = () => ws.send('hi');
  ws.onmessage = (e) => {
    at(`ws-${e.data}`);
    ws.close();
  };
  ws.onclose = () => at('ws-close');
  const s = new grpc.Stream(client, 'c6test.Tester/ServerStream');
  s.on('data', (m) => at(`data${m.seq}`));
  s.on('end', () => at('end'));
  s.write({ text: 's', count: 3, sleep_ms: 100 });
  s.end();
}
