// One GET per iteration against the target.
import http from 'k6/http';

export default function () {
  http.get(`${__ENV.TARGET}/get`);
}
