// res.json() on a body that is not JSON throws inside the iteration.
import http from 'k6/http';

export default function () {
  const res = http.get(`${__ENV.TARGET}/html`);
  console.log(`status ${res.status}`);
  res.json();
  console.log('after json');
}
