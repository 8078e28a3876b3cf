// k6/net/grpc unary calls against the fixture's c6test.Tester, protos
// loaded with client.load() (an import path relative to this script, an
// import of common/types.proto, Google's well-known types).
import grpc from 'k6/net/grpc';

const client = new grpc.Client();
const methods = client.load(['../../data/grpc'], 'test.proto');

function attempt(name, fn) {
  try {
    console.log(name + ' ok ' + JSON.stringify(fn()));
  } catch (e) {
    console.log(name + ' error ' + e.message);
  }
}

export default function () {
  console.log('methods ' + JSON.stringify(methods.map((m) => m.full_method).sort()));
  client.connect(__ENV.GRPC_ADDR, { plaintext: true });
  const full = client.invoke('c6test.Tester/Echo', {
    text: 'hi', count: 3, numbers: [1, 2],
    item: { name: 'n', big: '9007199254740993', kind: 'KIND_TWO', blob: 'AAEC' },
    when: '2024-01-02T03:04:05.5Z', note: 'wrapped',
  }, { metadata: { 'x-one': 'a', 'x-two-bin': new Uint8Array([0, 1, 2]).buffer }, tags: { mine: 'yes' } });
  console.log('status ' + full.status + ' error ' + JSON.stringify(full.error));
  const m = full.message;
  console.log('message ' + JSON.stringify({ text: m.text, count: m.count, numbers: m.numbers, item: m.item,
    when: m.when, note: m.note, seq: m.seq, padding: m.padding }));
  console.log('md ' + JSON.stringify(m.metadata.filter((x) => x.startsWith('x-')).sort()));
  console.log('headers ' + JSON.stringify([full.headers['content-type'], full.headers['x-one'], full.headers['x-two-bin']]));
  console.log('trailers ' + JSON.stringify(full.trailers));
  const ua = m.metadata.find((x) => x.startsWith('user-agent='));
  console.log('ua ' + ua);
  const empty = client.invoke('/c6test.Tester/Echo', {});
  console.log('empty ' + JSON.stringify(empty.message));
  const fail = client.invoke('c6test.Tester/Echo', { fail_code: 5, fail_message: 'no such thing' });
  console.log('fail ' + JSON.stringify({ status: fail.status, error: fail.error, text: fail.message.text }));
  const slow = client.invoke('c6test.Tester/Slow', { sleep_ms: 3000 }, { timeout: '300ms' });
  console.log('slow ' + JSON.stringify({ status: slow.status, error: slow.error }));
  const discard = client.invoke('c6test.Tester/Echo', { text: 'x' }, { discardResponseMessage: true });
  console.log('discard ' + JSON.stringify({ status: discard.status, message: discard.message }));
  attempt('unknown', () => client.invoke('c6test.Tester/Nope', {}));
  attempt('badfield', () => client.invoke('c6test.Tester/Echo', { nope: 1 }));
  attempt('badtype', () => client.invoke('c6test.Tester/Echo', { count: 'many' }));
  // NaN goes as the string "NaN" (k6's normalizeNumberStrings), which an int32 refuses
  attempt('nan', () => client.invoke('c6test.Tester/Echo', { count: NaN }));
  attempt('badparam', () => client.invoke('c6test.Tester/Echo', {}, { bogus: 1 }));
  attempt('badmd', () => client.invoke('c6test.Tester/Echo', {}, { metadata: { 'x-bin': 'text' } }));
  attempt('empty-method', () => client.invoke('', {}));
  client.close();
  client.connect(__ENV.GRPC_ADDR, { plaintext: true, maxReceiveSize: 1000, maxSendSize: 2000 });
  const big = client.invoke('c6test.Tester/Echo', { pad: 5000 });
  console.log('maxrecv ' + JSON.stringify({ status: big.status, error: big.error }));
  const bigsend = client.invoke('c6test.Tester/Echo', { text: 'y'.repeat(3000) });
  console.log('maxsend ' + JSON.stringify({ status: bigsend.status, error: bigsend.error }));
  console.log('after ' + client.invoke('c6test.Tester/Echo', { text: 'still' }).message.text);
  client.close();
}
