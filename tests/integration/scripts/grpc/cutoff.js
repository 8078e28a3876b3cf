// A VU blocked in a slow unary call and another with a stream that would
// run for minutes: both are cut off when their scenario ends (gracefulStop 0s).
import grpc from 'k6/net/grpc';

export const options = {
  scenarios: {
    unary: { executor: 'constant-vus', vus: 1, duration: '1s', gracefulStop: '0s', exec: 'unary' },
    stream: { executor: 'constant-vus', vus: 1, duration: '1s', gracefulStop: '0s', exec: 'stream' },
  },
};

const client = new grpc.Client();
client.load(['../../data/grpc'], 'test.proto');

export function unary() {
  client.connect(__ENV.GRPC_ADDR, { plaintext: true });
  client.invoke('c6test.Tester/Slow', { sleep_ms: 60000 });
  console.log('unary returned');
}

export function stream() {
  client.connect(__ENV.GRPC_ADDR, { plaintext: true });
  const s = new grpc.Stream(client, 'c6test.Tester/ServerStream');
  s.on('data', () => {});
  s.on('end', () => console.log('stream ended'));
  s.write({ text: 'slow', count: 1000, sleep_ms: 1000 });
  s.end();
}
