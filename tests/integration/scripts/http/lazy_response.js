import http from 'k6/http';
export default function () {
  const res = http.get(`${__ENV.TARGET}/get`, { headers: { 'X-Probe': 'p1' } });
  // every field is there when the response is serialised or enumerated after a read
  const j = JSON.parse(JSON.stringify(res));
  console.log(JSON.stringify({
    keys: Object.keys(j).sort(),
    probe: j.request.headers['X-Probe'],
    ua: typeof j.request.headers['User-Agent'][0],
    ctype: j.headers['Content-Type'],
    timing: j.timings.duration > 0,
    again: res.timings === res.timings,           // built once
  }));
  res.headers = 'replaced';                       // assignable, as a plain field
  console.log(res.headers);
}
