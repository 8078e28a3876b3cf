// k6/net/grpc's files in an archive: test_grpc.py copies this script next to
// protos/ (test.proto, which imports common/types.proto) and test.protoset,
// archives it, removes the originals and runs the archive (or ships it to an
// agent). EXTRA=name: also load protos/<name>, a file the archive lacks.
import grpc from 'k6/net/grpc';

const client = new grpc.Client();
const methods = client.load(['protos'], 'test.proto');
if (__ENV.EXTRA) client.load(['protos'], __ENV.EXTRA);
const ps = new grpc.Client();
const psMethods = ps.loadProtoset('test.protoset');

export const options = { iterations: 1 };

export default function () {
  console.log('methods ' + methods.length + ' ' + psMethods.length);
  client.connect(__ENV.GRPC_ADDR, { plaintext: true });
  const r = client.invoke('c6test.Tester/Echo', { text: 'from load', item: { big: '7', kind: 'KIND_ONE' } });
  console.log('load ' + r.status + ' ' + r.message.text + ' ' + JSON.stringify(r.message.item));
  client.close();
  ps.connect(__ENV.GRPC_ADDR, { plaintext: true });
  const r2 = ps.invoke('c6test.Tester/Echo', { text: 'from protoset' });
  console.log('protoset ' + r2.status + ' ' + r2.message.text);
  ps.close();
}
