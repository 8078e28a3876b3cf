// A name that never resolves: status 0, error_code 1101, for http:// and https://.
import http from 'k6/http';
export default function () {
  for (const scheme of ['http', 'https']) {
    const r = http.get(`${scheme}://nohost.invalid/`, { timeout: '20s' });
    console.log(JSON.stringify({ status: r.status, code: r.error_code, error: r.error }));
  }
}
