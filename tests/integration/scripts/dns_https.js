// GETs each of URLS (space-separated) in turn and prints where each
// response came from; with BATCH set they are sent as one http.batch. OPTS is JSON for `options` (dns, hosts, ...).
import http from 'k6/http';

export const options = __ENV.OPTS ? JSON.parse(__ENV.OPTS) : {};

export default function () {
  const urls = __ENV.URLS.split(' ');
  // BATCH: all at once, so they wait for the same lookup
  const rs = __ENV.BATCH ? http.batch(urls) : urls.map((u) => http.get(u));
  for (let i = 0; i < urls.length; i++) {
    const url = urls[i];
    const r = rs[i];
    console.log(JSON.stringify({
      url, status: r.status, error: r.error, error_code: r.error_code, ip: r.remote_ip,
      tls: r.timings.tls_handshaking, body: r.body,
    }));
  }
}
