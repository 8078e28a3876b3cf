// Groups in a scenario, nested three deep, declared out of name order.
import { group, check } from 'k6';
export const options = { scenarios: { s1: { executor: 'shared-iterations', iterations: 1 } } };
export default function () {
  group('zeta', function () {
    check(1, { 'z ok': () => true });
    group('inner', function () { group('deeper', function () { check(1, { 'deep': () => false }); }); });
  });
  group('alpha', function () {});
}
