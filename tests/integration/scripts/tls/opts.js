// GETs each of URLS (space-separated) in turn and prints what each response
// says about TLS. OPTS is JSON for `options`; a tlsAuth entry's certFile and
// keyFile are read with open() into its cert and key.
import http from 'k6/http';

const opts = __ENV.OPTS ? JSON.parse(__ENV.OPTS) : {};
for (const a of Array.isArray(opts.tlsAuth) ? opts.tlsAuth : []) {
  if (a.certFile) a.cert = open(a.certFile);
  if (a.keyFile) a.key = open(a.keyFile);
  delete a.certFile;
  delete a.keyFile;
}
export const options = opts;

export default function () {
  for (const url of __ENV.URLS.split(' ')) {
    const r = http.get(url);
    console.log(JSON.stringify({
      url, status: r.status, proto: r.proto, error: r.error, error_code: r.error_code,
      tls_version: r.tls_version, tls_cipher_suite: r.tls_cipher_suite, ocsp: r.ocsp,
      tls: r.timings.tls_handshaking, body: r.body,
      consts: [http.TLS_1_2, http.TLS_1_3, http.OCSP_STATUS_GOOD, http.OCSP_REASON_UNSPECIFIED],
    }));
  }
}
