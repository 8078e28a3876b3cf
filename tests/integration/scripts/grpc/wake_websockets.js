// One event loop for every source: gRPC stream events and an asyncInvoke
// answer come as they arrive while a k6/websockets socket stays silent
// (the server closes it after 3 s); the iteration ends with that close.
import grpc from 'k6/net/grpc';
import { WebSocket } from 'k6/websockets';

export const options = { vus: 1, iterations: 1 };

const client = new grpc.Client();
client.load(['../../data/grpc'], 'test.proto');

export default function () {
  client.connect(__ENV.GRPC_ADDR, { plaintext: true });
  const t0 = Date.now();
  const at = (what) => console.log(`${what} ${Date.now() - t0}`);
  const ws = new WebSocket(__ENV.TARGET.replace(/^http/, 'ws') + '/ws/close?after=3000');
  ws.onopen = () => at('ws-open');
  ws.onclose = () => at('ws-close');
  // three messages 100 ms apart, then the end
  const s = new grpc.Stream(client, 'c6test.Tester/ServerStream');
  s.on('data', (m) => at(`data${m.seq}`));
  s.on('end', () => at('end'));
  s.write({ text: 's', count: 3, sleep_ms: 100 });
  s.end();
  client.asyncInvoke('c6test.Tester/Echo', { text: 'u', sleep_ms: 100 }).then((r) => at(`invoke${r.status}`));
}
