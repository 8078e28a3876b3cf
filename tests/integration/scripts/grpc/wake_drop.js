// Every source open at once when the iteration ends early: DROP=throw makes
// a stream's data handler throw, else the scenario's end cuts the iteration
// off. The slow request, the socket and the slow stream are dropped.
import grpc from 'k6/net/grpc';
import http from 'k6/http';
import { WebSocket } from 'k6/websockets';

export const options = {
  scenarios: { s: { executor: 'per-vu-iterations', vus: 1, iterations: 1, maxDuration: '1s', gracefulStop: '0s' } },
};

const client = new grpc.Client();
client.load(['../../data/grpc'], 'test.proto');

export default function () {
  client.connect(__ENV.GRPC_ADDR, { plaintext: true });
  http.asyncRequest('GET', `${__ENV.TARGET}/delay/5000`).then(() => console.log('http done'));
  http.asyncRequest('GET', `${__ENV.TARGET}/redirect/2`).then((r) => console.log(`redirected ${r.status}`));
  const ws = new WebSocket(__ENV.TARGET.replace(/^http/, 'ws') + '/ws/close?after=5000');
  ws.onclose = () => console.log('ws closed');
  const s = new grpc.Stream(client, 'c6test.Tester/ServerStream');
  s.on('data', (m) => {
    console.log(`data${m.seq}`);
    if (__ENV.DROP === 'throw' && m.seq === 1) throw new Error('handler failed');
  });
  s.on('end', () => console.log('end'));
  s.write({ text: 's', count: 3, sleep_ms: 300 });
  s.end();
  client.asyncInvoke('c6test.Tester/Slow', { sleep_ms: 5000 }).then(() => console.log('invoke done'));
}
