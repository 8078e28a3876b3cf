// bench/scripts/check.js's iteration (http.get + check + sleep(1)) for
// tests/integration/test_vu_memory.py: the stack pages a VU keeps once its
// first request has interned its tag sets (the deepest path an iteration takes).
import http from 'k6/http';
import { check, sleep } from 'k6';

export default function () {
  const r = http.get(__ENV.TARGET);
  check(r, { 'status is 200': (x) => x.status === 200 });
  sleep(1);
}
