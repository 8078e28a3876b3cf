// A request that takes longer than its timeout.
import http from 'k6/http';

export default function () {
  const t0 = Date.now();
  const res = http.get(`${__ENV.TARGET}/delay/2000`, { timeout: '500ms' });
  console.log(JSON.stringify({
    status: res.status,
    error_code: res.error_code,
    hasError: typeof res.error === 'string' && res.error.length > 0,
    ms: Date.now() - t0,
  }));
}
