// Requests with up to 4 tags of their own and with more (c6 keeps a
// request's tags in a small frame for the first and a larger one past 4:
// js/modules/http_run.c, http_emit), checks with and without tags of their
// own (k6.c, k6_check_tags), each made again with one thing changed: the
// change shows in the next sample's tags. One VU: samples in the order made.
import http from 'k6/http';
import { check, group } from 'k6';
import exec from 'k6/execution';

export const options = { iterations: 2, vus: 1 };

function tags(n, last) {
  const t = {};
  for (let i = 0; i < n; i++) t[`k${i}`] = `v${i}`;
  if (last !== undefined) t[`k${n - 1}`] = last;
  return t;
}

export default function () {
  const u = `${__ENV.TARGET}/get`;
  const i = exec.vu.iterationInScenario;
  http.get(u, { tags: tags(4) });                     // 0: the few
  http.get(u, { tags: tags(4, `w${i}`) });            // 1
  http.get(u, { tags: tags(5) });                     // 2: past the few
  http.get(u, { tags: tags(5, `w${i}`) });            // 3
  http.get(u, { tags: tags(5) });                     // 4
  http.get(u, { tags: tags(12) });                    // 5: more than a memo holds
  http.get(u, { tags: tags(12, 'x') });               // 6
  group('g', () => { http.get(u, { tags: tags(6) }); }); // 7
  http.get(u);                                        // 8: none
  check(null, { c: () => true });                     // 0: no tags of its own
  check(null, { c: () => true }, { t: `a${i}` });     // 1
  check(null, { c: () => true }, tags(3));            // 2
  check(null, { c: () => true });                     // 3
  group('g', () => check(null, { c: () => true }, { t: 'b' })); // 4
}
