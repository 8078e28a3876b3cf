// k6/net/grpc streams against the fixture: server-, client- and
// bidirectional streaming, a status error, a deadline; events run on the
// VU's event loop and the iteration waits for every stream to end.
import grpc from 'k6/net/grpc';

// TLS=1: over TLS (ALPN h2) with the fixture's certificate as cacerts, else h2c
const ca = __ENV.TLS === '1' ? open(__ENV.GRPC_CERT) : '';
const how = (extra) => Object.assign(__ENV.TLS === '1' ? { tls: { cacerts: ca } } : { plaintext: true }, extra || {});

const client = new grpc.Client();
client.load(['../../data/grpc'], 'test.proto');

// each stream's events, logged as one line when it ends
function follow(name, s) {
  const log = [];
  s.on('data', (m, md) => log.push(`data ${m.text} ${m.seq} ${m.count} ${typeof md.ts}`));
  s.on('error', (e) => log.push(`error ${JSON.stringify(e)}`));
  s.on('end', (x) => {
    log.push(`end ${JSON.stringify(x)}`);
    console.log(`${name}: ${log.join(' | ')}`);
  });
  s.on('status', () => log.push('status'));
}

export default function () {
  client.connect(__ENV.GRPC_ADDR, how());
  const server = new grpc.Stream(client, 'c6test.Tester/ServerStream', { tags: { kind: 'server' } });
  follow('server', server);
  server.write({ text: 's', count: 3 });
  server.end();

  const up = new grpc.Stream(client, 'c6test.Tester/ClientStream');
  follow('client', up);
  up.write({ text: 'a' });
  up.write({ text: 'b' });
  up.write({ text: 'c' });
  up.end();
  up.write({ text: 'ignored' });

  const bidi = new grpc.Stream(client, '/c6test.Tester/Bidi', { metadata: { 'x-k': 'v' } });
  follow('bidi', bidi);
  bidi.on('data', (m) => {
    if (m.seq === 0) bidi.write({ text: 'second' });
    if (m.seq === 1) bidi.end();
  });
  bidi.write({ text: 'first' });

  const failing = new grpc.Stream(client, 'c6test.Tester/Bidi');
  follow('failing', failing);
  failing.write({ fail_code: 9, fail_message: 'not now' });

  const slow = new grpc.Stream(client, 'c6test.Tester/ServerStream', { timeout: '300ms' });
  follow('slow', slow);
  slow.write({ text: 'z', count: 100, sleep_ms: 100 });
  slow.end();

  const bad = new grpc.Stream(client, 'c6test.Tester/Bidi');
  follow('bad', bad);
  bad.write({ nope: 1 });

  const discard = new grpc.Stream(client, 'c6test.Tester/ServerStream', { discardResponseMessage: true });
  discard.on('data', (m) => console.log('discard data ' + JSON.stringify(m)));
  discard.write({ text: 'd', count: 1 });
  discard.end();
}
