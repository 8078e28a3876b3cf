// Memory/CPU benchmark: http.get + check + sleep(1), the issue-17 iteration.
import http from 'k6/http';
import { check, sleep } from 'k6';

export default function () {
  const r = http.get(__ENV.TARGET);
  check(r, { 'status is 200': (x) => x.status === 200 });
  sleep(1);
}
