// Sequential requests of one VU reuse one connection.
import http from 'k6/http';

export default function () {
  const c = [];
  for (let i = 0; i < 6; i++) {
    const res = http.get(`${__ENV.TARGET}/get`);
    c.push({ status: res.status, connecting: res.timings.connecting, duration: res.timings.duration });
  }
  console.log(JSON.stringify(c));
}
