// The VU's jar takes a response's Set-Cookie fields; over HTTP/1 the head's
// parser says whether there are any (h1_parse.c's set_cookie), so a jar
// looks through the header block only then.
import http from 'k6/http';

export const options = { iterations: 1, vus: 1 };

export default function () {
  const U = __ENV.URL;
  const out = {};
  for (const p of ['/early', '/upper', '/http10', '/lookalike', '/none']) {
    const r = http.get(U + p);
    out[p] = [r.status, r.proto, Object.keys(r.cookies).sort()];
  }
  out.jar = http.cookieJar().cookiesForURL(U + '/check');
  http.get(U + '/check');
  console.log(JSON.stringify(out));
}
