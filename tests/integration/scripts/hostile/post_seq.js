// POSTs in a row to __ENV.URL (N of them, default 20), each on the connection
// the one before left in the pool; logs (console.log, one JSON line) the
// status and error of each. Env: URL, N.
import http from 'k6/http';

export const options = { iterations: 1, vus: 1 };

export default function () {
    const n = Number(__ENV.N || 20), seen = [];
    for (let i = 0; i < n; i++) {
        const res = http.post(__ENV.URL + '/p' + i, 'payload-' + i, { timeout: '3s' });
        seen.push({ status: res.status, error: res.error, error_code: res.error_code });
    }
    console.log(JSON.stringify({ seen: seen }));
}
