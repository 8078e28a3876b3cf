// __ENV.N VUs, one request each to __ENV.URL at the same moment, each on a
// connection of its own (noConnectionReuse): more sockets at once than the
// test's ulimit -n allows (issue 17)
import http from 'k6/http';
export const options = {
    scenarios: { s: { executor: 'per-vu-iterations', vus: __ENV.N * 1, iterations: 1, maxDuration: '60s' } },
    noConnectionReuse: true,
};
export default function () {
    http.get(__ENV.URL);
}
