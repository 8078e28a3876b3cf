// k6/net/grpc with --http-debug (test_grpc.py): one unary call with
// metadata, whose Out/In Header, In Trailer (and with "full" the payloads)
// k6 logs as grpcext's DebugStat does.
import grpc from 'k6/net/grpc';

const client = new grpc.Client();
client.load(['../../data/grpc'], 'test.proto');

export default function () {
  client.connect(__ENV.GRPC_ADDR, { plaintext: true });
  const r = client.invoke('c6test.Tester/Echo', { text: 'hi', count: 2, item: { name: 'x' } },
    { metadata: { 'x-a': 'b' } });
  console.log('status ' + r.status);
  client.close();
}
