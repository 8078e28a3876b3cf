// 4xx and 5xx answers get error_code 1000 + status and an empty error.
import http from 'k6/http';

export default function () {
  for (const code of [404, 503, 200]) {
    const res = http.get(`${__ENV.TARGET}/status/${code}`);
    console.log(JSON.stringify({ status: res.status, error_code: res.error_code, error: res.error }));
  }
}
