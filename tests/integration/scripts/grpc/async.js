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
  // two slow calls at once: they run concurrently on the connection, as in k6
  const t0 = Date.now();
  const slow = await Promise.all([
    client.asyncInvoke('c6test.Tester/Slow', { sleep_ms: 800 }),
    client.asyncInvoke('c6test.Tester/Slow', { sleep_ms: 800 }),
  ]);
  const took = Date.now() - t0;
  console.log('concurrent ' + slow.map((x) => x.status).join(',') + ' ' + (took >= 750 && took < 1500));
  const late = await client.asyncInvoke('c6test.Tester/Slow', { sleep_ms: 5000 }, { timeout: '300ms' });
  console.log('deadline ' + late.status);
  client.close();
}
