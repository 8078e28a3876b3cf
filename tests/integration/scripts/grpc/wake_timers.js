// gRPC streams and timers on one event loop: a stream's messages come while
// a 3 s timer waits, and a 100 ms timer fires while a slow stream is open.
import grpc from 'k6/net/grpc';

export const options = { vus: 1, iterations: 1 };

const client = new grpc.Client();
client.load(['../../data/grpc'], 'test.proto');

export default function () {
  client.connect(__ENV.GRPC_ADDR, { plaintext: true });
  const t0 = Date.now();
  const at = (what) => console.log(`${what} ${Date.now() - t0}`);
  setTimeout(() => at('timer-late'), 3000);
  setTimeout(() => at('timer-soon'), 100);
  const fast = new grpc.Stream(client, 'c6test.Tester/ServerStream');
  fast.on('data', (m) => at(`data${m.seq}`));
  fast.on('end', () => at('end'));
  fast.write({ text: 'f', count: 3, sleep_ms: 100 });
  fast.end();
  // its second message 2 s after the first, then it ends
  const slow = new grpc.Stream(client, 'c6test.Tester/ServerStream');
  slow.on('data', (m) => at(`slow${m.seq}`));
  slow.on('end', () => at('slow-end'));
  slow.write({ text: 'w', count: 2, sleep_ms: 2000 });
  slow.end();
}
