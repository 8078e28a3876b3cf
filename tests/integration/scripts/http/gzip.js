// A gzip-encoded answer is decoded before the script sees it.
import http from 'k6/http';

export default function () {
  const res = http.get(`${__ENV.TARGET}/gzip`);
  console.log(JSON.stringify({
    status: res.status,
    gzipped: res.json('gzipped'),
    method: res.json('method'),
    encoding: res.headers['Content-Encoding'] || null,
  }));
}
