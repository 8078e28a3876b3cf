// http.batch runs a batch's requests at once, within k6's default limits:
// 20 at a time (batch) and 6 per host (batchPerHost). Each request waits
// DELAY ms at the target; the log says how long each batch took.
import http from 'k6/http';

const T = __ENV.TARGET;
const D = __ENV.DELAY;
const port = T.split(':')[2];

function timed(reqs) {
  const t0 = Date.now();
  const res = http.batch(reqs);
  return { ms: Date.now() - t0, ok: res.every((r) => r.status === 200) };
}

export default function () {
  const same = (n) => Array.from({ length: n }, (_, i) => `${T}/delay/${D}?i=${i}`);
  // host spellings that are different hosts for the per-host limit
  const hosts = ['localhost', 'LOCALHOST', 'Localhost', 'localHost'];
  const spread = (n) => Array.from({ length: n }, (_, i) => `http://${hosts[Math.floor(i / 6)]}:${port}/delay/${D}?i=${i}`);
  console.log(JSON.stringify({
    six: timed(same(6)),          // one wave
    seven: timed(same(7)),        // the seventh waits for a free per-host slot
    twenty: timed(spread(20)),    // 4 hosts, at most 6 each: one wave
    twentyFour: timed(spread(24)),// 24 > 20: a second wave
  }));
}
