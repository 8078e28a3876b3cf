// k6/net/grpc's errors that need no server answer: the init-context rules,
// calls before connect(), bad connect() params, a refused connection.
import grpc from 'k6/net/grpc';

const client = new grpc.Client();
let initErr = '';
try {
  client.connect('127.0.0.1:1', { plaintext: true });
} catch (e) {
  initErr = e.message;
}

function attempt(name, fn) {
  try {
    console.log(name + ' ok ' + JSON.stringify(fn()));
  } catch (e) {
    console.log(name + ' error ' + e.message);
  }
}

export default function () {
  console.log('init-connect error ' + initErr);
  attempt('load', () => client.load([], 'x.proto'));
  attempt('invoke', () => client.invoke('c6test.Tester/Echo', {}));
  attempt('health', () => client.healthCheck());
  attempt('refused', () => client.connect(__ENV.REFUSED_ADDR, { plaintext: true }));
  attempt('param', () => client.connect(__ENV.REFUSED_ADDR, { plaintext: true, bogus: 1 }));
  attempt('plaintext', () => client.connect(__ENV.REFUSED_ADDR, { plaintext: 'yes' }));
  attempt('maxsize', () => client.connect(__ENV.REFUSED_ADDR, { maxReceiveSize: -1 }));
  attempt('timeout', () => client.connect(__ENV.REFUSED_ADDR, { timeout: 'soon' }));
  console.log('consts ' + [grpc.StatusOK, grpc.StatusCanceled, grpc.StatusDeadlineExceeded, grpc.StatusNotFound,
    grpc.StatusResourceExhausted, grpc.StatusUnimplemented, grpc.StatusUnavailable, grpc.StatusUnauthenticated,
    grpc.HealthCheckUnknown, grpc.HealthCheckServing, grpc.HealthCheckNotServing, grpc.HealthCheckServiceUnkown].join(','));
}
