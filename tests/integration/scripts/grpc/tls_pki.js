// k6/net/grpc connect()'s tls param against two TLS servers whose
// certificates two test CAs signed (test_grpc_tls.py): CA_A given as cacerts,
// CA_B the "system" roots (SSL_CERT_FILE); then bad cacerts/cert/key/password
// inputs, each failing with its message.
import grpc from 'k6/net/grpc';

const client = new grpc.Client();
const read = (name) => open(__ENV.PKI + '/' + name);
const caA = read('ca_a.pem');
const clientCert = read('client.pem');
const clientKey = read('client.key');
const clientKeyEnc = read('client_enc.key');
const clientKeyPkcs8 = read('client_p8.key');
const otherKey = read('other.key');

function attempt(name, addr, tls) {
  try {
    const params = { timeout: '1s' };
    if (tls) params.tls = tls; // (tls: undefined is refused, as k6 refuses it)
    client.connect(addr, params);
    const r = client.healthCheck();
    client.close();
    console.log(name + ' ok ' + JSON.stringify(r));
  } catch (e) {
    console.log(name + ' error ' + e.message);
  }
}

export default function () {
  const a = __ENV.ADDR_A, b = __ENV.ADDR_B;
  attempt('a-cacerts', a, { cacerts: [caA] });
  attempt('b-cacerts', b, { cacerts: [caA] }); // the system roots still trusted
  attempt('b-system', b, undefined);
  attempt('a-system', a, undefined);
  attempt('b-cert', b, { cert: clientCert, key: clientKey, cacerts: caA });
  attempt('b-password', b, { cert: clientCert, key: clientKeyEnc, password: 'secret' });
  attempt('bad-ca', a, { cacerts: [caA, 'not a certificate'] });
  attempt('bad-password', b, { cert: clientCert, key: clientKeyEnc, password: 'wrong' });
  attempt('pkcs8-password', b, { cert: clientCert, key: clientKeyPkcs8, password: 'secret' });
  attempt('plain-key-password', b, { cert: clientCert, key: clientKey, password: 'secret' });
  attempt('no-key-password', b, { cert: clientCert, password: 'secret' });
  attempt('bad-cert', b, { cert: 'nothing', key: clientKey });
  attempt('swapped', b, { cert: clientKey, key: clientCert });
  attempt('mismatch', b, { cert: clientCert, key: otherKey });
  attempt('enc-no-password', b, { cert: clientCert, key: clientKeyEnc });
  // the param's form (params.go parseConnectTLSParam), quoting the map as Go's %#v
  attempt('tls-array', b, ['x']);
  attempt('cert-type', b, { key: 'k', cert: 1 });
  attempt('key-type', b, { key: 1.5 });
  attempt('password-type', b, { password: true });
  attempt('cacerts-type', b, { cacerts: ['a', 2] });
}
