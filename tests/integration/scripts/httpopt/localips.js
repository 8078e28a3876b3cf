// localIPs: each VU's connections come from its own source address.
import http from 'k6/http';
import exec from 'k6/execution';

// per-vu-iterations: each of the two VUs runs once (with shared iterations a
// VU that starts late under load may find none left)
export const options = {
  localIPs: '127.0.0.3-127.0.0.4',
  scenarios: { s: { executor: 'per-vu-iterations', vus: 2, iterations: 1 } },
};

export default function () {
  const r = http.get(`${__ENV.TARGET}/client`).json();
  const u = __ENV.TARGET.replace('http://', 'http://u:p@');
  const c = http.get(`${u}/client`).json();
  console.log(JSON.stringify({ vu: exec.vu.idInTest, h1: r.origin, curl: c.origin }));
}
