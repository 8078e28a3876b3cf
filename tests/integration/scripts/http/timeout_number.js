// A numeric timeout is in milliseconds.
import http from 'k6/http';

export default function () {
  const res = http.get(`${__ENV.TARGET}/delay/2000`, { timeout: 300 });
  console.log(JSON.stringify({ status: res.status, error_code: res.error_code }));
}
