// params.headers reach the server; params.tags do not break the request.
import http from 'k6/http';

const T = __ENV.TARGET;

export default function () {
  let res = http.get(`${T}/headers`, {
    headers: { 'X-C6-Test': 'value-1', 'Accept': 'text/plain' },
    tags: { mytag: 'mine', name: 'headers-req' },
  });
  console.log('headers ' + JSON.stringify({
    status: res.status,
    custom: res.json('headers.X-C6-Test'),
    accept: res.json('headers.Accept'),
  }));

  res = http.get(`${T}/headers`);
  const h = res.json('headers');
  console.log('defaults ' + JSON.stringify({
    ua: h['User-Agent'] || null,
    acceptEncoding: h['Accept-Encoding'] === undefined ? null : h['Accept-Encoding'],
  }));
}
