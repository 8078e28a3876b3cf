// Requests and checks made again as they were, with one thing changed in
// between (c6 looks at the VU's last set of each site first, comparing
// pointers and known lengths: metrics/tags.h, tagdict_memo_again): the
// change shows in the next sample's tags. One VU: samples in the order made.
import http from 'k6/http';
import { check, group } from 'k6';
import exec from 'k6/execution';

export const options = { iterations: 3, vus: 1 };

export default function () {
  const T = __ENV.TARGET;
  const i = exec.vu.iterationInScenario;
  const u = `${T}/get`;
  http.get(u);                                                 // 0: the same string each time
  exec.vu.tags.x = `x${i}`;                                    // a VU tag between identical requests
  http.get(u);                                                 // 1
  exec.vu.tags.x = 'a longer value than before';
  http.get(u);                                                 // 2
  delete exec.vu.tags.x;
  http.get(u);                                                 // 3
  http.get(['http://', T.slice(7), '/g', 'et'].join(''));      // 4: an equal URL, another string
  http.get(`${T}/get?q=1`);                                    // 5
  http.get(`${T}/get?q=2`);                                    // 6: as long, a byte changed
  http.get(`${T}/get?q=22`);                                   // 7: a byte more
  http.get(`${T}/get?q=`);                                     // 8: a byte less
  group('a', () => { http.get(u); });                          // 9
  group('b', () => { http.get(u); });                          // 10: another group, as long
  group('a', () => { group('b', () => { http.get(u); }); });   // 11
  http.get(u);                                                 // 12: the root group again
  http.get(`${T}/status/200`, { tags: { name: 's' } });        // 13
  http.get(`${T}/status/201`, { tags: { name: 's' } });        // 14: a status as long
  http.get('http://127.0.0.1:1/', { tags: { name: 'down' } }); // 15: status 0, error tags
  http.get('http://127.0.0.1:1/', { tags: { name: 'down' } }); // 16
  http.get(u, { tags: { t: 'a' } });                           // 17
  http.get(u, { tags: { t: 'b' } });                           // 18
  http.get(u, { tags: { t: 'ab' } });                          // 19
  check(null, { [['status is ', 200].join('')]: () => true }); // an equal name, another string
  check(null, { 'status is 200': () => true });
  check(null, { 'status is 201': () => true });                // as long, a byte changed
  check(null, { 'status is 2000': () => true });
  check(null, { 'status is 20': () => true });
  exec.vu.tags.y = 'y';
  check(null, { 'status is 200': () => true });
  delete exec.vu.tags.y;
  check(null, { 'status is 200': () => true });
  group('g', () => check(null, { 'status is 200': () => true }));
  check(null, { 'status is 200': () => true }, { t: 'u' });
  check(null, { 'status is 200': () => true });
}
