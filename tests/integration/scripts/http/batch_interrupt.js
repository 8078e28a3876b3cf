// A batch still running when the test is interrupted.
import http from 'k6/http';

export const options = { vus: 1, duration: '60s' };
const T = __ENV.TARGET;

export default function () {
  const curl = T.replace('://', '://u:pw@');
  http.batch([`${T}/delay/30000`, `${T}/delay/30000?b`, `${curl}/delay/30000`, `${curl}/delay/30000?b`]);
  console.log('batch done');
}
