// The cookie jar keeps cookies within an iteration and is emptied between iterations.
import http from 'k6/http';

const T = __ENV.TARGET;

export default function () {
  const before = http.get(`${T}/cookies`).json('cookies');
  const set = http.get(`${T}/cookies/set?flavour=choc`); // 302 to /cookies
  const after = http.get(`${T}/cookies`).json('cookies');
  console.log(JSON.stringify({ iter: __ITER, before, viaRedirect: set.json('cookies'), after }));
}
