// http.url`...` names requests by their template, so one tag set covers them all.
import http from 'k6/http';
export const options = {
  iterations: 4,
  // every ${...} becomes ${} in the name, the base URL's too
  thresholds: { 'http_reqs{name:${}/status/${}}': ['count==4'] },
};
export default function () {
  const code = 200 + __ITER;
  const u = http.url`${__ENV.TARGET}/status/${code}`;
  const r = http.get(u);
  console.log(JSON.stringify({ url: String(u), name: u.name, status: r.status, resUrl: r.url }));
}
