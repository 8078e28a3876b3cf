// redirects: 0 returns the first 302 as is.
import http from 'k6/http';

export default function () {
  const res = http.get(`${__ENV.TARGET}/redirect/3`, { redirects: 0 });
  console.log(JSON.stringify({ status: res.status, location: res.headers['Location'] }));
}
