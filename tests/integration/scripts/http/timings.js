// The timings object of a response.
import http from 'k6/http';

export default function () {
  const res = http.get(`${__ENV.TARGET}/delay/100`);
  console.log(JSON.stringify(res.timings));
}
