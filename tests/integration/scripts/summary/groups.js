// Nested groups and checks for --summary-mode=full: 3 iterations, each with
// 2 requests in "a", 1 in "b", 1 in "b::inner", 1 in "b::inner::deep" and
// 1 outside any group.
import http from 'k6/http';
import { check, group } from 'k6';
export const options = { iterations: 3 };
export default function () {
  group('b', () => {
    check(http.get(`${__ENV.TARGET}/get`), { 'b is 200': (r) => r.status === 200 });
    group('inner', () => {
      http.get(`${__ENV.TARGET}/get`);
      check(null, { 'inner fails': () => false });
      group('deep', () => { http.get(`${__ENV.TARGET}/get`); });
    });
  });
  group('a', () => {
    http.get(`${__ENV.TARGET}/get`);
    http.get(`${__ENV.TARGET}/get`);
  });
  http.get(`${__ENV.TARGET}/get`);
  check(1, { 'top': () => true });
}
