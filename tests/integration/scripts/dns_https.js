// GETs each of URLS (space-separated) in turn and prints where each
// response came from. OPTS is JSON for `options` (dns, hosts, ...).
import http from 'k6/http';

export const options = __ENV.OPTS ? JSON.parse(__ENV.OPTS) : {};

export default function () {
  for (const url of __ENV.URLS.split(' ')) {
    const r = http.get(url);
    console.log(JSON.stringify({
      url, status: r.status, error: r.error, error_code: r.error_code, ip: r.remote_ip,
      tls: r.timings.tls_handshaking, body: r.body,
    }));
  }
}
