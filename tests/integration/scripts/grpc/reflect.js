// k6/net/grpc with server reflection (connect's reflect: true) instead of
// loaded protos; REFLECT_ADDR serves v1 and v1alpha or v1alpha only.
import grpc from 'k6/net/grpc';

// TLS=1: over TLS (ALPN h2) with the fixture's certificate as cacerts, else h2c
const ca = __ENV.TLS === '1' ? open(__ENV.GRPC_CERT) : '';
const how = (extra) => Object.assign(__ENV.TLS === '1' ? { tls: { cacerts: ca } } : { plaintext: true }, extra || {});

const client = new grpc.Client();

export default function () {
  client.connect(__ENV.REFLECT_ADDR, how({ reflect: true, reflectMetadata: { 'x-refl': 'yes' } }));
  const r = client.invoke('c6test.Tester/Echo', { text: 'via reflection', item: { big: '42', kind: 'KIND_ONE' } });
  console.log('echo ' + r.status + ' ' + r.message.text + ' ' + JSON.stringify(r.message.item));
  console.log('health ' + JSON.stringify(client.healthCheck()));
  client.close();
  // a second client with protos from a protoset (protoc --descriptor_set_out)
  const r2 = ps.connect(__ENV.REFLECT_ADDR, how()) && ps.invoke('c6test.Tester/Echo', { text: 'via protoset' });
  console.log('protoset ' + r2.message.text);
  ps.close();
}

const ps = new grpc.Client();
const psMethods = __ENV.PROTOSET ? ps.loadProtoset(__ENV.PROTOSET) : [];
console.log('protoset methods ' + psMethods.length);
