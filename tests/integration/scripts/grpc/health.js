// k6/net/grpc over h2c (plaintext: true): healthCheck against the fixture's
// grpc.health.v1.Health, a non-OK status thrown, close() and a reconnect.
import grpc from 'k6/net/grpc';

const client = new grpc.Client();

export default function () {
  if (client.connect(__ENV.GRPC_ADDR, { plaintext: true }) !== true) throw new Error('connect did not return true');
  const res = client.healthCheck();
  console.log('serving ' + JSON.stringify(res));
  // k6's shape (grpcext HealthCheckResponse{Status}; k6's examples/grpc_healthcheck.js
  // compares r.status === grpc.HealthCheckServing): a number, no message/error fields
  console.log('shape ' + JSON.stringify([Object.keys(res), typeof res.status, res.status === grpc.HealthCheckServing]));
  console.log('named ' + JSON.stringify(client.healthCheck('c6test.Tester')));
  console.log('down ' + JSON.stringify(client.healthCheck('down')));
  try {
    client.healthCheck('nope');
    console.log('no error');
  } catch (e) {
    console.log('error ' + e.message);
  }
  client.close();
  client.close(); // a second close does nothing
  try {
    client.healthCheck();
  } catch (e) {
    console.log('closed ' + e.message);
  }
  client.connect(__ENV.GRPC_ADDR, { plaintext: true, timeout: '5s' });
  console.log('again ' + JSON.stringify(client.healthCheck()));
  client.close();
}
