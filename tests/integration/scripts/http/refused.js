// Nothing listens on port 1: connection refused.
import http from 'k6/http';

export default function () {
  const res = http.get('http://127.0.0.1:1/');
  console.log(JSON.stringify({
    status: res.status,
    error_code: res.error_code,
    hasError: typeof res.error === 'string' && res.error.length > 0,
  }));
}
