// An empty User-Agent sends none (test_request_bytes.py): k6 sets the
// request's User-Agent header to the option's value (or the script's) and
// Go's Request.write writes no User-Agent line when it is "".
import http from 'k6/http';

export const options = { vus: 1, iterations: 1 };

export default function () {
  http.get(`${__ENV.URL}/a`);
  http.get(`${__ENV.URL}/a`, { headers: { 'User-Agent': '' } });
  http.get(`${__ENV.URL}/a`, { headers: { 'User-Agent': 'x' } });
}
