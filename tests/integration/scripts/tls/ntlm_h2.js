// A plain GET, an NTLM one and a plain one again to URL (an h2 server).
import http from 'k6/http';

export default function () {
  const withCreds = __ENV.URL.replace('://', '://alice:pw@');
  for (const [u, p] of [[__ENV.URL, {}], [withCreds, { auth: 'ntlm' }], [__ENV.URL, {}]]) {
    const r = http.get(u, p);
    console.log(JSON.stringify({ status: r.status, proto: r.proto, body: r.body }));
  }
}
