// Every method against /anything (which echoes it) and against the
// method-specific routes (which answer 405 to any other method).
import http from 'k6/http';

const T = __ENV.TARGET;

function report(name, res) {
  let echoed = null;
  try {
    echoed = res.json('method');
  } catch (e) {
    echoed = null;
  }
  console.log(JSON.stringify({ name, status: res.status, echoed, bodyLen: res.body ? res.body.length : 0 }));
}

export default function () {
  report('get', http.get(`${T}/anything`));
  report('post', http.post(`${T}/anything`, 'x'));
  report('put', http.put(`${T}/anything`, 'x'));
  report('patch', http.patch(`${T}/anything`, 'x'));
  report('del', http.del(`${T}/anything`));
  report('request-delete', http.request('DELETE', `${T}/anything`));
  report('options', http.options(`${T}/anything`));
  report('route-post', http.post(`${T}/post`, 'x'));
  report('route-put', http.put(`${T}/put`, 'x'));
  report('route-patch', http.patch(`${T}/patch`, 'x'));
  report('route-delete', http.del(`${T}/delete`));
  report('head', http.head(`${T}/get`));
  report('wrong-method', http.post(`${T}/get`, 'x'));
}
