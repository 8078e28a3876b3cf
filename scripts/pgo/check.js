// Profile-guided build (scripts/pgo/train.sh): bench/scripts/check.js's
// iteration (http.get + check + sleep), with a short sleep so that a few
// seconds hold many iterations for few VUs. Its profile must be dominated
// by the iterations, not by the VUs' start (compiling and evaluating the
// script): gcc lays out as hot only the code that holds most of the counts.
import http from 'k6/http';
import { check, sleep } from 'k6';

export default function () {
  const r = http.get(__ENV.TARGET);
  check(r, { 'status is 200': (x) => x.status === 200 });
  sleep(0.01);
}
