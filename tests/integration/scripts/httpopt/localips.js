// localIPs: each VU's connections come from its own source address.
import http from 'k6/http';
import exec from 'k6/execution';

export const options = { localIPs: '127.0.0.3-127.0.0.4', vus: 2, iterations: 2 };

export default function () {
  const r = http.get(`${__ENV.TARGET}/client`).json();
  const u = __ENV.TARGET.replace('http://', 'http://u:p@');
  const c = http.get(`${u}/client`).json();
  console.log(JSON.stringify({ vu: exec.vu.idInTest, h1: r.origin, curl: c.origin }));
}
