// The order and set of the checks check() runs: those of Object.keys(checks)
// (k6: internal/js/modules/k6/k6.go Check walks checks.Keys(), goja's
// Object.keys order). Each check function logs its name; the VU logs, per
// case, "case: <names called> | <Object.keys>".
import { check } from 'k6';

function run(label, make) {
  const called = [];
  const checks = make(called);
  const keys = Object.keys(checks).join(' ');
  check(null, checks);
  console.log(`${label}: ${called.join(' ')} | ${keys}`);
}

const log = (called, name) => () => { called.push(name); return true; };

export const options = { vus: 1, iterations: 2 };

export default function () {
  run('plain', (c) => ({ b: log(c, 'b'), a: log(c, 'a'), 'status is 200': log(c, 's') }));
  // array-index keys first, ascending (shape order otherwise)
  run('indexes', (c) => ({ b: log(c, 'b'), 10: log(c, '10'), a: log(c, 'a'), 2: log(c, '2') }));
  run('big index', (c) => ({ z: log(c, 'z'), 4294967294: log(c, 'big'), 7: log(c, '7') }));
  // more names than the shape walk takes (8)
  run('many', (c) => {
    const o = {};
    for (let i = 0; i < 11; i++) o[`k${i}`] = log(c, `k${i}`);
    return o;
  });
  // symbols and non-enumerable properties are not checks; getters are
  run('hidden', (c) => {
    const o = { [Symbol('s')]: log(c, 'sym'), v: log(c, 'v') };
    Object.defineProperty(o, 'ne', { value: log(c, 'ne'), enumerable: false });
    Object.defineProperty(o, 'g', { get: () => log(c, 'g'), enumerable: true });
    return o;
  });
  // deleted and re-added keys: the shape's order after the change
  run('deleted', (c) => {
    const o = { a: log(c, 'a'), b: log(c, 'b'), c: log(c, 'c') };
    delete o.a;
    o.a = log(c, 'a2');
    return o;
  });
  // names taken before the first check runs: a key a check deletes is still
  // checked (its value then undefined: a failed check), one it adds is not
  run('changed while checking', (c) => {
    const o = {};
    o.first = () => { c.push('first'); delete o.second; o.third = log(c, 'third'); return true; };
    o.second = log(c, 'second');
    return o;
  });
  // inherited keys are not checks; an array's indexes are
  run('inherited', (c) => Object.assign(Object.create({ p: log(c, 'p') }), { own: log(c, 'own') }));
  run('array', (c) => [log(c, 'i0'), log(c, 'i1')]);
}
