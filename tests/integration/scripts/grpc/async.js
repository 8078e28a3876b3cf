// client.asyncInvoke: a Promise of the response (rejected on a bad call);
// invoke over TLS (ALPN h2) with the fixture's certificate trusted.
import grpc from 'k6/net/grpc';

const client = new grpc.Client();
client.load(['../../data/grpc'], 'test.proto');
const ca = open(__ENV.GRPC_CERT);

export default async function () {
  client.connect(__ENV.GRPC_TLS_ADDR, { tls: { cacerts: ca } });
  const r = await client.asyncInvoke('c6test.Tester/Echo', { text: 'async over tls' });
  console.log('async ' + r.status + ' ' + r.message.text);
  try {
    await client.asyncInvoke('c6test.Tester/Nope', {});
    console.log('no rejection');
  } catch (e) {
    console.log('rejected ' + e.message);
  }
  const [a, b] = await Promise.all([
    client.asyncInvoke('c6test.Tester/Echo', { text: 'one' }),
    client.asyncInvoke('c6test.Tester/Echo', { text: 'two' }),
  ]);
  console.log('both ' + a.message.text + ' ' + b.message.text);
  client.close();
}
