// bench/grpc.sh: one unary call an iteration (c6test.Tester/Echo, a 4-byte
// request) on the VU's connection, made once per VU.
import grpc from 'k6/net/grpc';

const client = new grpc.Client();
client.load([__ENV.PROTOS], 'test.proto');
let connected = false;

export default function () {
  if (!connected) {
    client.connect(__ENV.GRPC_ADDR, { plaintext: true });
    connected = true;
  }
  const r = client.invoke('c6test.Tester/Echo', { text: 'hi' });
  if (r.status !== 0) throw new Error(`status ${r.status}: ${r.error && r.error.message}`);
}
