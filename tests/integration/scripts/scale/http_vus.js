// __ENV.N VUs of a script that imports k6/http (so each VU may keep a connection);
// it requests __ENV.URL only when given
import http from 'k6/http';
export const options = { vus: __ENV.N * 1, iterations: __ENV.N * 1 };
export default function () {
    if (__ENV.URL) http.get(__ENV.URL);
}
