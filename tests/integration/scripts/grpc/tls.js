// k6/net/grpc over TLS (ALPN h2): the fixture's self-signed certificate is
// refused unless insecureSkipTLSVerify or given as cacerts; a TLS client to
// the h2c port and an h2c client to the TLS port fail once connect()'s
// timeout has passed (grpc-go's blocking dial retries such failures).
import grpc from 'k6/net/grpc';

export const options = { insecureSkipTLSVerify: __ENV.SKIP === '1' };

const client = new grpc.Client();
const ca = __ENV.GRPC_CERT ? open(__ENV.GRPC_CERT) : '';

function attempt(name, fn) {
  try {
    console.log(name + ' ok ' + JSON.stringify(fn()));
  } catch (e) {
    console.log(name + ' error ' + e.message);
  }
}

export default function () {
  attempt('tls', () => {
    client.connect(__ENV.GRPC_TLS_ADDR, { timeout: __ENV.SKIP === '1' ? '10s' : '1s' });
    const r = client.healthCheck();
    client.close();
    return r;
  });
  attempt('cacerts', () => {
    client.connect(__ENV.GRPC_TLS_ADDR, { timeout: '10s', tls: { cacerts: [ca] } });
    const r = client.healthCheck();
    client.close();
    return r;
  });
  attempt('cacerts-string', () => {
    client.connect(__ENV.GRPC_TLS_ADDR, { timeout: '10s', tls: { cacerts: ca } });
    const r = client.healthCheck();
    client.close();
    return r;
  });
  attempt('bad-tls', () => client.connect(__ENV.GRPC_TLS_ADDR, { tls: 'yes' }));
  attempt('tls-to-plain', () => client.connect(__ENV.GRPC_ADDR, { timeout: '1s' }));
  attempt('plain-to-tls', () => {
    client.connect(__ENV.GRPC_TLS_ADDR, { plaintext: true, timeout: '1s' });
    return client.healthCheck();
  });
}
