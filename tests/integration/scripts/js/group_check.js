// group() returns its function's value; check() returns a boolean.
import { check, group } from 'k6';

export default function () {
  const v = group('my group', function () {
    return 42;
  });
  console.log('group returned ' + JSON.stringify(v));

  const a = check(1, { 'one is one': (x) => x === 1 });
  const b = check(1, { 'one is two': (x) => x === 2 });
  const c = check(1, { 'mixed ok': (x) => x === 1, 'mixed bad': (x) => x === 3 });
  console.log(`check ${typeof a} ${a} ${b} ${c}`);
}
