// Tag sets made again and again (c6 finds them through a memo, without
// packing: metrics/tags.h): whatever changes between two requests of one VU
// must show in their tags. One VU, so that samples come in the order made.
import http from 'k6/http';
import { check, group } from 'k6';
import exec from 'k6/execution';

export const options = { iterations: 4, vus: 1 };

export default function () {
  const i = exec.vu.iterationInScenario;
  const T = __ENV.TARGET;
  delete exec.vu.tags.phase;
  http.get(`${T}/get`);                                          // A: the same each iteration
  http.get(`${T}/get?i=${i}`);                                   // B: the URL changes
  http.get(`${T}/get?i=${i}`, { tags: { name: 'named' } });      // C: the URL changes, not the name
  http.get(`${T}/status/${i % 2 ? 404 : 200}`, { tags: { name: 'st' } }); // D: only the status changes
  group('g', () => { http.get(`${T}/get`); });                   // E: A's URL in a group
  exec.vu.tags.phase = `p${i}`;                                  // a VU tag set mid-iteration
  http.get(`${T}/get`);                                          // F: A again, with it
  http.get(`${T}/anything`);                                     // G: GET, then POST: the method
  http.request('POST', `${T}/anything`);                         // H
  http.get(`${T}/get`, { tags: { k: `v${i % 2}` } });            // I: a tag's value changes
  http.get(`${T}/get`, { tags: { [`k${i % 2}`]: 'v' } });        // J: a tag's key changes
  http.get(`${T}/get`, { tags: { method: 'mine', phase: 'q' } }); // K: user tags over system and VU tags
  check(null, { c1: () => true, c2: () => i % 2 === 0 }, { ct: `x${i % 2}` });
  group('g', () => { check(null, { c1: () => true }); });
  if (i === 2) exec.vu.tags.last = 'yes';                        // kept from here on
}
