// One HTTPS GET against TLS_URL; prints what the response says.
import http from 'k6/http';

export default function () {
  const r = http.get(__ENV.TLS_URL);
  console.log(JSON.stringify({
    status: r.status, error_code: r.error_code, proto: r.proto,
    tls: r.timings.tls_handshaking, body: r.body,
  }));
}
