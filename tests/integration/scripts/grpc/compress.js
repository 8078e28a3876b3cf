// k6/net/grpc and compressed answers: the fixture's Echo compresses its
// reply with gzip when asked (metadata c6-compress) and when the client
// offers gzip, as k6's does (grpc-accept-encoding: gzip); the reply reads the
// same either way.
import grpc from 'k6/net/grpc';

const client = new grpc.Client();
client.load(['../../data/grpc'], 'test.proto');

export default function () {
  client.connect(__ENV.GRPC_ADDR, { plaintext: true });
  const md = __ENV.COMPRESS === '1' ? { 'c6-compress': 'yes' } : {};
  const r = client.invoke('c6test.Tester/Echo', { text: 'big', pad: 200000 }, { metadata: md });
  const pad = r.message ? r.message.padding : '';
  // 200000 bytes of "p" as base64
  console.log(JSON.stringify({ status: r.status, text: r.message && r.message.text, padLen: pad.length,
    padOk: pad === 'cHBw'.repeat(66666) + 'cHA=' }));
  client.close();
}
